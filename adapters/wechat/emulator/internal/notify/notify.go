package notify

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

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Payment and refund notifications (§6, §9): an envelope whose resource is
// the transaction or refund JSON encrypted with AES-256-GCM under the
// merchant's APIv3 key, signed like a response. Real deliveries
// (delivery.go) and Forge, with which wxpay's Notification,
// RefundNotification and SealTransaction hand tests forged or broken ones,
// share this code.

const (
	EventTransactionSuccess = "TRANSACTION.SUCCESS"
	resourceAlgorithm       = "AEAD_AES_256_GCM"
	resourceNonceLen        = 12
	// A resource's original_type, which WeChat also uses as its
	// associated_data.
	OriginalTransaction = "transaction"
	OriginalRefund      = "refund"
)

// eventSummaries is WeChat's summary per event type.
var eventSummaries = map[string]string{
	EventTransactionSuccess: "支付成功",
	"REFUND.SUCCESS":        "退款成功",
	"REFUND.ABNORMAL":       "退款异常",
	"REFUND.CLOSED":         "退款关闭",
}

// Event is one notification WeChat has to deliver. Its id and content stay
// the same across retries; each attempt is encrypted and signed afresh, so
// that its timestamp is current.
type Event struct {
	ID           string
	EventType    string
	CreateTime   time.Time
	OriginalType string // OriginalTransaction or OriginalRefund
	Resource     []byte // plaintext transaction or refund JSON
}

// NewEventID looks like WeChat's: "EV-", the time in Beijing, random
// digits; fifteen of them, so that the ten thousand notifications a second
// a load test seals do not share an id (with seven, some did, and WeChat
// never sends two notifications with one id).
func NewEventID(now time.Time) string {
	return "EV-" + now.In(wxshared.CST).Format("20060102150405") + wxshared.RandomDigits(15)
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
func (ev *Event) seal(apiV3Key string, sig wxshared.Signature) (http.Header, []byte, error) {
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
	nonce := wxshared.RandomAlnum(resourceNonceLen)
	sealed := gcm.Seal(nil, []byte(nonce), ev.Resource, []byte(ev.OriginalType))
	body, err := json.Marshal(notificationEnvelope{
		ID:           ev.ID,
		CreateTime:   ev.CreateTime.In(wxshared.CST).Format(time.RFC3339),
		ResourceType: "encrypt-resource",
		EventType:    ev.EventType,
		Summary:      eventSummaries[ev.EventType],
		Resource: encryptedPayload{
			OriginalType:   ev.OriginalType,
			Algorithm:      resourceAlgorithm,
			Ciphertext:     base64.StdEncoding.EncodeToString(sealed),
			AssociatedData: ev.OriginalType,
			Nonce:          nonce,
		},
	})
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if err := sig.Apply(h, body); err != nil {
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

// Forge seals resource (the transaction or refund JSON) the way o says;
// defaultEvent is the event_type when o leaves it empty.
func (e *Notifier) Forge(resource any, originalType, defaultEvent string, o NotificationOptions) (http.Header, []byte, error) {
	plain, err := mutateResource(resource, o.Mutate)
	if err != nil {
		return nil, nil, fmt.Errorf("emulator: notification resource: %w", err)
	}
	sig := e.signer.Current()
	if !o.Timestamp.IsZero() {
		sig.At = o.Timestamp
	}
	ev := &Event{ID: o.ID, EventType: cmp.Or(o.EventType, defaultEvent), CreateTime: sig.At, OriginalType: originalType, Resource: plain}
	if ev.ID == "" {
		ev.ID = NewEventID(sig.At)
	}
	if o.Serial != "" {
		sig.Serial = o.Serial
	}
	if o.SignWith != nil {
		sig.Key = o.SignWith
	}
	sig.Test = o.SignTest
	apiV3Key := cmp.Or(o.APIv3Key, e.keys.APIv3Key) // keys never change: no lock needed
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
