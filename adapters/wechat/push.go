package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wxmp/wxmp/domain"
)

// Message push (消息推送, §17): WeChat's events for the mini-program's
// server, in safe mode (JSON, AES). This is the adapter that checks and
// opens them; api.PushHandler serves the URL.

// PushConfig is what the mini-program's admin console (开发管理 → 消息推送)
// was given: the token and the EncodingAESKey, and the appid the messages
// are for.
type PushConfig struct {
	Token          string
	EncodingAESKey string // 43 characters
	AppID          string
	Now            func() time.Time
}

// Push checks and opens WeChat's pushes.
type Push struct {
	token string
	key   []byte
	appID string
	now   func() time.Time
}

// PushWindow is how far a push's timestamp may be from now: WeChat retries
// within seconds; an older signature is a replay.
const PushWindow = 5 * time.Minute

// ErrPushRefused: the push is not WeChat's (signature, time, appid) or
// cannot be read. Nothing is done with it.
var ErrPushRefused = errors.New("push refused")

func NewPush(cfg PushConfig) (*Push, error) {
	if cfg.Token == "" || len(cfg.EncodingAESKey) != 43 || cfg.AppID == "" {
		return nil, errors.New("wechat push: a token, a 43-character EncodingAESKey and the appid are required")
	}
	key, err := base64.StdEncoding.DecodeString(cfg.EncodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("wechat push: the EncodingAESKey is not base64 of 32 bytes")
	}
	p := &Push{token: cfg.Token, key: key, appID: cfg.AppID, now: cfg.Now}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

func sha1Sorted(parts ...string) string {
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

func (p *Push) fresh(q url.Values) error {
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil || q.Get("nonce") == "" {
		return fmt.Errorf("%w: no timestamp or nonce", ErrPushRefused)
	}
	if d := p.now().Sub(time.Unix(ts, 0)); d > PushWindow || d < -PushWindow {
		return fmt.Errorf("%w: timestamp %d is not within %s of now", ErrPushRefused, ts, PushWindow)
	}
	return nil
}

func equalHex(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(strings.ToLower(b))) == 1
}

// VerifyURL answers WeChat's check of the URL (GET with echostr): the
// echostr back when the signature is the token's.
func (p *Push) VerifyURL(q url.Values) (string, error) {
	if err := p.fresh(q); err != nil {
		return "", err
	}
	if !equalHex(sha1Sorted(p.token, q.Get("timestamp"), q.Get("nonce")), q.Get("signature")) {
		return "", fmt.Errorf("%w: signature", ErrPushRefused)
	}
	return q.Get("echostr"), nil
}

type pushEnvelope struct {
	ToUserName string
	Encrypt    string
}

type pushEvent struct {
	Event           string `json:"Event"`
	MsgType         string `json:"MsgType"`
	CreateTime      int64  `json:"CreateTime"`
	TransactionID   string `json:"transaction_id"`
	MerchantID      string `json:"merchant_id"`
	MerchantTradeNo string `json:"merchant_trade_no"`
}

// Open checks a safe-mode push (msg_signature over the ciphertext), opens
// it, checks it is for our appid, and reads the event.
func (p *Push) Open(q url.Values, body []byte) (domain.PlatformEvent, error) {
	if err := p.fresh(q); err != nil {
		return domain.PlatformEvent{}, err
	}
	if q.Get("encrypt_type") != "aes" {
		return domain.PlatformEvent{}, fmt.Errorf("%w: only safe mode (encrypt_type=aes) is accepted", ErrPushRefused)
	}
	var env pushEnvelope
	if err := json.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		return domain.PlatformEvent{}, fmt.Errorf("%w: not a safe-mode JSON push", ErrPushRefused)
	}
	if !equalHex(sha1Sorted(p.token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt), q.Get("msg_signature")) {
		return domain.PlatformEvent{}, fmt.Errorf("%w: msg_signature", ErrPushRefused)
	}
	msg, err := p.decrypt(env.Encrypt)
	if err != nil {
		return domain.PlatformEvent{}, err
	}
	var ev pushEvent
	if err := json.Unmarshal(msg, &ev); err != nil {
		return domain.PlatformEvent{}, fmt.Errorf("%w: the message is not JSON", ErrPushRefused)
	}
	return domain.PlatformEvent{Event: ev.Event, TransactionID: ev.TransactionID, OutTradeNo: ev.MerchantTradeNo,
		At: time.Unix(ev.CreateTime, 0).UTC()}, nil
}

// decrypt is §17's cipher: AES-256-CBC, IV = key[:16], PKCS#7 with a
// block of 32; random(16) ‖ uint32 length ‖ message ‖ appid.
func (p *Push) decrypt(b64 string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: ciphertext", ErrPushRefused)
	}
	block, _ := aes.NewCipher(p.key) // 32 bytes, checked in NewPush
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, p.key[:aes.BlockSize]).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 || pad > len(plain) || !bytes.Equal(plain[len(plain)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, fmt.Errorf("%w: padding", ErrPushRefused)
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, fmt.Errorf("%w: too short", ErrPushRefused)
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, fmt.Errorf("%w: length", ErrPushRefused)
	}
	msg, appID := plain[20:20+n], plain[20+n:]
	if string(appID) != p.appID {
		return nil, fmt.Errorf("%w: for another appid", ErrPushRefused)
	}
	return msg, nil
}
