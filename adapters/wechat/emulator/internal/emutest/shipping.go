package emutest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

// The shipping tests play the mini-program's server: it calls the
// shipping APIs with a stable token, and receives WeChat's pushes at a
// message server that checks and opens them with code of its own, written
// from §17 (not package push's).

const (
	TestPushToken  = "EmulatorPush2025"
	TestPushAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" // 43 characters
)

// Push is one message push as the mini-program's server saw it.
type Push struct {
	Query url.Values
	Msg   map[string]any // the decrypted message
	Err   error          // why it did not check out
}

// Event is the pushed message's Event.
func (p Push) Event() string { s, _ := p.Msg["Event"].(string); return s }

// Int reads a number field of the message (0 when absent).
func (p Push) Int(field string) int64 { n, _ := p.Msg[field].(float64); return int64(n) }

// PushReceiver is the mini-program's message server. answer picks the
// status and body for the n-th push (from 1); nil answers "success".
type PushReceiver struct {
	URL    string
	mu     sync.Mutex
	got    []Push
	answer func(n int) (int, string)
}

func NewPushReceiver(t *testing.T, answer func(n int) (int, string)) *PushReceiver {
	t.Helper()
	rc := &PushReceiver{answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method == http.MethodGet && q.Get("signature") == sha1Sorted(TestPushToken, q.Get("timestamp"), q.Get("nonce")) {
			_, _ = io.WriteString(w, q.Get("echostr")) // the admin console's URL check
			return
		}
		p := Push{Query: q}
		body, _ := io.ReadAll(r.Body)
		var env struct{ ToUserName, Encrypt string }
		switch {
		case json.Unmarshal(body, &env) != nil || env.Encrypt == "":
			p.Err = fmt.Errorf("body %q is not {ToUserName, Encrypt}", body)
		case q.Get("signature") != sha1Sorted(TestPushToken, q.Get("timestamp"), q.Get("nonce")):
			p.Err = fmt.Errorf("signature does not verify")
		case q.Get("msg_signature") != sha1Sorted(TestPushToken, q.Get("timestamp"), q.Get("nonce"), env.Encrypt):
			p.Err = fmt.Errorf("msg_signature does not verify")
		case q.Get("encrypt_type") != "aes":
			p.Err = fmt.Errorf("encrypt_type %q", q.Get("encrypt_type"))
		default:
			msg, appID, err := openPush(TestPushAESKey, env.Encrypt)
			switch {
			case err != nil:
				p.Err = err
			case appID != TestAppID:
				p.Err = fmt.Errorf("sealed for appid %q", appID)
			default:
				p.Err = json.Unmarshal(msg, &p.Msg)
				if p.Err == nil && p.Msg["ToUserName"] != env.ToUserName {
					p.Err = fmt.Errorf("ToUserName %v inside, %q outside", p.Msg["ToUserName"], env.ToUserName)
				}
			}
		}
		rc.mu.Lock()
		rc.got = append(rc.got, p)
		n := len(rc.got)
		rc.mu.Unlock()
		status, text := http.StatusOK, "success"
		if rc.answer != nil {
			status, text = rc.answer(n)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/wechat/push"
	return rc
}

func sha1Sorted(parts ...string) string {
	sort.Strings(parts)
	return fmt.Sprintf("%x", sha1.Sum([]byte(strings.Join(parts, ""))))
}

// openPush decrypts an Encrypt: AES-256-CBC, key base64(EncodingAESKey+"="),
// IV its first 16 bytes, PKCS#7 to 32, random(16) ‖ len ‖ msg ‖ appid.
func openPush(encodingAESKey, encrypted string) ([]byte, string, error) {
	key, _ := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct)%32 != 0 || len(ct) == 0 {
		return nil, "", fmt.Errorf("Encrypt is not whole 32-byte blocks of base64")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, "", err
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 || pad > len(plain)-20 {
		return nil, "", fmt.Errorf("bad padding %d", pad)
	}
	plain = plain[:len(plain)-pad]
	n := int(binary.BigEndian.Uint32(plain[16:20]))
	if 20+n > len(plain) {
		return nil, "", fmt.Errorf("length %d past the end", n)
	}
	return plain[20 : 20+n], string(plain[20+n:]), nil
}

// All returns the pushes received so far.
func (rc *PushReceiver) All() []Push {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Push(nil), rc.got...)
}

// Wait waits until n pushes have arrived, requires each to have checked
// out, and returns them.
func (rc *PushReceiver) Wait(t *testing.T, n int) []Push {
	t.Helper()
	WaitFor(t, fmt.Sprintf("%d pushes", n), func() bool { return len(rc.All()) >= n })
	got := rc.All()
	for i, p := range got {
		if p.Err != nil {
			t.Fatalf("push %d did not check out: %v", i+1, p.Err)
		}
	}
	return got
}

// ShipFixture is an emulator with WeChat Pay, shipping management and a
// message push target, and the mini-program's server's side of them.
type ShipFixture struct {
	*PayFixture
	Push *PushReceiver
}

// StartShipping runs it: pushes go to a PushReceiver (answer as there),
// every wait of a push retry scaled by 0.001. edit may change the Config.
func StartShipping(t *testing.T, answer func(n int) (int, string), edit func(*emulator.Config)) *ShipFixture {
	t.Helper()
	rc := NewPushReceiver(t, answer)
	f := StartPayConfig(t, "", func(c *emulator.Config) {
		c.Pay.TimeScale = 0.001
		c.Push = &emulator.PushConfig{URL: rc.URL, Token: TestPushToken, EncodingAESKey: TestPushAESKey}
		if edit != nil {
			edit(c)
		}
	})
	return &ShipFixture{PayFixture: f, Push: rc}
}

// PaidSynced pays a new order and moves the clock past the sync delay, so
// that the shipping APIs see it.
func (f *ShipFixture) PaidSynced(t *testing.T, outTradeNo string) emulator.TransactionView {
	t.Helper()
	v := f.Paid(t, outTradeNo, DeadNotify)
	f.Clock.Advance(emulator.DefaultShippingSyncDelay)
	return v
}

// API calls a shipping API with a valid stable token and returns WeChat's
// answer and its body.
func (f *ShipFixture) API(t *testing.T, path, body string) (Reply, []byte) {
	t.Helper()
	return f.APIWith(t, f.Token(t, false).AccessToken, path, body)
}

// APIWith is API with the given access_token ("" leaves it out).
func (f *ShipFixture) APIWith(t *testing.T, token, path, body string) (Reply, []byte) {
	t.Helper()
	u := path
	if token != "" {
		u += "?access_token=" + url.QueryEscape(token)
	}
	r, resp, b := f.WeChat(t, http.MethodPost, u, body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	return r, b
}

// MustAPI calls a shipping API that must answer errcode 0, errmsg "ok".
func (f *ShipFixture) MustAPI(t *testing.T, path, body string) []byte {
	t.Helper()
	r, b := f.API(t, path, body)
	if r.ErrCode == nil || r.Code() != 0 || r.ErrMsg != "ok" {
		t.Fatalf("%s %s: %s", path, body, b)
	}
	return b
}

// ShipBody is a valid upload_shipping_info body for an express parcel of
// the transaction txn (by mchid and out_trade_no), uploaded at at.
func ShipBody(txn emulator.TransactionView, tracking string, at time.Time) string {
	return fmt.Sprintf(`{"order_key":{"order_number_type":1,"mchid":%q,"out_trade_no":%q,"transaction_id":""},`+
		`"logistics_type":1,"delivery_mode":1,"is_all_delivered":false,`+
		`"shipping_list":[{"tracking_no":%q,"express_company":"YTO","item_desc":"微信红包抱枕*1个","contact":{"consignor_contact":"","receiver_contact":""}}],`+
		`"upload_time":%q,"payer":{"openid":%q}}`,
		txn.MchID, txn.OutTradeNo, tracking, at.Format("2006-01-02T15:04:05.000Z07:00"), txn.PayerOpenID)
}
