package wxshared

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// WeChat Pay's signatures (§2 and §3 of docs/wechat-protocol.md): the
// merchant signs every request with its API key; WeChat signs every answer
// and notification with the platform certificate's key or the WeChat Pay
// public key, per SignMode.

const (
	// SignatureType is the only scheme APIv3 has, in Authorization and in
	// Wechatpay-Signature-Type.
	SignatureType = "WECHATPAY2-SHA256-RSA2048"
	// signTestPrefix marks WeChat's probes of a merchant's verification.
	signTestPrefix = "WECHATPAY/SIGNTEST/"
)

// SignMode says which WeChat Pay key signs responses and notifications.
// Merchants registered since late 2024 only have the public key; older ones
// migrate from platform certificates, and during a migration both arrive.
type SignMode string

const (
	SignWithPlatformCert SignMode = "platform_cert" // Wechatpay-Serial is the platform certificate's serial
	SignWithPublicKey    SignMode = "public_key"    // Wechatpay-Serial is the PUB_KEY_ID_...
)

func (m SignMode) Valid() bool { return m == SignWithPlatformCert || m == SignWithPublicKey }

// Signer signs as WeChat Pay, with the key SignMode selects. Its methods
// are safe for concurrent use.
type Signer struct {
	keys           PayKeys
	platformSerial string
	now            func() time.Time

	mu       sync.Mutex // guards signMode
	signMode SignMode
}

// NewSigner signs with keys, per mode (which must be valid).
func NewSigner(keys PayKeys, mode SignMode, now func() time.Time) *Signer {
	return &Signer{keys: keys, platformSerial: keys.PlatformSerial(), now: now, signMode: mode}
}

// SetMode switches the key that signs from now on.
func (e *Signer) SetMode(m SignMode) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.signMode = m
}

// Mode is the SignMode now.
func (e *Signer) Mode() SignMode {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.signMode
}

func VerifySHA256(pub *rsa.PublicKey, msg, signature string) bool {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return false
	}
	h := sha256.Sum256([]byte(msg))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) == nil
}

func SignSHA256(key *rsa.PrivateKey, msg string) (string, error) {
	h := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Signature is how one response or notification gets signed.
type Signature struct {
	Key    *rsa.PrivateKey
	Serial string
	At     time.Time
	Test   bool // a SIGNTEST probe: a signature that must not verify
}

// Current is the key and serial that SignMode selects now.
func (e *Signer) Current() Signature {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := Signature{Key: e.keys.PublicKeyPrivate, Serial: e.keys.PublicKeyID, At: e.now()}
	if e.signMode == SignWithPlatformCert {
		s.Key, s.Serial = e.keys.PlatformKey, e.platformSerial
	}
	return s
}

// Apply sets the Wechatpay-* headers over TIMESTAMP\nNONCE\nBODY\n.
func (s Signature) Apply(h http.Header, body []byte) error {
	nonce := RandomAlnum(32)
	ts := strconv.FormatInt(s.At.Unix(), 10)
	sig := signTestPrefix + base64.StdEncoding.EncodeToString(RandomBytes(192))
	if !s.Test {
		var err error
		if sig, err = SignSHA256(s.Key, ts+"\n"+nonce+"\n"+string(body)+"\n"); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
	}
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Serial", s.Serial)
	h.Set("Wechatpay-Signature", sig)
	h.Set("Wechatpay-Signature-Type", SignatureType)
	return nil
}
