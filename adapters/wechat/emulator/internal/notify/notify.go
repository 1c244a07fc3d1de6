package emulator

import (
	"bytes"
	"cmp"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Payment and refund notifications (§6, §9): an envelope whose resource is
// the transaction or refund JSON encrypted with AES-256-GCM under the
// merchant's APIv3 key, signed like a response. Real deliveries
// (notifydelivery.go) and Notification and RefundNotification, which hand
// tests forged or broken ones, share this code.

const (
	eventTransactionSuccess = "TRANSACTION.SUCCESS"
	resourceAlgorithm       = "AEAD_AES_256_GCM"
	resourceNonceLen        = 12
	// A resource's original_type, which WeChat also uses as its
	// associated_data.
	originalTransaction = "transaction"
	originalRefund      = "refund"
)

// eventSummaries is WeChat's summary per event type.
var eventSummaries = map[string]string{
	eventTransactionSuccess: "支付成功",
	"REFUND.SUCCESS":        "退款成功",
	"REFUND.ABNORMAL":       "退款异常",
	"REFUND.CLOSED":         "退款关闭",
}

// event is one notification WeChat has to deliver. Its id and content stay
// the same across retries; each attempt is encrypted and signed afresh, so
// that its timestamp is current.
type event struct {
	id           string
	eventType    string
	createTime   time.Time
	originalType string // originalTransaction or originalRefund
	resource     []byte // plaintext transaction or refund JSON
}

// newEventID looks like WeChat's: "EV-", the time in Beijing, random
// digits; fifteen of them, so that the ten thousand notifications a second
// a load test seals do not share an id (with seven, some did, and WeChat
// never sends two notifications with one id).
func newEventID(now time.Time) string {
	return "EV-" + now.In(cst).Format("20060102150405") + randomDigits(15)
}

type notificationEnvelope struct {
	ID           string           `json:"id"`
	CreateTime   string           `json:"create_time"`
	ResourceType string           `json:"resource_type"`
	EventType    string           `json:"event_type"`
	Summary      string           `json:"summary"`
	Resource     encryptedPayload `json:"resource"`
}

type encryptedPayload struct {
	OriginalType   string `json:"original_type"`
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
}

// seal encrypts ev under apiV3Key and signs the envelope with sig.
func (ev *event) seal(apiV3Key string, sig wechatSignature) (http.Header, []byte, error) {
	if len(apiV3Key) != 32 {
		return nil, nil, fmt.Errorf("APIv3 key must be 32 bytes, got %d", len(apiV3Key))
	}
	block, err := aes.NewCipher([]byte(apiV3Key))
	if err != nil {
		return nil, nil, err
	}
	gcm, err := cipher.NewGCM(block) // 12-byte nonce, 16-byte tag, as WeChat's
	if err != nil {
		return nil, nil, err
	}
	nonce := randomAlnum(resourceNonceLen)
	sealed := gcm.Seal(nil, []byte(nonce), ev.resource, []byte(ev.originalType))
	body, err := json.Marshal(notificationEnvelope{
		ID:           ev.id,
		CreateTime:   ev.createTime.In(cst).Format(time.RFC3339),
		ResourceType: "encrypt-resource",
		EventType:    ev.eventType,
		Summary:      eventSummaries[ev.eventType],
		Resource: encryptedPayload{
			OriginalType:   ev.originalType,
			Algorithm:      resourceAlgorithm,
			Ciphertext:     base64.StdEncoding.EncodeToString(sealed),
			AssociatedData: ev.originalType,
			Nonce:          nonce,
		},
	})
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if err := sig.apply(h, body); err != nil {
		return nil, nil, err
	}
	return h, body, nil
}

// NotificationOptions bend a notification built by Notification, for tests
// of how the merchant handles forged and broken ones. The zero value gives
// exactly what a real delivery would send.
type NotificationOptions struct {
	// EventType defaults to "TRANSACTION.SUCCESS" (Notification), or to
	// the refund's REFUND.SUCCESS|ABNORMAL|CLOSED (RefundNotification;
	// REFUND.SUCCESS while it is PROCESSING).
	EventType string
	ID        string          // default a fresh "EV-..." id
	Timestamp time.Time       // Wechatpay-Timestamp and create_time; default Config.Now
	Serial    string          // override Wechatpay-Serial
	SignWith  *rsa.PrivateKey // override the signing key (forgery)
	APIv3Key  string          // override the encryption key (must be 32 bytes)
	// SignTest makes the signature "WECHATPAY/SIGNTEST/" + random base64,
	// like WeChat's probes.
	SignTest bool
	// Mutate edits the decrypted resource before encryption (wrong amount,
	// appid, mchid, out_trade_no...). Numbers arrive as json.Number.
	Mutate func(resource map[string]any)
}

// Notification returns the headers and raw body of a signed, encrypted
// TRANSACTION notification for a transaction the emulator knows (any
// state), signed per the current SignMode unless o says otherwise. Nothing
// is sent or recorded: the caller POSTs it wherever it likes.
func (e *Emulator) Notification(outTradeNo string, o NotificationOptions) (http.Header, []byte, error) {
	e.mu.Lock()
	if e.pay == nil {
		e.mu.Unlock()
		return nil, nil, ErrPayDisabled
	}
	t, ok := e.pay.txns[outTradeNo]
	var wire wechatTransaction
	if ok {
		wire = t.wire()
	}
	e.mu.Unlock()
	if !ok {
		return nil, nil, fmt.Errorf("%w: %q", ErrNoTransaction, outTradeNo)
	}
	return e.forge(wire, originalTransaction, eventTransactionSuccess, o)
}

// SealTransaction signs and encrypts a TRANSACTION notification for a
// transaction described by resource (WeChat's JSON fields: appid, mchid,
// out_trade_no, transaction_id, trade_state, success_time, payer, amount),
// which the emulator need not know: a load generator makes thousands of
// them for orders it wrote itself. Signed per the current SignMode.
func (e *Emulator) SealTransaction(resource map[string]any, o NotificationOptions) (http.Header, []byte, error) {
	if e.pay == nil {
		return nil, nil, ErrPayDisabled
	}
	return e.forge(resource, originalTransaction, eventTransactionSuccess, o)
}

// forge seals resource (the transaction or refund JSON) the way o says;
// defaultEvent is the event_type when o leaves it empty.
func (e *Emulator) forge(resource any, originalType, defaultEvent string, o NotificationOptions) (http.Header, []byte, error) {
	plain, err := mutateResource(resource, o.Mutate)
	if err != nil {
		return nil, nil, fmt.Errorf("emulator: notification resource: %w", err)
	}
	sig := e.currentSignature()
	if !o.Timestamp.IsZero() {
		sig.at = o.Timestamp
	}
	ev := &event{id: o.ID, eventType: cmp.Or(o.EventType, defaultEvent), createTime: sig.at, originalType: originalType, resource: plain}
	if ev.id == "" {
		ev.id = newEventID(sig.at)
	}
	if o.Serial != "" {
		sig.serial = o.Serial
	}
	if o.SignWith != nil {
		sig.key = o.SignWith
	}
	sig.test = o.SignTest
	apiV3Key := cmp.Or(o.APIv3Key, e.pay.keys.APIv3Key) // keys never change: no lock needed
	h, body, err := ev.seal(apiV3Key, sig)
	if err != nil {
		return nil, nil, fmt.Errorf("emulator: notification: %w", err)
	}
	return h, body, nil
}

// mutateResource encodes the resource, letting mutate edit it as a
// generic map first.
func mutateResource(w any, mutate func(map[string]any)) ([]byte, error) {
	b, err := json.Marshal(w)
	if err != nil || mutate == nil {
		return b, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // amounts stay integers
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	mutate(m)
	return json.Marshal(m)
}
