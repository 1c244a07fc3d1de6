package wechat

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The fuzz targets' seed corpora (testdata/fuzz/FuzzX/seed-*) are real
// messages in WeChat's formats, written by this test: with
// WXMP_WRITE_FUZZ_SEEDS=1 it (re)writes them; otherwise it checks that the
// committed files are what it would write, and that the messages meant to
// be accepted are, so that every target starts from inputs that get past
// the signature. Other files in those folders are inputs the fuzzer found
// (go test -fuzz writes them there); they stay as regression seeds.
//
//	WXMP_WRITE_FUZZ_SEEDS=1 go test -run TestFuzzSeedCorpus ./adapters/wechat/

// What WeChat sends, as the emulator writes it (§6, §9): a paid
// transaction, a refund as create and query answer it, and the resource
// of a refund notification.
const (
	seedTxn = `{"appid":"wx0123456789abcdef","mchid":"1900000109","out_trade_no":"ORDER_20250301_0001",` +
		`"transaction_id":"4200000000202503010000000001","trade_type":"JSAPI","trade_state":"SUCCESS",` +
		`"trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2025-03-01T18:00:05+08:00",` +
		`"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":1999,"payer_total":1999,"currency":"CNY","payer_currency":"CNY"}}`
	seedTxnNotPay = `{"appid":"wx0123456789abcdef","mchid":"1900000109","out_trade_no":"ORDER_20250301_0001","trade_type":"JSAPI",` +
		`"trade_state":"NOTPAY","trade_state_desc":"订单未支付","attach":"","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},` +
		`"amount":{"total":1999,"currency":"CNY","payer_currency":"CNY"}}`
	seedRefund = `{"refund_id":"50000000382019052709732678859","out_refund_no":"RF_20250301_0001",` +
		`"transaction_id":"4200000000202503010000000001","out_trade_no":"ORDER_20250301_0001","channel":"ORIGINAL",` +
		`"user_received_account":"支付用户零钱","create_time":"2025-03-01T18:20:00+08:00","status":"PROCESSING",` +
		`"funds_account":"AVAILABLE","amount":{"total":1999,"refund":500,"payer_total":1999,"payer_refund":500,` +
		`"settlement_refund":500,"settlement_total":1999,"discount_refund":0,"currency":"CNY"},"promotion_detail":[]}`
	seedRefundNotice = `{"mchid":"1900000109","out_trade_no":"ORDER_20250301_0001","transaction_id":"4200000000202503010000000001",` +
		`"out_refund_no":"RF_20250301_0001","refund_id":"50000000382019052709732678859","refund_status":"SUCCESS",` +
		`"success_time":"2025-03-01T18:30:00+08:00","user_received_account":"支付用户零钱",` +
		`"amount":{"total":1999,"refund":500,"payer_total":1999,"payer_refund":500}}`
)

// seed is one corpus file: its name, the target's arguments, and whether
// the message must be accepted (notification targets only).
type seed struct {
	name   string
	args   []any
	accept bool
}

func wechatSeeds(tb testing.TB) map[string][]seed {
	k := testKeys()
	certSerial := CertificateSerial(k.cert)
	seal := func(event, originalType, plain string) []byte {
		return sealPlain(tb, k.apiV3, event, originalType, []byte(plain))
	}
	abnormal := strings.NewReplacer(`"refund_status":"SUCCESS"`, `"refund_status":"ABNORMAL"`,
		`"success_time":"2025-03-01T18:30:00+08:00",`, ``).Replace(seedRefundNotice)
	pay, refund := seal("TRANSACTION.SUCCESS", "transaction", seedTxn), seal("REFUND.SUCCESS", "refund", seedRefundNotice)
	const nonce, typ = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", notifySignatureType
	wire := func(name string, accept bool, ts, sig, serial, sigType string, body []byte) seed {
		return seed{name: name, args: []any{ts, nonce, sig, serial, sigType, body}, accept: accept}
	}
	resource := func(name string, accept bool, event, plain string) seed {
		return seed{name: name, args: []any{event, []byte(plain)}, accept: accept}
	}
	answer := func(name string, status uint16, body string, more ...any) seed {
		return seed{name: name, args: append(append([]any{status}, more...), []byte(body))}
	}
	errorBody := func(code, msg string) string { return fmt.Sprintf(`{"code":%q,"message":%q}`, code, msg) }
	return map[string][]seed{
		"FuzzParseNotification": {
			wire("seed-payment-public-key", true, fuzzNow, fuzzSign, k.pubID, typ, pay),
			wire("seed-payment-platform-cert", true, fuzzNow, fuzzSign, certSerial, typ, pay),
			wire("seed-payment-serial-lower-case", true, "{now+240}", fuzzSign, strings.ToLower(certSerial), typ, pay),
			wire("seed-payment-notpay", true, fuzzNow, fuzzSign, k.pubID, typ, seal("TRANSACTION.SUCCESS", "transaction", seedTxnNotPay)),
			wire("seed-refund-success", true, fuzzNow, fuzzSign, k.pubID, typ, refund),
			wire("seed-refund-abnormal", true, fuzzNow, fuzzSign, certSerial, typ, seal("REFUND.ABNORMAL", "refund", abnormal)),
			wire("seed-stale", false, "{now-360}", fuzzSign, k.pubID, typ, pay),
			wire("seed-signtest-probe", false, fuzzNow, "WECHATPAY/SIGNTEST/"+base64.StdEncoding.EncodeToString([]byte("probe")), k.pubID, typ, pay),
			wire("seed-unknown-serial", false, fuzzNow, fuzzSign, "PUB_KEY_ID_0000000000000000000000000000", typ, pay),
			wire("seed-forged-signature", false, fuzzNow, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5a}, 256)), k.pubID, typ, pay),
			wire("seed-other-apiv3-key", false, fuzzNow, fuzzSign, k.pubID, typ,
				sealPlain(tb, "zZ3dEf6hIj9kLm2nOp5qRs8tUv1wXy4A", "TRANSACTION.SUCCESS", "transaction", []byte(seedTxn))),
			wire("seed-sm4", false, fuzzNow, fuzzSign, k.pubID, typ, bytes.Replace(pay, []byte(resourceAlgorithm), []byte("AEAD_SM4_GCM"), 1)),
			wire("seed-sm2-signature-type", false, fuzzNow, fuzzSign, k.pubID, "WECHATPAY2-SM2-WITH-SM3", pay),
			wire("seed-not-json", false, fuzzNow, fuzzSign, k.pubID, typ, []byte(`{"id":"EV-1", "resource": {`)),
			wire("seed-no-headers", false, "", "", "", "", pay),
		},
		"FuzzNotificationTransaction": {
			resource("seed-success", true, "TRANSACTION.SUCCESS", seedTxn),
			resource("seed-notpay", true, "TRANSACTION.SUCCESS", seedTxnNotPay),
			resource("seed-other-event", true, "TRANSACTION.CLOSED", strings.Replace(seedTxnNotPay, `"NOTPAY"`, `"CLOSED"`, 1)),
			resource("seed-amount-as-string", false, "TRANSACTION.SUCCESS", strings.Replace(seedTxn, `"total":1999`, `"total":"1999"`, 1)),
			resource("seed-success-time-not-rfc3339", false, "TRANSACTION.SUCCESS", strings.Replace(seedTxn, `2025-03-01T18:00:05+08:00`, `2025-03-01 18:00:05`, 1)),
			resource("seed-no-out-trade-no", false, "TRANSACTION.SUCCESS", strings.Replace(seedTxn, `"out_trade_no"`, `"out_trade"`, 1)),
			resource("seed-not-json", false, "TRANSACTION.SUCCESS", `{"appid":`),
		},
		"FuzzNotificationRefund": {
			resource("seed-success", true, "REFUND.SUCCESS", seedRefundNotice),
			resource("seed-abnormal", true, "REFUND.ABNORMAL", abnormal),
			resource("seed-closed", true, "REFUND.CLOSED", strings.Replace(abnormal, `"ABNORMAL"`, `"CLOSED"`, 1)),
			resource("seed-unknown-status", false, "REFUND.SUCCESS", strings.Replace(seedRefundNotice, `"refund_status":"SUCCESS"`, `"refund_status":"REFUNDING"`, 1)),
			resource("seed-amount-not-object", false, "REFUND.SUCCESS", strings.Replace(seedRefundNotice,
				`{"total":1999,"refund":500,"payer_total":1999,"payer_refund":500}`, `"lots"`, 1)),
			resource("seed-no-out-refund-no", false, "REFUND.SUCCESS", strings.Replace(seedRefundNotice, `"out_refund_no"`, `"out_refund"`, 1)),
		},
		"FuzzQueryOrderAnswer": {
			answer("seed-success", 200, seedTxn, true),
			answer("seed-notpay", 200, seedTxnNotPay, true),
			answer("seed-unsigned", 200, seedTxn, false),
			answer("seed-other-order", 200, strings.Replace(seedTxn, "ORDER_20250301_0001", "ORDER_20250301_0002", 1), true),
			answer("seed-order-not-exist", 404, errorBody("ORDER_NOT_EXIST", "订单不存在"), true),
			answer("seed-system-error", 500, errorBody("SYSTEM_ERROR", "系统错误"), true),
			answer("seed-frequency-limited", 429, errorBody("FREQUENCY_LIMITED", "频率超限"), true),
			answer("seed-sign-error", 401, errorBody("SIGN_ERROR", "签名错误"), true),
			answer("seed-message-echoes-the-key", 400, errorBody("PARAM_ERROR", "APIv3 key "+k.apiV3+" is wrong"), true),
			answer("seed-no-api", 404, "404 page not found", false),
		},
		"FuzzRefundAnswer": {
			answer("seed-create-processing", 200, seedRefund, true, true),
			answer("seed-query-success", 200, strings.Replace(seedRefund, `"status":"PROCESSING"`,
				`"success_time":"2025-03-01T18:30:00+08:00","status":"SUCCESS"`, 1), true, false),
			answer("seed-unsigned", 200, seedRefund, false, true),
			answer("seed-unknown-status", 200, strings.Replace(seedRefund, "PROCESSING", "REFUNDING", 1), true, false),
			answer("seed-resource-not-exists", 404, errorBody("RESOURCE_NOT_EXISTS", "退款单不存在"), true, false),
			answer("seed-not-enough", 403, errorBody("NOT_ENOUGH", "基本账户余额不足，请充值后重新发起"), true, true),
			answer("seed-invalid-request", 400, errorBody("INVALID_REQUEST", "订单已全额退款"), true, true),
		},
		"FuzzCode2SessionAnswer": {
			answer("seed-success", 200, `{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA"}`),
			answer("seed-invalid-code", 200, `{"errcode":40029,"errmsg":"invalid code, rid: 67c2e1a3-1b2c3d4e-5f6a7b8c"}`),
			answer("seed-busy", 200, `{"errcode":-1,"errmsg":"system error"}`),
			answer("seed-rate-limited", 200, `{"errcode":45011,"errmsg":"api minute-quota reach limit  mustslower  retry next minute"}`),
			answer("seed-high-risk", 200, `{"errcode":40226,"errmsg":"high risk user"}`),
			answer("seed-secret-echoed", 200, fmt.Sprintf(`{"errcode":40125,"errmsg":"invalid appsecret %s %s"}`, testSecret, url.QueryEscape(testSecret))),
			answer("seed-bad-session-key", 200, `{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","session_key":"short"}`),
			answer("seed-gateway-error", 502, `<html>502 Bad Gateway</html>`),
		},
	}
}

func TestFuzzSeedCorpus(t *testing.T) {
	write := os.Getenv("WXMP_WRITE_FUZZ_SEEDS") != ""
	for target, seeds := range wechatSeeds(t) {
		for _, s := range seeds {
			path := filepath.Join("testdata", "fuzz", target, s.name)
			want := corpusFile(t, s.args...)
			if write {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			} else if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s is missing or stale (%v): WXMP_WRITE_FUZZ_SEEDS=1 go test -run TestFuzzSeedCorpus ./adapters/wechat/", path, err)
			}
		}
	}
	// The accepted seeds must get through: otherwise the fuzzer would
	// start outside the signature and never reach the parsers.
	p := fuzzPay(t, "http://127.0.0.1:1")
	seeds := wechatSeeds(t)
	for _, s := range seeds["FuzzParseNotification"] {
		a := s.args
		h := wireHeader(t, a[0].(string), a[1].(string), a[2].(string), a[3].(string), a[4].(string), a[5].([]byte))
		_, perr := p.ParseNotification(t.Context(), h, a[5].([]byte))
		_, rerr := p.ParseRefundNotification(t.Context(), h, a[5].([]byte))
		if accepted := perr == nil || rerr == nil; accepted != s.accept {
			t.Errorf("%s: accepted %v, want %v (%v; %v)", s.name, accepted, s.accept, perr, rerr)
		}
	}
	for target, door := range map[string]string{"FuzzNotificationTransaction": "transaction", "FuzzNotificationRefund": "refund"} {
		for _, s := range seeds[target] {
			body := sealPlain(t, testKeys().apiV3, s.args[0].(string), door, s.args[1].([]byte))
			var err error
			if door == "refund" {
				_, err = p.ParseRefundNotification(t.Context(), signNow(t, body), body)
			} else {
				_, err = p.ParseNotification(t.Context(), signNow(t, body), body)
			}
			if (err == nil) != s.accept {
				t.Errorf("%s/%s: error %v, want accepted %v", target, s.name, err, s.accept)
			}
		}
	}
}

// corpusFile encodes arguments in Go's fuzz corpus format.
func corpusFile(tb testing.TB, args ...any) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case string:
			fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
		case []byte:
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
		case bool:
			fmt.Fprintf(&b, "bool(%t)\n", v)
		case uint16:
			fmt.Fprintf(&b, "uint16(%d)\n", v)
		default:
			tb.Fatalf("no corpus encoding for %T", a)
		}
	}
	return []byte(b.String())
}
