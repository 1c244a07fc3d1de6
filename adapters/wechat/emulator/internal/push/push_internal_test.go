package push

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
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// These tests play the mini-program's server with code of their own,
// written from §17 and not from this package, so that a mistake made
// twice the same way cannot pass.

const (
	testToken  = "AAAAA"
	testAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG" // 43 characters
	testAppID  = "wx0123456789abcdef"
)

// The worked example of §17, from WeChat's documentation.
func TestSignatureOfTheDocumentedExample(t *testing.T) {
	if got := Signature("AAAAA", "1714036504", "1514711492"); got != "f464b24fc39322e44b38aa78f5edd27bd1441696" {
		t.Fatalf("signature %s", got)
	}
	// The order of the parts does not matter: they are sorted.
	if Signature("1514711492", "AAAAA", "1714036504") != Signature("AAAAA", "1714036504", "1514711492") {
		t.Fatal("the signature depends on the order of its parts")
	}
}

// independentSHA1 is the signature as a server computes it.
func independentSHA1(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	return fmt.Sprintf("%x", sha1.Sum([]byte(strings.Join(s, ""))))
}

// decrypt opens an Encrypt as a mini-program's server does (§17): the
// key is base64(EncodingAESKey+"="), the IV its first 16 bytes, the
// padding PKCS#7 to 32, and the plaintext random(16) ‖ len ‖ msg ‖ appid.
func decrypt(encodingAESKey, encrypted string) (msg []byte, appID string, err error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, "", fmt.Errorf("key: %v", err)
	}
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(ct) == 0 || len(ct)%32 != 0 {
		return nil, "", fmt.Errorf("ciphertext of %d bytes is not whole 32-byte blocks: %v", len(ct), err)
	}
	block, _ := aes.NewCipher(key)
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 {
		return nil, "", fmt.Errorf("padding %d", pad)
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, "", fmt.Errorf("padding bytes differ")
		}
	}
	plain = plain[:len(plain)-pad]
	n := int(binary.BigEndian.Uint32(plain[16:20]))
	if 20+n > len(plain) {
		return nil, "", fmt.Errorf("length %d past the plaintext", n)
	}
	return plain[20 : 20+n], string(plain[20+n:]), nil
}

// received is one push as the server saw it.
type received struct {
	query    map[string]string
	envelope map[string]string
	msg      map[string]any
	err      error
}

// server is a mini-program's server that checks and opens every push and
// answers what answers says, one per push received (the last repeated).
type server struct {
	*httptest.Server
	mu      sync.Mutex
	got     []received
	answers []func(http.ResponseWriter)
}

func newServer(t *testing.T, answers ...func(http.ResponseWriter)) *server {
	s := &server{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method == http.MethodGet { // the URL check
			if q.Get("signature") == independentSHA1(testToken, q.Get("timestamp"), q.Get("nonce")) {
				_, _ = io.WriteString(w, q.Get("echostr"))
			} else {
				http.Error(w, "bad signature", http.StatusForbidden)
			}
			return
		}
		rec := received{query: map[string]string{}}
		for k := range q {
			rec.query[k] = q.Get(k)
		}
		body, _ := io.ReadAll(r.Body)
		rec.err = json.Unmarshal(body, &rec.envelope)
		enc := rec.envelope["Encrypt"]
		switch {
		case rec.err != nil:
		case r.Header.Get("Content-Type") != "application/json":
			rec.err = fmt.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
		case q.Get("signature") != independentSHA1(testToken, q.Get("timestamp"), q.Get("nonce")):
			rec.err = fmt.Errorf("signature does not verify")
		case q.Get("msg_signature") != independentSHA1(testToken, q.Get("timestamp"), q.Get("nonce"), enc):
			rec.err = fmt.Errorf("msg_signature does not verify")
		case q.Get("encrypt_type") != "aes":
			rec.err = fmt.Errorf("encrypt_type %q", q.Get("encrypt_type"))
		default:
			msg, appID, err := decrypt(testAESKey, enc)
			switch {
			case err != nil:
				rec.err = err
			case appID != testAppID:
				rec.err = fmt.Errorf("appid %q at the end, want ours", appID)
			default:
				rec.err = json.Unmarshal(msg, &rec.msg)
			}
		}
		s.mu.Lock()
		s.got = append(s.got, rec)
		answer := s.answers[min(len(s.got), len(s.answers))-1]
		s.mu.Unlock()
		answer(w)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) all() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

func say(status int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

var at = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func newPusher(t *testing.T, u string) (*Server, *wxshared.Background) {
	t.Helper()
	bg := wxshared.NewBackground()
	t.Cleanup(bg.Close)
	p, err := New(Config{URL: u, Token: testToken, EncodingAESKey: testAESKey}, testAppID, func() time.Time { return at }, bg, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return p, bg
}

func waitFinal(t *testing.T, p *Server, pushes int) []Attempt {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		as := p.Attempts()
		finals := 0
		for _, a := range as {
			if a.Final {
				finals++
			}
		}
		if finals == pushes {
			return as
		}
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %d pushes to end: %+v", pushes, as)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestAPushIsSealedAsWeChatSealsIt(t *testing.T) {
	s := newServer(t, say(http.StatusOK, "success"))
	p, _ := newPusher(t, s.URL+"/wechat/push?tenant=1")
	long := strings.Repeat("发", 300) // several blocks, multi-byte
	p.Send(Message{Event: "trade_manage_remind_shipping", TransactionID: "4200001", Fields: map[string]any{"transaction_id": "4200001", "msg": long, "pay_time": int64(1714036504)}})
	as := waitFinal(t, p, 1)
	got := s.all()
	if len(got) != 1 || got[0].err != nil {
		t.Fatalf("the server got %+v", got)
	}
	r := got[0]
	if r.query["tenant"] != "1" || r.query["timestamp"] != "1740823200" || len(r.query["nonce"]) != 10 {
		t.Fatalf("query %v: the URL's own query kept, the timestamp Config.Now's", r.query)
	}
	m := r.msg
	if m["ToUserName"] != p.OriginalID() || !strings.HasPrefix(p.OriginalID(), "gh_") || m["MsgType"] != "event" ||
		m["Event"] != "trade_manage_remind_shipping" || m["CreateTime"] != float64(1740823200) || m["msg"] != long ||
		m["transaction_id"] != "4200001" || m["pay_time"] != float64(1714036504) {
		t.Fatalf("message %v", m)
	}
	if from, _ := m["FromUserName"].(string); len(from) != 28 || from[0] != 'o' {
		t.Fatalf("FromUserName %q, want a system account's openid", from)
	}
	if r.envelope["ToUserName"] != p.OriginalID() || len(r.envelope) != 2 {
		t.Fatalf("envelope %v, want ToUserName and Encrypt only", r.envelope)
	}
	if len(as) != 1 || !as[0].Delivered || !as[0].Final || as[0].Status != 200 || as[0].Answer != "success" || as[0].Attempt != 1 ||
		as[0].Event != "trade_manage_remind_shipping" || as[0].TransactionID != "4200001" || !strings.Contains(as[0].Message, `"msg":"发发`) {
		t.Fatalf("attempts %+v", as)
	}
}

// Messages of every length pad to whole 32-byte blocks, a whole block of
// 32s when already aligned.
func TestEncryptRoundTripsEveryLength(t *testing.T) {
	key, err := AESKey(testAESKey)
	if err != nil {
		t.Fatal(err)
	}
	for n := range 70 {
		msg := []byte(strings.Repeat("x", n))
		enc, err := Encrypt(key, testAppID, msg)
		if err != nil {
			t.Fatal(err)
		}
		got, appID, err := decrypt(testAESKey, enc)
		if err != nil || string(got) != string(msg) || appID != testAppID {
			t.Fatalf("length %d: %q %q %v", n, got, appID, err)
		}
		raw, _ := base64.StdEncoding.DecodeString(enc)
		if want := (20 + n + len(testAppID) + 32) / 32 * 32; len(raw) != want {
			t.Fatalf("length %d: %d bytes sealed, want %d", n, len(raw), want)
		}
	}
	a, _ := Encrypt(key, testAppID, []byte("same"))
	b, _ := Encrypt(key, testAppID, []byte("same"))
	if a == b {
		t.Fatal("two seals of one message are equal: the random prefix is missing")
	}
}

func TestWhatCountsAsDelivered(t *testing.T) {
	for _, tc := range []struct {
		name      string
		answer    func(http.ResponseWriter)
		delivered bool
	}{
		{"success", say(http.StatusOK, "success"), true},
		{"success and a newline", say(http.StatusOK, "success\n"), true},
		{"empty 200", say(http.StatusOK, ""), true},
		{"204", say(http.StatusNoContent, ""), true},
		{"ok", say(http.StatusOK, "ok"), false},
		{"JSON", say(http.StatusOK, `{"code":"SUCCESS"}`), false},
		{"500 success", say(http.StatusInternalServerError, "success"), false},
		{"302", func(w http.ResponseWriter) { w.Header().Set("Location", "/elsewhere"); w.WriteHeader(http.StatusFound) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tc.answer)
			p, _ := newPusher(t, s.URL)
			p.Send(Message{Event: "debug_demo"})
			as := waitFinal(t, p, 1)
			want := 1
			if !tc.delivered {
				want = 1 + Retries
			}
			if len(as) != want || as[len(as)-1].Delivered != tc.delivered || len(s.all()) != want {
				t.Fatalf("%d attempts (%+v), want %d", len(as), as, want)
			}
		})
	}
}

// A failed push is tried again three times, each sealed afresh; the
// first taken answer ends it.
func TestAFailedPushIsRetriedThreeTimes(t *testing.T) {
	s := newServer(t, say(http.StatusBadGateway, "down"), say(http.StatusOK, "fail"), say(http.StatusOK, "success"))
	p, _ := newPusher(t, s.URL)
	p.Send(Message{Event: "trade_manage_order_settlement", TransactionID: "4200002"})
	as := waitFinal(t, p, 1)
	if len(as) != 3 || as[0].Status != 502 || as[0].Answer != "down" || as[0].Final || as[1].Answer != "fail" || as[1].Final ||
		!as[2].Delivered || !as[2].Final || as[2].Attempt != 3 || as[0].PushID != as[2].PushID {
		t.Fatalf("attempts %+v", as)
	}
	got := s.all()
	if got[0].query["nonce"] == got[1].query["nonce"] && got[0].envelope["Encrypt"] == got[1].envelope["Encrypt"] {
		t.Fatal("a retry repeated the first attempt's nonce and seal")
	}

	dead, _ := newPusher(t, "http://127.0.0.1:1/push")
	dead.Send(Message{Event: "trade_manage_order_settlement"})
	as = waitFinal(t, dead, 1)
	if len(as) != 1+Retries || as[3].Err == "" || as[3].Status != 0 || !as[3].Final || as[2].Final {
		t.Fatalf("a dead server: %+v", as)
	}
}

func TestClosingStopsTheRetries(t *testing.T) {
	s := newServer(t, say(http.StatusInternalServerError, ""))
	bg := wxshared.NewBackground()
	p, err := New(Config{URL: s.URL, Token: testToken, EncodingAESKey: testAESKey}, testAppID, func() time.Time { return at }, bg, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p.Send(Message{Event: "debug_demo"})
	for len(p.Attempts()) == 0 {
		time.Sleep(time.Millisecond)
	}
	bg.Close() // returns once the delivery gave up its hour's wait
	if as := p.Attempts(); len(as) != 1 || as[0].Final {
		t.Fatalf("attempts %+v: one, not final (the retry was cut short)", as)
	}
	if p.Send(Message{Event: "debug_demo"}) {
		t.Fatal("Send after Close reported a push")
	}
}

func TestVerifyURLAsTheAdminConsoleDoes(t *testing.T) {
	s := newServer(t, say(http.StatusOK, "success"))
	p, _ := newPusher(t, s.URL)
	v := p.VerifyURL(t.Context())
	if !v.OK || v.Status != 200 || v.Answer != v.Echostr || len(v.Echostr) != 19 || v.URL != s.URL {
		t.Fatalf("verification %+v", v)
	}
	wrong, _ := New(Config{URL: s.URL, Token: "BBBBB", EncodingAESKey: testAESKey}, testAppID, func() time.Time { return at }, wxshared.NewBackground(), 0)
	if v := wrong.VerifyURL(t.Context()); v.OK || v.Status != http.StatusForbidden {
		t.Fatalf("with another Token: %+v", v)
	}
	parrot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "success") }))
	t.Cleanup(parrot.Close)
	p2, _ := newPusher(t, parrot.URL)
	if v := p2.VerifyURL(t.Context()); v.OK || v.Answer != "success" {
		t.Fatalf("a server that does not echo: %+v", v)
	}
	dead, _ := newPusher(t, "http://127.0.0.1:1/")
	if v := dead.VerifyURL(t.Context()); v.OK || v.Err == "" {
		t.Fatalf("a dead server: %+v", v)
	}
	if len(p.Attempts()) != 0 {
		t.Fatal("a verification was recorded as a push")
	}
}

func TestConfigIsChecked(t *testing.T) {
	bg := wxshared.NewBackground()
	defer bg.Close()
	for name, cfg := range map[string]Config{
		"no URL":           {Token: testToken, EncodingAESKey: testAESKey},
		"ftp URL":          {URL: "ftp://x/", Token: testToken, EncodingAESKey: testAESKey},
		"short Token":      {URL: "http://x/", Token: "AA", EncodingAESKey: testAESKey},
		"long Token":       {URL: "http://x/", Token: strings.Repeat("A", 33), EncodingAESKey: testAESKey},
		"Token with -":     {URL: "http://x/", Token: "AA-AA", EncodingAESKey: testAESKey},
		"short key":        {URL: "http://x/", Token: testToken, EncodingAESKey: testAESKey[:42]},
		"key with a +":     {URL: "http://x/", Token: testToken, EncodingAESKey: "+" + testAESKey[1:]},
		"key of 44":        {URL: "http://x/", Token: testToken, EncodingAESKey: testAESKey + "="},
		"no key":           {URL: "http://x/", Token: testToken},
		"no host":          {URL: "http:///push", Token: testToken, EncodingAESKey: testAESKey},
		"not a URL at all": {URL: "::", Token: testToken, EncodingAESKey: testAESKey},
	} {
		if _, err := New(cfg, testAppID, time.Now, bg, 0); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	p, err := New(Config{URL: "https://merchant.example/wx", Token: "Token123", EncodingAESKey: testAESKey, AppID: "wxother", OriginalID: "gh_given"}, testAppID, time.Now, bg, 0)
	if err != nil || p.OriginalID() != "gh_given" || p.cfg.AppID != "wxother" {
		t.Fatalf("%v %+v", err, p)
	}
}
