package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/domain"
)

// NotificationReason says, in a stable machine word, why a notification was
// refused: the caller records every refusal in a ledger.
type NotificationReason string

// Reasons for refusing a notification.
const (
	ReasonMalformed      NotificationReason = "malformed"       // not JSON, missing fields, bad headers
	ReasonStaleTimestamp NotificationReason = "stale_timestamp" // more than 5 minutes from our clock: a replay?
	ReasonSignTestProbe  NotificationReason = "signtest_probe"  // WeChat checking that we verify signatures
	ReasonUnknownSerial  NotificationReason = "unknown_serial"  // signed with a key we were not given
	ReasonBadSignature   NotificationReason = "bad_signature"
	ReasonDecryptFailed  NotificationReason = "decrypt_failed" // wrong APIv3 key, or tampered ciphertext
	ReasonUnsupported    NotificationReason = "unsupported"    // signature type, algorithm or resource type we do not handle
)

// NotificationError is every refusal of ParseNotification and
// ParseRefundNotification. Its message is ours alone: never the body, a
// key, or the SDK's own error text (which embeds the whole request).
type NotificationError struct {
	Reason NotificationReason
	ID     string // the envelope's id when it could be read; unverified unless Reason says the signature was good
	err    error
}

func (e *NotificationError) Error() string {
	id := ""
	if e.ID != "" {
		id = " " + e.ID
	}
	return fmt.Sprintf("wechat pay notification%s refused (%s): %v", id, e.Reason, e.err)
}

func (e *NotificationError) Unwrap() error { return e.err }

// LedgerEntry is what the notify route records for a refusal (the api
// package asks for this method rather than importing this package).
func (e *NotificationError) LedgerEntry() (eventID, reason string) { return e.ID, string(e.Reason) }

const (
	notifySignatureType = "WECHATPAY2-SHA256-RSA2048"
	signTestPrefix      = "WECHATPAY/SIGNTEST/"
	resourceAlgorithm   = "AEAD_AES_256_GCM"
	gcmNonceSize        = 12 // the SDK passes the nonce to GCM unchecked, which panics on any other size
)

// envelope is the notification before verification, read only to refuse
// early and precisely; what the Parse methods return comes from the SDK's
// parse of the verified bytes.
type envelope struct {
	ID           string `json:"id"`
	CreateTime   string `json:"create_time"`
	EventType    string `json:"event_type"`
	ResourceType string `json:"resource_type"`
	Resource     *struct {
		OriginalType string `json:"original_type"`
		Algorithm    string `json:"algorithm"`
		Ciphertext   string `json:"ciphertext"`
		Nonce        string `json:"nonce"`
	} `json:"resource"`
}

// ParseNotification verifies what WeChat Pay POSTed to notify_url, over the
// raw body exactly as received, and decrypts its resource. It is not a
// domain port: the HTTP layer calls it, then the ConfirmPayment use case,
// which must still check appid, mchid, out_trade_no and amount.
//
// Events other than TRANSACTION.* are returned too (the caller decides);
// their Transaction is zero unless their resource is a transaction. Errors
// are *NotificationError.
func (p *Pay) ParseNotification(ctx context.Context, h http.Header, body []byte) (domain.PaymentNotification, error) {
	ret, plain, err := p.openNotification(ctx, h, body)
	if err != nil {
		return domain.PaymentNotification{}, err
	}
	id := p.clean(ret.ID)
	n := domain.PaymentNotification{ID: ret.ID, EventType: ret.EventType}
	switch {
	case ret.Resource.OriginalType == "transaction":
		var w payments.Transaction
		if err := json.Unmarshal(plain, &w); err != nil {
			return domain.PaymentNotification{}, p.refuse(ctx, id, ReasonMalformed, "decrypted transaction does not decode (amount.total must be integer fen)")
		}
		if n.Transaction, err = toTransaction(w); err != nil {
			return domain.PaymentNotification{}, p.refuse(ctx, id, ReasonMalformed, "decrypted transaction: %v", err)
		}
	case strings.HasPrefix(ret.EventType, "TRANSACTION."):
		return domain.PaymentNotification{}, p.refuse(ctx, id, ReasonUnsupported,
			"%s event carries a %q resource, not a transaction", clip(ret.EventType), clip(ret.Resource.OriginalType))
	}
	return n, nil
}

// ParseRefundNotification is ParseNotification for the refund notify URL
// (PayConfig.RefundNotifyURL): the same verification over the raw body, and
// a resource that must be a refund. Its event types are REFUND.SUCCESS,
// REFUND.ABNORMAL and REFUND.CLOSED; any other comes back as it is, for the
// caller to decide. The report's content is WeChat's, signed: the caller
// still checks that it is about a refund of ours, for the amount asked.
// Errors are *NotificationError.
func (p *Pay) ParseRefundNotification(ctx context.Context, h http.Header, body []byte) (domain.RefundNotification, error) {
	ret, plain, err := p.openNotification(ctx, h, body)
	if err != nil {
		return domain.RefundNotification{}, err
	}
	id := p.clean(ret.ID)
	if ret.Resource.OriginalType != "refund" {
		// A payment notification sent to the refund URL, say.
		return domain.RefundNotification{}, p.refuse(ctx, id, ReasonUnsupported,
			"%s notification carries a %q resource, not a refund", clip(ret.EventType), clip(ret.Resource.OriginalType))
	}
	var w refundNotice
	if err := json.Unmarshal(plain, &w); err != nil {
		return domain.RefundNotification{}, p.refuse(ctx, id, ReasonMalformed, "decrypted refund does not decode (amounts must be integer fen)")
	}
	r, err := w.report()
	if err != nil {
		return domain.RefundNotification{}, p.refuse(ctx, id, ReasonMalformed, "decrypted refund: %v", err)
	}
	return domain.RefundNotification{ID: ret.ID, EventType: ret.EventType, Refund: r}, nil
}

// refuse logs a refusal and returns it as a *NotificationError; id is the
// envelope's, cleaned.
func (p *Pay) refuse(ctx context.Context, id string, reason NotificationReason, format string, args ...any) error {
	err := &NotificationError{Reason: reason, ID: id, err: fmt.Errorf(format, args...)}
	level := slog.LevelWarn
	switch reason {
	case ReasonSignTestProbe:
		level = slog.LevelInfo
	case ReasonDecryptFailed:
		level = slog.LevelError // every notification fails alike until the APIv3 key is fixed
	}
	p.log.Log(ctx, level, "WeChat Pay notification refused", "reason", string(reason), "id", id, "error", err.err.Error())
	return err
}

// openNotification is what both Parse methods share: it checks the
// headers and the replay window, refuses SIGNTEST probes, has the SDK
// verify the signature over the raw body with the key Wechatpay-Serial
// names and decrypt the resource, and returns the verified envelope with
// the resource's plaintext. Errors are *NotificationError.
func (p *Pay) openNotification(ctx context.Context, h http.Header, body []byte) (*notify.Request, json.RawMessage, error) {
	var env envelope
	jsonErr := json.Unmarshal(body, &env)
	id := p.clean(env.ID)
	refuse := func(reason NotificationReason, format string, args ...any) (*notify.Request, json.RawMessage, error) {
		return nil, nil, p.refuse(ctx, id, reason, format, args...)
	}

	get := func(k string) string { return strings.TrimSpace(h.Get(k)) }
	ts, nonce, sig, serial, sigType := get("Wechatpay-Timestamp"), get("Wechatpay-Nonce"),
		get("Wechatpay-Signature"), get("Wechatpay-Serial"), get("Wechatpay-Signature-Type")
	var missing []string
	for _, hv := range [...]struct{ name, value string }{ // in name order, as the message lists them
		{"Wechatpay-Nonce", nonce}, {"Wechatpay-Serial", serial}, {"Wechatpay-Signature", sig},
		{"Wechatpay-Signature-Type", sigType}, {"Wechatpay-Timestamp", ts},
	} {
		if hv.value == "" {
			missing = append(missing, hv.name)
		}
	}
	if len(missing) > 0 {
		return refuse(ReasonMalformed, "missing headers %s", strings.Join(missing, ", "))
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return refuse(ReasonMalformed, "Wechatpay-Timestamp %q is not a number of seconds", clip(ts))
	}
	if jsonErr != nil {
		return refuse(ReasonMalformed, "body (%d bytes) is not a JSON object", len(body))
	}
	if msg := env.check(); msg != "" {
		return refuse(ReasonMalformed, "%s", msg)
	}
	if strings.HasPrefix(sig, signTestPrefix) {
		return refuse(ReasonSignTestProbe, "signature is a WECHATPAY/SIGNTEST/ probe")
	}
	// The SDK checks the window too, against the system clock; this check
	// uses the injected clock and comes first, so its answer is ours.
	if now := p.now(); outsideWindow(sec, now) {
		return refuse(ReasonStaleTimestamp, "timestamp %d is not within %s of our clock (%d)", sec, replayWindow, now.Unix())
	}
	if sigType != notifySignatureType {
		return refuse(ReasonUnsupported, "Wechatpay-Signature-Type %q", clip(sigType))
	}
	if _, ok := p.verifier.canonical(serial); !ok {
		return refuse(ReasonUnknownSerial, "Wechatpay-Serial %q is neither our public key id nor a platform certificate we have", clip(serial))
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return refuse(ReasonMalformed, "cannot hand the notification to the SDK")
	}
	req.Header = h // the SDK only reads them
	rec := &recordingVerifier{inner: p.verifier}
	handler, err := notify.NewRSANotifyHandler(p.apiV3Key, rec)
	if err != nil {
		return refuse(ReasonDecryptFailed, "the APIv3 key is not an AES-256 key")
	}
	var plain json.RawMessage
	ret, err := handler.ParseNotifyRequest(ctx, req, &plain)
	// The SDK's error text embeds the request: it is classified, never shown.
	switch {
	case err == nil:
	case rec.called && errors.Is(rec.err, errUnknownSerial):
		return refuse(ReasonUnknownSerial, "Wechatpay-Serial %q is not ours", clip(serial))
	case rec.called && rec.err != nil:
		return refuse(ReasonBadSignature, "signature does not verify with the key of serial %q", clip(serial))
	case !rec.called && outsideWindow(sec, time.Now()):
		return refuse(ReasonStaleTimestamp, "timestamp is more than %s from the system clock, which the SDK checks against", replayWindow)
	case !rec.called:
		return refuse(ReasonMalformed, "refused by the SDK before signature verification")
	case ret == nil && env.Resource.Algorithm != resourceAlgorithm:
		return refuse(ReasonUnsupported, "resource algorithm %q", clip(env.Resource.Algorithm))
	case ret == nil:
		return refuse(ReasonMalformed, "verified body does not parse as a notification")
	case ret.Resource == nil || ret.Resource.Plaintext == "" && !p.opens(ret.Resource):
		return refuse(ReasonDecryptFailed, "resource does not decrypt with our APIv3 key (wrong key, or a tampered resource)")
	default:
		return refuse(ReasonMalformed, "decrypted resource is not JSON")
	}

	// From here on the content is signed by WeChat.
	id = p.clean(ret.ID)
	if ret.ResourceType != "encrypt-resource" {
		return refuse(ReasonUnsupported, "resource_type %q", clip(ret.ResourceType))
	}
	return ret, plain, nil
}

// opens says whether the resource decrypts with our APIv3 key. The SDK
// leaves Plaintext empty both when it does not and when it decrypts to
// nothing, which is a malformed resource, not a wrong key. The nonce is
// checked first: the SDK's decrypt panics on any but GCM's 12 bytes.
func (p *Pay) opens(r *notify.EncryptedResource) bool {
	if len(r.Nonce) != gcmNonceSize {
		return false
	}
	_, err := utils.DecryptAES256GCM(p.apiV3Key, r.AssociatedData, r.Nonce, r.Ciphertext)
	return err == nil
}

// check names the first thing missing from an envelope, or returns "".
func (e envelope) check() string {
	switch {
	case e.ID == "" || e.EventType == "" || e.ResourceType == "" || e.CreateTime == "":
		return "envelope lacks id, event_type, resource_type or create_time"
	case e.Resource == nil || e.Resource.Ciphertext == "" || e.Resource.Nonce == "" || e.Resource.Algorithm == "":
		return "resource lacks algorithm, ciphertext or nonce"
	case len(e.Resource.Nonce) != gcmNonceSize:
		return fmt.Sprintf("resource nonce is %d bytes, AES-GCM takes %d", len(e.Resource.Nonce), gcmNonceSize)
	}
	// The SDK decodes create_time as RFC3339 after verifying; refusing it
	// here keeps that from surfacing as an unexplained parse failure.
	if _, err := time.Parse(time.RFC3339, e.CreateTime); err != nil {
		return fmt.Sprintf("create_time %q is not RFC3339", clip(e.CreateTime))
	}
	return ""
}
