package wechat

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/domain"
)

// Fuzz targets for the notify doors: what WeChat Pay POSTs to notify_url
// and to the refund notify URL, from the headers down to the decrypted
// resource. Their seeds are real messages in the formats of §3, §6 and §9
// (fuzzseeds_test.go writes them to testdata/fuzz). Keys are made per test
// binary and a signature is good for five minutes only, so a seed names
// the clock and the signature instead of carrying them:
//
//   - Wechatpay-Timestamp "{now}" or "{now-400}": our clock now (± seconds);
//   - Wechatpay-Signature "{sign}": signed as WeChat signs, by the key of
//     the Wechatpay-Serial given (our public key id or the test platform
//     certificate's serial, in any case), or by a stranger's key for any
//     other serial.
//
// Anything else is sent as it is.

const (
	fuzzNow  = "{now}"
	fuzzSign = "{sign}"
)

var fuzzNowOffset = regexp.MustCompile(`^\{now([+-][0-9]{1,6})\}$`)

// fuzzPay trusts both the public key and the platform certificate of
// testKeys and keeps real time: the SDK checks the system clock too.
func fuzzPay(tb testing.TB, baseURL string) *Pay {
	tb.Helper()
	k := testKeys()
	p, err := NewPay(PayConfig{BaseURL: baseURL, AppID: testAppID, MchID: testMchID,
		MchCertSerial: "3775B6A45ACD588826D15E583A95F5DD3B1E7F2A", MchPrivateKey: k.mch, APIv3Key: k.apiV3,
		PublicKeyID: k.pubID, PublicKey: &k.pub.PublicKey, PlatformCerts: []*x509.Certificate{k.cert},
		NotifyURL: "http://127.0.0.1:2/pay/notify", RefundNotifyURL: "http://127.0.0.1:2/pay/refund-notify",
		Timeout: 5 * time.Second}, nil, nil)
	if err != nil {
		tb.Fatalf("NewPay: %v", err)
	}
	return p
}

// trustedKey is the key a serial names, matched as the adapter matches
// serials (trimmed, any case).
func trustedKey(serial string) (*rsa.PrivateKey, bool) {
	k := testKeys()
	switch strings.ToUpper(strings.TrimSpace(serial)) {
	case strings.ToUpper(k.pubID):
		return k.pub, true
	case strings.ToUpper(CertificateSerial(k.cert)):
		return k.plat, true
	}
	return nil, false
}

// wireHeader builds the notification's headers from a corpus entry.
func wireHeader(t *testing.T, timestamp, nonce, signature, serial, signatureType string, body []byte) http.Header {
	t.Helper()
	if timestamp == fuzzNow {
		timestamp = strconv.FormatInt(time.Now().Unix(), 10)
	} else if m := fuzzNowOffset.FindStringSubmatch(timestamp); m != nil {
		off, _ := strconv.ParseInt(m[1], 10, 64)
		timestamp = strconv.FormatInt(time.Now().Unix()+off, 10)
	}
	if signature == fuzzSign {
		key, ok := trustedKey(serial)
		if !ok {
			key = testKeys().other
		}
		var err error
		if signature, err = utils.SignSHA256WithRSA(timestamp+"\n"+nonce+"\n"+string(body)+"\n", key); err != nil {
			t.Fatal(err)
		}
	}
	h := http.Header{}
	for k, v := range map[string]string{"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce, "Wechatpay-Signature": signature,
		"Wechatpay-Serial": serial, "Wechatpay-Signature-Type": signatureType} {
		if v != "" {
			h.Set(k, v)
		}
	}
	return h
}

// FuzzParseNotification feeds whole messages to both notify doors. Neither
// may panic; every refusal is a *NotificationError with a known reason and
// a message safe to log; and a message is accepted only if our own check,
// independent of the SDK, finds it signed by a key we trust, within the
// replay window.
func FuzzParseNotification(f *testing.F) {
	p := fuzzPay(f, "http://127.0.0.1:1")
	f.Fuzz(func(t *testing.T, timestamp, nonce, signature, serial, signatureType string, body []byte) {
		h := wireHeader(t, timestamp, nonce, signature, serial, signatureType, body)
		pn, perr := p.ParseNotification(t.Context(), h, body)
		rn, rerr := p.ParseRefundNotification(t.Context(), h, body)
		checkNotifyRefusal(t, "payment door", perr)
		checkNotifyRefusal(t, "refund door", rerr)
		if perr == nil || rerr == nil {
			if why := unverified(h, body); why != "" {
				t.Fatalf("accepted a message that is not verified: %s (payment door: %v, refund door: %v)", why, perr, rerr)
			}
		}
		if perr == nil {
			checkTransaction(t, pn)
		}
		if rerr == nil {
			checkRefundReport(t, rn.Refund)
		}
	})
}

// checkNotifyRefusal: err is nil or a *NotificationError whose reason is one of
// ours and whose text is bounded, one line, and free of the APIv3 key.
func checkNotifyRefusal(t *testing.T, door string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ne *NotificationError
	if !errors.As(err, &ne) {
		t.Fatalf("%s: refusal %T %v is not a *NotificationError", door, err, err)
	}
	switch ne.Reason {
	case ReasonMalformed, ReasonStaleTimestamp, ReasonSignTestProbe, ReasonUnknownSerial, ReasonBadSignature, ReasonDecryptFailed, ReasonUnsupported:
	default:
		t.Fatalf("%s: unknown reason %q", door, ne.Reason)
	}
	checkForeignText(t, door+" refusal", err.Error(), testKeys().apiV3)
	checkForeignText(t, door+" refusal id", ne.ID, testKeys().apiV3)
}

// checkForeignText: text that may quote what came from outside (an error, a
// ledger entry) is bounded, holds no control characters (it cannot forge a
// log line) and never holds a secret.
func checkForeignText(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	if len(s) > 1024 {
		t.Fatalf("%s is %d bytes long: %.200q...", what, len(s), s)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		t.Fatalf("%s holds a control character at %d: %q", what, i, s)
	}
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			t.Fatalf("%s leaks a secret: %q", what, s)
		}
	}
}

// unverified says why a message should not have been accepted, or "". It
// checks what §3 asks with the standard library alone: the signature type,
// the replay window, no SIGNTEST probe, a serial we trust, and an RSA
// signature over "timestamp\nnonce\nbody\n" (the timestamp as the SDK
// reads it, a number: it signs the number, not its spelling).
func unverified(h http.Header, body []byte) string {
	get := func(k string) string { return strings.TrimSpace(h.Get(k)) }
	if get("Wechatpay-Signature-Type") != notifySignatureType {
		return "signature type " + get("Wechatpay-Signature-Type")
	}
	ts, err := strconv.ParseInt(get("Wechatpay-Timestamp"), 10, 64)
	if err != nil || outsideWindow(ts, time.Now()) {
		return "timestamp " + get("Wechatpay-Timestamp")
	}
	sig := get("Wechatpay-Signature")
	if strings.HasPrefix(sig, signTestPrefix) {
		return "SIGNTEST probe"
	}
	key, ok := trustedKey(get("Wechatpay-Serial"))
	if !ok {
		return "serial " + get("Wechatpay-Serial")
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return "signature not base64"
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\n%s\n%s\n", ts, get("Wechatpay-Nonce"), body))
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], raw); err != nil {
		return "signature does not verify"
	}
	return ""
}

// checkTransaction: an accepted TRANSACTION.* event carries a transaction
// with its out_trade_no and trade_state (toTransaction's promise).
func checkTransaction(t *testing.T, n domain.PaymentNotification) {
	t.Helper()
	if strings.HasPrefix(n.EventType, "TRANSACTION.") && (n.Transaction.OutTradeNo == "" || n.Transaction.State == "") {
		t.Fatalf("accepted %s without out_trade_no or trade_state: %+v", n.EventType, n.Transaction)
	}
	if n.ID == "" || n.EventType == "" {
		t.Fatalf("accepted a notification without id or event_type: %+v", n)
	}
}

// checkRefundReport: what toRefundReport promises of every report it lets
// through, from a notification or an answer.
func checkRefundReport(t *testing.T, r domain.RefundReport) {
	t.Helper()
	switch r.Status {
	case domain.RefundProcessing, domain.RefundSuccess, domain.RefundClosed, domain.RefundAbnormal:
	default:
		t.Fatalf("accepted refund status %q", r.Status)
	}
	if r.OutRefundNo == "" {
		t.Fatalf("accepted a refund without out_refund_no: %+v", r)
	}
	if r.Status != domain.RefundSuccess && !r.SuccessTime.IsZero() {
		t.Fatalf("a %s refund has a success time: %+v", r.Status, r)
	}
}

// sealPlain is a notification body whose resource is plain, encrypted
// with key as §6 says (AES-256-GCM, associated data "transaction" or
// "refund" as WeChat sends them); the nonce is fixed so that seeds are
// reproducible.
func sealPlain(tb testing.TB, key, event, originalType string, plain []byte) []byte {
	tb.Helper()
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		tb.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		tb.Fatal(err)
	}
	const nonce = "fdasflkja484"
	ad := originalType
	summary := map[string]string{"transaction": "支付成功", "refund": "退款成功"}[originalType]
	body, err := json.Marshal(map[string]any{"id": "EV-2018022511223320873", "create_time": "2025-03-01T18:00:06+08:00",
		"resource_type": "encrypt-resource", "event_type": event, "summary": summary,
		"resource": map[string]any{"original_type": originalType, "algorithm": resourceAlgorithm, "associated_data": ad,
			"nonce": nonce, "ciphertext": base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plain, []byte(ad)))}})
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// signNow signs body now with the public key, as WeChat does.
func signNow(t *testing.T, body []byte) http.Header {
	t.Helper()
	k := testKeys()
	return wireHeader(t, fuzzNow, "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", fuzzSign, k.pubID, notifySignatureType, body)
}

// FuzzNotificationTransaction reaches the transaction parser: the fuzzed
// resource is encrypted with our APIv3 key and the message signed, so
// every refusal must be about the resource (malformed), or about a
// TRANSACTION.* event whose resource is not a transaction (unsupported);
// and what is accepted is what WeChat signed, field for field.
func FuzzNotificationTransaction(f *testing.F) {
	p := fuzzPay(f, "http://127.0.0.1:1")
	f.Fuzz(func(t *testing.T, eventType string, resource []byte) {
		if eventType == "" {
			eventType = "TRANSACTION.SUCCESS"
		}
		body := sealPlain(t, testKeys().apiV3, eventType, "transaction", resource)
		n, err := p.ParseNotification(t.Context(), signNow(t, body), body)
		checkNotifyRefusal(t, "payment door", err)
		if err != nil {
			if r := err.(*NotificationError).Reason; r != ReasonMalformed {
				t.Fatalf("a signed, decryptable message refused as %s: %v", r, err)
			}
			return
		}
		checkTransaction(t, n)
		var sent txnSent
		if err := json.Unmarshal(resource, &sent); err != nil {
			t.Fatalf("accepted a resource that does not decode: %v", err)
		}
		sent.check(t, n.Transaction, resource)
	})
}

// FuzzNotificationRefund is FuzzNotificationTransaction for the refund
// door: a refund resource, signed and encrypted, is refused only as
// malformed, and an accepted report holds what WeChat signed and what
// toRefundReport promises (a status of §9, out_refund_no, a success time
// only when SUCCESS).
func FuzzNotificationRefund(f *testing.F) {
	p := fuzzPay(f, "http://127.0.0.1:1")
	f.Fuzz(func(t *testing.T, eventType string, resource []byte) {
		if eventType == "" {
			eventType = domain.EventRefundSuccess
		}
		body := sealPlain(t, testKeys().apiV3, eventType, "refund", resource)
		n, err := p.ParseRefundNotification(t.Context(), signNow(t, body), body)
		checkNotifyRefusal(t, "refund door", err)
		if err != nil {
			if r := err.(*NotificationError).Reason; r != ReasonMalformed {
				t.Fatalf("a signed, decryptable refund refused as %s: %v", r, err)
			}
			return
		}
		checkRefundReport(t, n.Refund)
		var sent refundSent
		if err := json.Unmarshal(resource, &sent); err != nil {
			t.Fatalf("accepted a resource that does not decode: %v", err)
		}
		sent.check(t, n.Refund, deref(sent.RefundStatus), resource)
		if n.Refund.MchID != deref(sent.MchID) {
			t.Fatalf("mchid %q became %q", deref(sent.MchID), n.Refund.MchID)
		}
	})
}

// txnSent is a transaction as WeChat sent it (§6), in a notification's
// resource or a query's answer.
type txnSent struct {
	AppID         *string `json:"appid"`
	MchID         *string `json:"mchid"`
	OutTradeNo    *string `json:"out_trade_no"`
	TransactionID *string `json:"transaction_id"`
	TradeState    *string `json:"trade_state"`
	SuccessTime   *string `json:"success_time"`
	Payer         *struct {
		OpenID *string `json:"openid"`
	} `json:"payer"`
	Amount *struct {
		Total    *int64  `json:"total"`
		Currency *string `json:"currency"`
	} `json:"amount"`
}

// check compares an accepted transaction with what WeChat sent: the
// adapter passes content through, the domain judges it.
func (w txnSent) check(t *testing.T, got domain.Transaction, raw []byte) {
	t.Helper()
	var total int64
	var currency, openID string
	if a := w.Amount; a != nil {
		total, currency = derefInt(a.Total), deref(a.Currency)
	}
	if w.Payer != nil {
		openID = deref(w.Payer.OpenID)
	}
	if got.AppID != deref(w.AppID) || got.MchID != deref(w.MchID) || got.OutTradeNo != deref(w.OutTradeNo) ||
		got.TransactionID != deref(w.TransactionID) || string(got.State) != deref(w.TradeState) ||
		got.TotalFen != total || got.Currency != currency || got.PayerOpenID != openID {
		t.Fatalf("accepted transaction %+v is not what WeChat sent: %s", got, raw)
	}
	checkSuccessTime(t, deref(w.SuccessTime), got.SuccessTime)
}

// refundSent is a refund as WeChat sent it: a notification's resource
// (refund_status, §9) or an answer of create or query (status).
type refundSent struct {
	MchID         *string `json:"mchid"`
	OutTradeNo    *string `json:"out_trade_no"`
	TransactionID *string `json:"transaction_id"`
	OutRefundNo   *string `json:"out_refund_no"`
	RefundID      *string `json:"refund_id"`
	RefundStatus  *string `json:"refund_status"`
	Status        *string `json:"status"`
	SuccessTime   *string `json:"success_time"`
	Account       *string `json:"user_received_account"`
	Amount        *struct {
		Total    *int64  `json:"total"`
		Refund   *int64  `json:"refund"`
		Currency *string `json:"currency"`
	} `json:"amount"`
}

// check compares an accepted report with what WeChat sent.
func (w refundSent) check(t *testing.T, got domain.RefundReport, status string, raw []byte) {
	t.Helper()
	var total, refund int64
	var currency string
	if a := w.Amount; a != nil {
		total, refund, currency = derefInt(a.Total), derefInt(a.Refund), deref(a.Currency)
	}
	if got.OutTradeNo != deref(w.OutTradeNo) || got.TransactionID != deref(w.TransactionID) || got.OutRefundNo != deref(w.OutRefundNo) ||
		got.RefundID != deref(w.RefundID) || string(got.Status) != status || got.UserReceivedAccount != deref(w.Account) ||
		got.TotalFen != total || got.RefundFen != refund || got.Currency != currency {
		t.Fatalf("accepted refund %+v is not what WeChat sent: %s", got, raw)
	}
	if got.Status == domain.RefundSuccess {
		checkSuccessTime(t, deref(w.SuccessTime), got.SuccessTime)
	}
}

// checkSuccessTime: the time is the RFC 3339 text WeChat sent, or zero
// when it sent none.
func checkSuccessTime(t *testing.T, sent string, got time.Time) {
	t.Helper()
	want, err := time.Parse(time.RFC3339, sent)
	if sent == "" {
		want, err = time.Time{}, nil
	}
	if err != nil || !want.Equal(got) {
		t.Fatalf("success_time %q became %v", sent, got)
	}
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
