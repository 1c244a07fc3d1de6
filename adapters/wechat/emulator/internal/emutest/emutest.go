package emutest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

const (
	TestAppID  = "wx0123456789abcdef"
	TestSecret = "emulator-test-secret-0123456789"
)

// Clock is a settable time source for Config.Now, safe under -race.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func NewClock() *Clock { return &Clock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type Fixture struct {
	Emu   *emulator.Emulator
	Srv   *httptest.Server
	Clock *Clock
	AppID string
}

// Start runs an emulator behind a real HTTP server. cfg's AppID and Secret
// default to the test ones and Now to a fixture clock.
func Start(t *testing.T, cfg emulator.Config) *Fixture {
	t.Helper()
	if cfg.AppID == "" {
		cfg.AppID = TestAppID
	}
	if cfg.Secret == "" {
		cfg.Secret = TestSecret
	}
	c := NewClock()
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	e, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	return &Fixture{Emu: e, Srv: srv, Clock: c, AppID: cfg.AppID}
}

// Reply is any WeChat answer; ErrCode is a pointer to tell absent from 0.
type Reply struct {
	ErrCode     *int   `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	OpenID      string `json:"openid"`
	UnionID     string `json:"unionid"`
	SessionKey  string `json:"session_key"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

func (r Reply) Code() int {
	if r.ErrCode == nil {
		return 0
	}
	return *r.ErrCode
}

// Do sends one request and returns the response (body already read).
func Do(t *testing.T, method, u, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, b
}

func Decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return v
}

// WeChat calls a WeChat endpoint, requires HTTP 200 as WeChat always
// answers, and decodes the reply.
func (f *Fixture) WeChat(t *testing.T, method, path, body string) (Reply, *http.Response, []byte) {
	t.Helper()
	resp, b := Do(t, method, f.Srv.URL+path, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d, want 200: %s", method, path, resp.StatusCode, b)
	}
	return Decode[Reply](t, b), resp, b
}

func SessionQuery(code string) url.Values {
	return url.Values{
		"appid":      {TestAppID},
		"secret":     {TestSecret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}
}

func (f *Fixture) Code2Session(t *testing.T, q url.Values) Reply {
	t.Helper()
	r, _, _ := f.WeChat(t, http.MethodGet, "/sns/jscode2session?"+q.Encode(), "")
	return r
}

func (f *Fixture) Login(t *testing.T, code string) Reply {
	t.Helper()
	q := SessionQuery(code)
	q.Set("appid", f.AppID)
	r := f.Code2Session(t, q)
	if r.Code() != 0 {
		t.Fatalf("code2session: errcode %d %q", r.Code(), r.ErrMsg)
	}
	return r
}

func (f *Fixture) Mint(t *testing.T, user string) emulator.LoginCode {
	t.Helper()
	c, err := f.Emu.MintCode(user)
	if err != nil {
		t.Fatalf("MintCode(%q): %v", user, err)
	}
	return c
}

func (f *Fixture) Token(t *testing.T, force bool) Reply {
	t.Helper()
	body := `{"grant_type":"client_credential","appid":"` + TestAppID + `","secret":"` + TestSecret + `","force_refresh":` + map[bool]string{true: "true", false: "false"}[force] + `}`
	r, _, _ := f.WeChat(t, http.MethodPost, "/cgi-bin/stable_token", body)
	if r.Code() != 0 || r.AccessToken == "" {
		t.Fatalf("stable_token: %+v", r)
	}
	return r
}

func (f *Fixture) CheckSession(t *testing.T, token, openID, signature string) Reply {
	t.Helper()
	q := url.Values{"access_token": {token}, "openid": {openID}, "signature": {signature}, "sig_method": {"hmac_sha256"}}
	r, _, _ := f.WeChat(t, http.MethodGet, "/wxa/checksession?"+q.Encode(), "")
	return r
}

// Sign is what the mini-program's server sends to checksession. A key that
// is not base64 gives an empty signature, which checksession refuses.
func Sign(sessionKeyB64 string) string {
	key, err := base64.StdEncoding.DecodeString(sessionKeyB64)
	if err != nil {
		return ""
	}
	m := hmac.New(sha256.New, key)
	return hex.EncodeToString(m.Sum(nil))
}

var ridSuffix = regexp.MustCompile(`, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

// WantErr checks an errcode and that errmsg is msg plus a rid.
func WantErr(t *testing.T, r Reply, code int, msg string) {
	t.Helper()
	if r.Code() != code {
		t.Fatalf("errcode = %d (%q), want %d", r.Code(), r.ErrMsg, code)
	}
	if !strings.HasPrefix(r.ErrMsg, msg+", rid: ") || !ridSuffix.MatchString(r.ErrMsg) {
		t.Fatalf("errmsg = %q, want %q followed by a rid", r.ErrMsg, msg)
	}
}

var ridSpaced = regexp.MustCompile(`[^,] rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

// WantPlatformErr checks an errcode and that errmsg is msg, a space and a
// rid, with no comma: how the access_token and platform APIs of §11 to §17
// write it ("access_token expired rid: 6603cba5-469df699-3597857e").
func WantPlatformErr(t *testing.T, r Reply, code int, msg string) {
	t.Helper()
	if r.Code() != code {
		t.Fatalf("errcode = %d (%q), want %d", r.Code(), r.ErrMsg, code)
	}
	if !strings.HasPrefix(r.ErrMsg, msg+" rid: ") || !ridSpaced.MatchString(r.ErrMsg) {
		t.Fatalf("errmsg = %q, want %q followed by \" rid: \" and a rid", r.ErrMsg, msg)
	}
}

// InvalidCredential is WeChat's 40001 errmsg, without its rid (§11).
const InvalidCredential = "invalid credential, access_token is invalid or not latest, " +
	"could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r"

// ControlError checks a control API error: the status and a JSON error.
func ControlError(t *testing.T, resp *http.Response, b []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want JSON", ct)
	}
	if e := Decode[struct{ Error string }](t, b); e.Error == "" {
		t.Fatalf("error body %s has no error message", b)
	}
}

func (f *Fixture) PostFault(t *testing.T, body string) {
	t.Helper()
	resp, b := Do(t, http.MethodPost, f.Srv.URL+"/emulator/faults", body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST faults %s: HTTP %d: %s", body, resp.StatusCode, b)
	}
}

type LoginCodeJSON struct {
	Code      string `json:"code"`
	User      string `json:"user"`
	OpenID    string `json:"openid"`
	UnionID   *string
	ExpiresAt string `json:"expires_at"`
}

func (f *Fixture) PostLoginCode(t *testing.T, body string) LoginCodeJSON {
	t.Helper()
	resp, b := Do(t, http.MethodPost, f.Srv.URL+"/emulator/login-codes", body)
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("POST login-codes %q: HTTP %d %q: %s", body, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return Decode[LoginCodeJSON](t, b)
}
