package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/domain"
)

// These tests sign and encrypt notifications themselves, with the SDK's
// utils and the standard library, following §3 and §6 of the protocol notes:
// they pin the protocol independently of the emulator.

type ownKeys struct {
	mch, pub, plat, other *rsa.PrivateKey
	cert                  *x509.Certificate
	pubID, apiV3          string
}

var testKeys = sync.OnceValue(func() ownKeys {
	var ks [4]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ks[i] = k
	}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes([]byte{0x5a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc}),
		Subject:      pkix.Name{CommonName: "Tenpay.com test platform certificate"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ks[2].PublicKey, ks[2])
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return ownKeys{mch: ks[0], pub: ks[1], plat: ks[2], other: ks[3], cert: cert,
		pubID: "PUB_KEY_ID_0114232134912410000000000000", apiV3: "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"}
})

// ownPay builds an adapter that trusts the public key and/or the platform
// certificate of testKeys, with a clock frozen at now.
func ownPay(t *testing.T, now time.Time, withPub, withCert bool, logs *bytes.Buffer) *Pay {
	t.Helper()
	k := testKeys()
	cfg := PayConfig{BaseURL: "http://127.0.0.1:1", AppID: testAppID, MchID: "1900000109",
		MchCertSerial: "3775B6A45ACD588826D15E583A95F5DD3B1E7F2A", MchPrivateKey: k.mch, APIv3Key: k.apiV3,
		NotifyURL: "http://127.0.0.1:2/pay/notify", Now: func() time.Time { return now }}
	if withPub {
		cfg.PublicKeyID, cfg.PublicKey = k.pubID, &k.pub.PublicKey
	}
	if withCert {
		cfg.PlatformCerts = []*x509.Certificate{k.cert}
	}
	var log *slog.Logger
	if logs != nil {
		log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p, err := NewPay(cfg, nil, log)
	if err != nil {
		t.Fatalf("NewPay: %v", err)
	}
	return p
}

func sampleTxn() map[string]any {
	return map[string]any{
		"appid": testAppID, "mchid": "1900000109", "out_trade_no": "ORDER_20250301_0001",
		"transaction_id": "4200000000202503010000000001", "trade_type": "JSAPI", "trade_state": "SUCCESS",
		"trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
		"success_time": "2025-03-01T18:00:05+08:00", "payer": map[string]any{"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
		"amount": map[string]any{"total": 1999, "payer_total": 1999, "currency": "CNY", "payer_currency": "CNY"},
	}
}

// sealed is a notification body: resource encrypted with key, envelope
// indented so that any re-serialisation would change the signed bytes.
func sealed(t *testing.T, key, event, originalType, algorithm string, resource any) []byte {
	t.Helper()
	plain, err := json.Marshal(resource)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	gcm, _ := cipher.NewGCM(block)
	nonce := "fdasflkja484" // tests look for it to catch a body leaking into errors or logs
	env := map[string]any{"id": "EV-2018022511223320873", "create_time": "2025-03-01T18:00:06+08:00",
		"resource_type": "encrypt-resource", "event_type": event, "summary": "支付成功",
		"resource": map[string]any{"original_type": originalType, "algorithm": algorithm, "associated_data": "transaction",
			"nonce": nonce, "ciphertext": base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plain, []byte("transaction")))}}
	body, err := json.MarshalIndent(env, "", "   ")
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// signed signs body as WeChat does: "timestamp\nnonce\nbody\n".
func signed(t *testing.T, body []byte, ts time.Time, serial string, key *rsa.PrivateKey) http.Header {
	t.Helper()
	nonce, _ := utils.GenerateNonce()
	tsStr := strconv.FormatInt(ts.Unix(), 10)
	sig, err := utils.SignSHA256WithRSA(tsStr+"\n"+nonce+"\n"+string(body)+"\n", key)
	if err != nil {
		t.Fatal(err)
	}
	return http.Header{"Wechatpay-Timestamp": {tsStr}, "Wechatpay-Nonce": {nonce}, "Wechatpay-Signature": {sig},
		"Wechatpay-Serial": {serial}, "Wechatpay-Signature-Type": {"WECHATPAY2-SHA256-RSA2048"}}
}

func TestParseNotificationAccepts(t *testing.T) {
	k := testKeys()
	now := time.Now()
	certSerial := CertificateSerial(k.cert)
	cases := []struct {
		name              string
		withPub, withCert bool
		serial            string
		key               *rsa.PrivateKey
		skew              time.Duration
	}{
		{"public key", true, false, k.pubID, k.pub, 0},
		{"platform certificate", false, true, certSerial, k.plat, 0},
		{"migration, public key", true, true, k.pubID, k.pub, 0},
		{"migration, platform certificate", true, true, certSerial, k.plat, 0},
		{"serial in lower case", false, true, strings.ToLower(certSerial), k.plat, 0},
		{"timestamp 4 minutes ahead", true, false, k.pubID, k.pub, 4 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ownPay(t, now, c.withPub, c.withCert, nil)
			body := sealed(t, k.apiV3, "TRANSACTION.SUCCESS", "transaction", "AEAD_AES_256_GCM", sampleTxn())
			n, err := p.ParseNotification(t.Context(), signed(t, body, now.Add(c.skew), c.serial, c.key), body)
			want := domain.Transaction{AppID: testAppID, MchID: "1900000109", OutTradeNo: "ORDER_20250301_0001",
				TransactionID: "4200000000202503010000000001", State: domain.TradeSuccess, TotalFen: 1999, Currency: "CNY",
				PayerOpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", SuccessTime: time.Date(2025, 3, 1, 10, 0, 5, 0, time.UTC)}
			if err != nil || n.ID != "EV-2018022511223320873" || n.EventType != "TRANSACTION.SUCCESS" || !sameTxn(n.Transaction, want) {
				t.Errorf("got  %+v, %v\nwant %+v", n, err, want)
			}
		})
	}
}

// The replay window is checked against the injected clock, then by the SDK
// against the system clock: a notification must pass both, and the refusal
// says which failed.
func TestParseNotificationChecksBothClocks(t *testing.T) {
	k := testKeys()
	body := sealed(t, k.apiV3, "TRANSACTION.SUCCESS", "transaction", "AEAD_AES_256_GCM", sampleTxn())
	for clock, mentions := range map[time.Duration]string{10 * time.Minute: "our clock", -10 * time.Minute: "system clock"} {
		now := time.Now().Add(clock)
		ts := time.Now() // fresh by the system clock, stale by ours
		if clock < 0 {
			ts = now // fresh by ours, stale by the system clock
		}
		_, err := ownPay(t, now, true, false, nil).ParseNotification(t.Context(), signed(t, body, ts, k.pubID, k.pub), body)
		var ne *NotificationError
		if !errors.As(err, &ne) || ne.Reason != ReasonStaleTimestamp || !strings.Contains(err.Error(), mentions) {
			t.Errorf("clock %s: error %v, want stale_timestamp against %s", clock, err, mentions)
		}
	}
}

// Fields changed before encryption come through as WeChat sent them: the
// adapter verifies authenticity, the use case judges the content.
func TestParseNotificationPassesContentThrough(t *testing.T) {
	k := testKeys()
	now := time.Now()
	p := ownPay(t, now, true, false, nil)
	txn := sampleTxn()
	txn["amount"].(map[string]any)["total"] = 1
	txn["mchid"] = "1900000999"
	txn["trade_state"] = "NOTPAY"
	delete(txn, "success_time")
	body := sealed(t, k.apiV3, "TRANSACTION.SUCCESS", "transaction", "AEAD_AES_256_GCM", txn)
	n, err := p.ParseNotification(t.Context(), signed(t, body, now, k.pubID, k.pub), body)
	if err != nil {
		t.Fatal(err)
	}
	if tx := n.Transaction; tx.TotalFen != 1 || tx.MchID != "1900000999" || tx.State != domain.TradeNotPay || !tx.SuccessTime.IsZero() {
		t.Errorf("transaction = %+v", tx)
	}

	// Other events are returned for the caller to decide; a refund is not a transaction.
	refund := map[string]any{"mchid": "1900000109", "out_trade_no": "ORDER_20250301_0001", "refund_status": "SUCCESS"}
	body = sealed(t, k.apiV3, "REFUND.SUCCESS", "refund", "AEAD_AES_256_GCM", refund)
	n, err = p.ParseNotification(t.Context(), signed(t, body, now, k.pubID, k.pub), body)
	if err != nil || n.EventType != "REFUND.SUCCESS" || n.Transaction != (domain.Transaction{}) {
		t.Errorf("refund notification = %+v, %v", n, err)
	}
}

func TestParseNotificationRefuses(t *testing.T) {
	k := testKeys()
	now := time.Now()
	certSerial := CertificateSerial(k.cert)
	good := sealed(t, k.apiV3, "TRANSACTION.SUCCESS", "transaction", "AEAD_AES_256_GCM", sampleTxn())
	sign := func(body []byte) http.Header { return signed(t, body, now, k.pubID, k.pub) }
	with := func(h http.Header, key, value string) http.Header {
		h = h.Clone()
		if value == "" {
			h.Del(key)
		} else {
			h.Set(key, value)
		}
		return h
	}
	wrongKey := sealed(t, "zZ3dEf6hIj9kLm2nOp5qRs8tUv1wXy4A", "TRANSACTION.SUCCESS", "transaction", "AEAD_AES_256_GCM", sampleTxn())
	badTotal := sampleTxn()
	badTotal["amount"].(map[string]any)["total"] = "1999"
	badTotalBody := sealed(t, k.apiV3, "TRANSACTION.SUCCESS", "transaction", "AEAD_AES_256_GCM", badTotal)
	sm4 := sealed(t, k.apiV3, "TRANSACTION.SUCCESS", "transaction", "AEAD_SM4_GCM", sampleTxn())
	refundTyped := sealed(t, k.apiV3, "TRANSACTION.SUCCESS", "refund", "AEAD_AES_256_GCM", sampleTxn())
	notJSON := []byte(`{"id":"EV-1", "resource": {`)
	resealed := bytes.ReplaceAll(good, []byte("\n   "), nil) // the same JSON, re-serialised
	tampered := bytes.Replace(good, []byte("TRANSACTION.SUCCESS"), []byte("TRANSACTION.SUCCESZ"), 1)

	type refusal struct {
		name   string
		h      http.Header
		body   []byte
		reason NotificationReason
	}
	cases := []refusal{
		{"stale by 6 minutes", signed(t, good, now.Add(-6*time.Minute), k.pubID, k.pub), good, ReasonStaleTimestamp},
		{"6 minutes in the future", signed(t, good, now.Add(6*time.Minute), k.pubID, k.pub), good, ReasonStaleTimestamp},
		{"timestamp at the end of time", with(sign(good), "Wechatpay-Timestamp", "9223372036854775807"), good, ReasonStaleTimestamp},
		{"timestamp at the start of time", with(sign(good), "Wechatpay-Timestamp", "-9223372036854775808"), good, ReasonStaleTimestamp},
		{"signtest probe", with(sign(good), "Wechatpay-Signature", "WECHATPAY/SIGNTEST/"+base64.StdEncoding.EncodeToString([]byte("probe"))), good, ReasonSignTestProbe},
		{"unknown serial", signed(t, good, now, "PUB_KEY_ID_0000000000000000000000000000", k.pub), good, ReasonUnknownSerial},
		{"certificate not configured", signed(t, good, now, certSerial, k.plat), good, ReasonUnknownSerial},
		{"signed by another key", signed(t, good, now, k.pubID, k.other), good, ReasonBadSignature},
		{"body re-serialised", sign(good), resealed, ReasonBadSignature},
		{"body tampered", sign(good), tampered, ReasonBadSignature},
		{"signature not base64", with(sign(good), "Wechatpay-Signature", "%%%"), good, ReasonBadSignature},
		{"wrong APIv3 key", sign(wrongKey), wrongKey, ReasonDecryptFailed},
		{"body not JSON", sign(notJSON), notJSON, ReasonMalformed},
		{"empty body", sign(nil), nil, ReasonMalformed},
		{"amount as a string", sign(badTotalBody), badTotalBody, ReasonMalformed},
		{"timestamp not a number", with(sign(good), "Wechatpay-Timestamp", "soon"), good, ReasonMalformed},
		{"signature type", with(sign(good), "Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3"), good, ReasonUnsupported},
		{"algorithm", sign(sm4), sm4, ReasonUnsupported},
		{"transaction event without a transaction", sign(refundTyped), refundTyped, ReasonUnsupported},
	}
	for _, name := range []string{"Timestamp", "Nonce", "Signature", "Serial", "Signature-Type"} {
		cases = append(cases, refusal{"missing Wechatpay-" + name, with(sign(good), "Wechatpay-"+name, ""), good, ReasonMalformed})
	}
	var logs bytes.Buffer
	p := ownPay(t, now, true, false, &logs)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := p.ParseNotification(t.Context(), c.h, c.body)
			var ne *NotificationError
			if !errors.As(err, &ne) {
				t.Fatalf("got %+v, %v; want a *NotificationError", n, err)
			}
			if id, reason := ne.LedgerEntry(); ne.Reason != c.reason || reason != string(c.reason) || id != ne.ID {
				t.Errorf("reason %q (ledger %q), want %q (%v)", ne.Reason, reason, c.reason, err)
			}
			if ne.ID == "" && json.Valid(c.body) {
				t.Errorf("no envelope id in %v", err)
			}
			msg := err.Error()
			// The resource nonce stands for any piece of the body.
			for _, secret := range []string{k.apiV3, string(c.body), "fdasflkja484", c.h.Get("Wechatpay-Signature")} {
				if secret != "" && strings.Contains(msg, secret) {
					t.Errorf("error %q leaks %.40q", msg, secret)
				}
			}
		})
	}
	if strings.Contains(logs.String(), k.apiV3) || strings.Contains(logs.String(), "fdasflkja484") {
		t.Errorf("logs leak the APIv3 key or the body:\n%s", logs.String())
	}
}
