package emulator_test

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
	testAppID  = "wx0123456789abcdef"
	testSecret = "emulator-test-secret-0123456789"
)

// clock is a settable time source for Config.Now, safe under -race.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	emu   *emulator.Emulator
	srv   *httptest.Server
	clock *clock
	appID string
}

// start runs an emulator behind a real HTTP server. cfg's AppID and Secret
// default to the test ones and Now to a fixture clock.
func start(t *testing.T, cfg emulator.Config) *fixture {
	t.Helper()
	if cfg.AppID == "" {
		cfg.AppID = testAppID
	}
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	c := newClock()
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	e, err := emulator.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	return &fixture{emu: e, srv: srv, clock: c, appID: cfg.AppID}
}

// reply is any WeChat answer; ErrCode is a pointer to tell absent from 0.
type reply struct {
	ErrCode     *int   `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	OpenID      string `json:"openid"`
	UnionID     string `json:"unionid"`
	SessionKey  string `json:"session_key"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

func (r reply) code() int {
	if r.ErrCode == nil {
		return 0
	}
	return *r.ErrCode
}

// do sends one request and returns the response (body already read).
func do(t *testing.T, method, u, body string) (*http.Response, []byte) {
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

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return v
}

// wechat calls a WeChat endpoint, requires HTTP 200 as WeChat always
// answers, and decodes the reply.
func (f *fixture) wechat(t *testing.T, method, path, body string) (reply, *http.Response, []byte) {
	t.Helper()
	resp, b := do(t, method, f.srv.URL+path, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d, want 200: %s", method, path, resp.StatusCode, b)
	}
	return decode[reply](t, b), resp, b
}

func sessionQuery(code string) url.Values {
	return url.Values{
		"appid":      {testAppID},
		"secret":     {testSecret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}
}

func (f *fixture) code2session(t *testing.T, q url.Values) reply {
	t.Helper()
	r, _, _ := f.wechat(t, http.MethodGet, "/sns/jscode2session?"+q.Encode(), "")
	return r
}

func (f *fixture) login(t *testing.T, code string) reply {
	t.Helper()
	q := sessionQuery(code)
	q.Set("appid", f.appID)
	r := f.code2session(t, q)
	if r.code() != 0 {
		t.Fatalf("code2session: errcode %d %q", r.code(), r.ErrMsg)
	}
	return r
}

func (f *fixture) mint(t *testing.T, user string) emulator.LoginCode {
	t.Helper()
	c, err := f.emu.MintCode(user)
	if err != nil {
		t.Fatalf("MintCode(%q): %v", user, err)
	}
	return c
}

func (f *fixture) token(t *testing.T, force bool) reply {
	t.Helper()
	body := `{"grant_type":"client_credential","appid":"` + testAppID + `","secret":"` + testSecret + `","force_refresh":` + map[bool]string{true: "true", false: "false"}[force] + `}`
	r, _, _ := f.wechat(t, http.MethodPost, "/cgi-bin/stable_token", body)
	if r.code() != 0 || r.AccessToken == "" {
		t.Fatalf("stable_token: %+v", r)
	}
	return r
}

func (f *fixture) checkSession(t *testing.T, token, openID, signature string) reply {
	t.Helper()
	q := url.Values{"access_token": {token}, "openid": {openID}, "signature": {signature}, "sig_method": {"hmac_sha256"}}
	r, _, _ := f.wechat(t, http.MethodGet, "/wxa/checksession?"+q.Encode(), "")
	return r
}

// sign is what the mini-program's server sends to checksession. A key that
// is not base64 gives an empty signature, which checksession refuses.
func sign(sessionKeyB64 string) string {
	key, err := base64.StdEncoding.DecodeString(sessionKeyB64)
	if err != nil {
		return ""
	}
	m := hmac.New(sha256.New, key)
	return hex.EncodeToString(m.Sum(nil))
}

var ridSuffix = regexp.MustCompile(`, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

// wantErr checks an errcode and that errmsg is msg plus a rid.
func wantErr(t *testing.T, r reply, code int, msg string) {
	t.Helper()
	if r.code() != code {
		t.Fatalf("errcode = %d (%q), want %d", r.code(), r.ErrMsg, code)
	}
	if !strings.HasPrefix(r.ErrMsg, msg+", rid: ") || !ridSuffix.MatchString(r.ErrMsg) {
		t.Fatalf("errmsg = %q, want %q followed by a rid", r.ErrMsg, msg)
	}
}

// controlError checks a control API error: the status and a JSON error.
func controlError(t *testing.T, resp *http.Response, b []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want JSON", ct)
	}
	if e := decode[struct{ Error string }](t, b); e.Error == "" {
		t.Fatalf("error body %s has no error message", b)
	}
}
