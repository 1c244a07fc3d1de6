package wechat

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

const (
	testAppID = "wx0123456789abcdef"
	// The secret has characters that URL encoding changes, so that a leak
	// of its escaped form is caught too.
	testSecret = "S3CRET/never+leak&me=7f3a9c"
)

// syncBuffer is a log sink safe for the HTTP client's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

type env struct {
	emu   *emulator.Emulator
	srv   *httptest.Server
	clock *clock
	logs  *syncBuffer
}

func newEnv(t *testing.T, unionID bool) *env {
	t.Helper()
	c := &clock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	e, err := emulator.New(emulator.Config{AppID: testAppID, Secret: testSecret, UnionID: unionID, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	return &env{emu: e, srv: srv, clock: c, logs: &syncBuffer{}}
}

// auth builds an adapter against the emulator; edit may change the config.
func (e *env) auth(t *testing.T, edit func(*AuthConfig)) *Auth {
	t.Helper()
	cfg := AuthConfig{BaseURL: e.srv.URL, AppID: testAppID, Secret: testSecret, RetryBackoff: time.Millisecond}
	if edit != nil {
		edit(&cfg)
	}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := NewAuth(cfg, nil, log)
	if err != nil {
		t.Fatalf("NewAuth: %v", err)
	}
	return a
}

func (e *env) mint(t *testing.T, user string) string {
	t.Helper()
	c, err := e.emu.MintCode(user)
	if err != nil {
		t.Fatal(err)
	}
	return c.Code
}

func (e *env) fault(t *testing.T, f emulator.Fault) {
	t.Helper()
	f.Endpoint = emulator.JSCode2Session
	if err := e.emu.InjectFault(f); err != nil {
		t.Fatal(err)
	}
}

func wantIs(t *testing.T, err error, targets ...error) {
	t.Helper()
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Fatalf("error %v does not wrap %v", err, target)
		}
	}
}

func TestNewAuthValidatesConfig(t *testing.T) {
	good := AuthConfig{BaseURL: "https://api.weixin.qq.com", AppID: "wx1", Secret: "s"}
	if _, err := NewAuth(good, nil, nil); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for name, edit := range map[string]func(*AuthConfig){
		"no base URL":       func(c *AuthConfig) { c.BaseURL = "" },
		"relative base URL": func(c *AuthConfig) { c.BaseURL = "api.weixin.qq.com" },
		"ftp base URL":      func(c *AuthConfig) { c.BaseURL = "ftp://api.weixin.qq.com" },
		"base URL query":    func(c *AuthConfig) { c.BaseURL = "https://api.weixin.qq.com?x=1" },
		"no appid":          func(c *AuthConfig) { c.AppID = "" },
		"no secret":         func(c *AuthConfig) { c.Secret = "" },
		"negative timeout":  func(c *AuthConfig) { c.Timeout = -time.Second },
		"negative backoff":  func(c *AuthConfig) { c.RetryBackoff = -time.Second },
		"unparseable base":  func(c *AuthConfig) { c.BaseURL = "http://[::1" },
		"base URL hostless": func(c *AuthConfig) { c.BaseURL = "http:///sns" },
	} {
		cfg := good
		edit(&cfg)
		_, err := NewAuth(cfg, nil, nil)
		if err == nil {
			t.Errorf("%s: NewAuth accepted %+v", name, cfg)
		}
	}
}

func TestCode2SessionSuccess(t *testing.T) {
	for _, withUnion := range []bool{false, true} {
		t.Run(map[bool]string{false: "without unionid", true: "with unionid"}[withUnion], func(t *testing.T) {
			e := newEnv(t, withUnion)
			c, err := e.emu.MintCode("alice")
			if err != nil {
				t.Fatal(err)
			}
			id, err := e.auth(t, nil).Code2Session(context.Background(), c.Code)
			if err != nil {
				t.Fatalf("Code2Session: %v", err)
			}
			if err := id.Validate(); err != nil {
				t.Fatalf("identity invalid: %v", err)
			}
			if id.OpenID != c.OpenID || id.UnionID != c.UnionID || (withUnion && id.UnionID == "") {
				t.Fatalf("identity %q/%q, want %q/%q", id.OpenID, id.UnionID, c.OpenID, c.UnionID)
			}
			u, _ := e.emu.User("alice")
			if got := base64.StdEncoding.EncodeToString(id.SessionKey.Bytes()); got != u.SessionKey {
				t.Fatal("session key differs from the one WeChat issued")
			}
			if strings.Contains(e.logs.String(), u.SessionKey) {
				t.Fatalf("the session_key was logged: %s", e.logs)
			}
		})
	}
}

func TestInvalidCodes(t *testing.T) {
	e := newEnv(t, false)
	a := e.auth(t, nil)
	ctx := context.Background()

	_, err := a.Code2Session(ctx, "no-such-code")
	wantIs(t, err, domain.ErrInvalidCode)
	if !strings.Contains(err.Error(), "40029") || !strings.Contains(err.Error(), "invalid code") {
		t.Fatalf("error %q lacks WeChat's errcode and errmsg", err)
	}

	used := e.mint(t, "alice")
	if _, err := a.Code2Session(ctx, used); err != nil {
		t.Fatal(err)
	}
	_, err = a.Code2Session(ctx, used)
	wantIs(t, err, domain.ErrInvalidCode)
	if !strings.Contains(err.Error(), "40163") {
		t.Fatalf("reuse error %q, want errcode 40163", err)
	}

	expired := e.mint(t, "alice")
	e.clock.Advance(6 * time.Minute)
	_, err = a.Code2Session(ctx, expired)
	wantIs(t, err, domain.ErrInvalidCode)

	// A code is escaped: characters that would add query parameters are
	// sent as part of the code, which WeChat then does not know.
	_, err = a.Code2Session(ctx, "x&appid=wx-evil&secret=y")
	wantIs(t, err, domain.ErrInvalidCode)

	_, err = a.Code2Session(ctx, "")
	wantIs(t, err, domain.ErrInvalidCode)
}

func TestMappedErrcodes(t *testing.T) {
	e := newEnv(t, false)
	a := e.auth(t, nil)
	code := e.mint(t, "alice")
	for _, tc := range []struct {
		errcode int
		want    error
	}{
		{45011, domain.ErrRateLimited},
		{40226, domain.ErrUserBlocked},
		{40001, domain.ErrWeChatUnavailable}, // one we have no better meaning for
	} {
		e.fault(t, emulator.Fault{ErrCode: tc.errcode})
		_, err := a.Code2Session(context.Background(), code)
		wantIs(t, err, tc.want)
	}
}

func TestRetriesOnceOnSystemError(t *testing.T) {
	e := newEnv(t, false)
	a := e.auth(t, nil)
	ctx := context.Background()

	e.fault(t, emulator.Fault{ErrCode: -1})
	if _, err := a.Code2Session(ctx, e.mint(t, "alice")); err != nil {
		t.Fatalf("-1 then success: %v", err)
	}

	// Three queued -1s: the first login uses exactly two of them (one
	// retry), the next login meets the third and retries into success.
	code := e.mint(t, "alice")
	e.fault(t, emulator.Fault{ErrCode: -1, Times: 3})
	_, err := a.Code2Session(ctx, code)
	wantIs(t, err, domain.ErrWeChatUnavailable)
	if errors.Is(err, domain.ErrInvalidCode) || !strings.Contains(err.Error(), "-1") {
		t.Fatalf("error %q, want errcode -1 and only unavailable", err)
	}
	if _, err := a.Code2Session(ctx, code); err != nil {
		t.Fatalf("the code must be unused after -1 answers: %v", err)
	}
	if u, _ := e.emu.User("alice"); u.Logins != 2 {
		t.Fatalf("logins = %d, want 2", u.Logins)
	}
}

func TestOwnMisconfigurationIsUnavailableAndLoggedAsError(t *testing.T) {
	for name, tc := range map[string]struct {
		edit    func(*AuthConfig)
		errcode float64
	}{
		"wrong secret": {func(c *AuthConfig) { c.Secret = "wrong" }, 40125},
		"wrong appid":  {func(c *AuthConfig) { c.AppID = "wx-wrong" }, 40013},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, false)
			_, err := e.auth(t, tc.edit).Code2Session(context.Background(), e.mint(t, "alice"))
			wantIs(t, err, domain.ErrWeChatUnavailable)
			if !hasLog(t, e.logs.String(), "ERROR", tc.errcode) {
				t.Fatalf("no ERROR log with errcode %v in %s", tc.errcode, e.logs)
			}
		})
	}
}

// hasLog reports whether a JSON log line has this level and errcode.
func hasLog(t *testing.T, logs, level string, errcode float64) bool {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["level"] == level && rec["errcode"] == errcode {
			return true
		}
	}
	return false
}

func TestTimeoutPerAttempt(t *testing.T) {
	e := newEnv(t, false)
	a := e.auth(t, func(c *AuthConfig) { c.Timeout = 50 * time.Millisecond })
	e.fault(t, emulator.Fault{Delay: time.Minute})
	code := e.mint(t, "alice")
	err := returnsWithin(t, 10*time.Second, func() error {
		_, err := a.Code2Session(context.Background(), code)
		return err
	})
	wantIs(t, err, domain.ErrWeChatUnavailable)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Fatalf("a timeout of ours must not look like the caller's context: %v", err)
	}
	if _, err := a.Code2Session(context.Background(), code); err != nil {
		t.Fatalf("after the timed-out attempt: %v", err)
	}
}

func TestCallerCancellation(t *testing.T) {
	t.Run("during the request", func(t *testing.T) {
		e := newEnv(t, false)
		a := e.auth(t, nil) // default 5s timeout: only the caller can end this
		e.fault(t, emulator.Fault{Delay: time.Minute})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := returnsWithin(t, 10*time.Second, func() error {
			_, err := a.Code2Session(ctx, e.mint(t, "alice"))
			return err
		})
		wantIs(t, err, context.Canceled, domain.ErrWeChatUnavailable)
	})
	t.Run("during the retry backoff", func(t *testing.T) {
		e := newEnv(t, false)
		a := e.auth(t, func(c *AuthConfig) { c.RetryBackoff = time.Hour })
		e.fault(t, emulator.Fault{ErrCode: -1})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := returnsWithin(t, 10*time.Second, func() error {
			_, err := a.Code2Session(ctx, e.mint(t, "alice"))
			return err
		})
		wantIs(t, err, context.Canceled, domain.ErrWeChatUnavailable)
	})
	t.Run("caller deadline", func(t *testing.T) {
		e := newEnv(t, false)
		a := e.auth(t, nil)
		e.fault(t, emulator.Fault{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := a.Code2Session(ctx, e.mint(t, "alice"))
		wantIs(t, err, context.DeadlineExceeded, domain.ErrWeChatUnavailable)
	})
}

// returnsWithin runs fn and fails the test if it hangs; the bound is only
// there to turn a hang into a failure.
func returnsWithin(t *testing.T, bound time.Duration, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(bound):
		t.Fatalf("still running after %s", bound)
		return nil
	}
}

func TestUnusableAnswers(t *testing.T) {
	e := newEnv(t, false)
	a := e.auth(t, nil)
	code := e.mint(t, "alice")
	for name, f := range map[string]emulator.Fault{
		"gateway 502":           {HTTPStatus: http.StatusBadGateway},
		"200 with HTML":         {HTTPStatus: http.StatusOK},
		"503 with JSON errcode": {HTTPStatus: http.StatusServiceUnavailable, ErrCode: 40029},
	} {
		e.fault(t, f)
		_, err := a.Code2Session(context.Background(), code)
		if !errors.Is(err, domain.ErrWeChatUnavailable) || errors.Is(err, domain.ErrInvalidCode) {
			t.Errorf("%s: %v, want only ErrWeChatUnavailable", name, err)
		}
	}

	// An answer bigger than any real one is refused rather than read whole.
	// This server is not WeChat-like at all, so it is not the emulator.
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"errmsg":"` + strings.Repeat("x", 100<<10) + `","openid":"o","session_key":"AAAAAAAAAAAAAAAAAAAAAA=="}`))
	}))
	defer huge.Close()
	_, err := e.auth(t, func(c *AuthConfig) { c.BaseURL = huge.URL }).Code2Session(context.Background(), "c")
	wantIs(t, err, domain.ErrWeChatUnavailable)
}

func TestIncompleteSuccessIsUnavailable(t *testing.T) {
	a := newEnv(t, false).auth(t, nil)
	key := base64.StdEncoding.EncodeToString(make([]byte, 16))
	for name, r := range map[string]code2sessionReply{
		"no openid":        {SessionKey: key},
		"no session_key":   {OpenID: "o123"},
		"short key":        {OpenID: "o123", SessionKey: base64.StdEncoding.EncodeToString(make([]byte, 8))},
		"key is not b64":   {OpenID: "o123", SessionKey: "!!!"},
		"unknown errcode":  {ErrCode: 99999, OpenID: "o123", SessionKey: key},
		"errcode -1 again": {ErrCode: -1},
	} {
		if _, err := a.interpret(context.Background(), r); !errors.Is(err, domain.ErrWeChatUnavailable) {
			t.Errorf("%s: %v, want ErrWeChatUnavailable", name, err)
		}
	}
}

func TestBaseURLForms(t *testing.T) {
	e := newEnv(t, false)
	mux := http.NewServeMux()
	mux.Handle("/wx/", http.StripPrefix("/wx", e.emu.Handler()))
	prefixed := httptest.NewServer(mux)
	defer prefixed.Close()
	for _, base := range []string{e.srv.URL + "/", prefixed.URL + "/wx", prefixed.URL + "/wx/"} {
		a := e.auth(t, func(c *AuthConfig) { c.BaseURL = base })
		if _, err := a.Code2Session(context.Background(), e.mint(t, "alice")); err != nil {
			t.Errorf("BaseURL %q: %v", base, err)
		}
	}
}

func TestSecretNeverInErrorsOrLogs(t *testing.T) {
	e := newEnv(t, false)
	a := e.auth(t, func(c *AuthConfig) { c.Timeout = 50 * time.Millisecond })
	ctx := context.Background()
	var errs []error
	collect := func(_ domain.WeChatIdentity, err error) {
		if err == nil {
			t.Fatal("expected a failure")
		}
		errs = append(errs, err)
	}

	collect(a.Code2Session(ctx, "unknown"))
	collect(e.auth(t, func(c *AuthConfig) { c.AppID = "wx-wrong" }).Code2Session(ctx, "x"))
	e.fault(t, emulator.Fault{ErrCode: -1, Times: 2})
	collect(a.Code2Session(ctx, "x"))
	e.fault(t, emulator.Fault{HTTPStatus: http.StatusBadGateway})
	collect(a.Code2Session(ctx, "x"))
	e.fault(t, emulator.Fault{HTTPStatus: http.StatusOK})
	collect(a.Code2Session(ctx, "x"))
	e.fault(t, emulator.Fault{Delay: time.Minute})
	collect(a.Code2Session(ctx, "x"))
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	collect(a.Code2Session(cancelled, "x"))
	// Even if WeChat echoed the secret back, it must not pass through.
	e.fault(t, emulator.Fault{ErrCode: 40125, ErrMsg: "invalid appsecret " + testSecret + " " + url.QueryEscape(testSecret)})
	collect(a.Code2Session(ctx, "x"))

	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there any more: connection refused
	collect(e.auth(t, func(c *AuthConfig) { c.BaseURL = gone.URL }).Code2Session(ctx, "x"))

	for _, err := range errs {
		for _, form := range []string{testSecret, url.QueryEscape(testSecret)} {
			if strings.Contains(err.Error(), form) {
				t.Errorf("error leaks the secret: %q", err)
			}
		}
	}
	logs := e.logs.String()
	if logs == "" {
		t.Fatal("nothing was logged")
	}
	for _, form := range []string{testSecret, url.QueryEscape(testSecret)} {
		if strings.Contains(logs, form) {
			t.Errorf("logs leak the secret: %s", logs)
		}
	}
}
