package api_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
)

// The README walk-through: mint code → login → /v1/me → logout → 401.
func TestLoginMeLogout(t *testing.T) {
	h := newHarness(t)
	code, err := h.emu.MintCode("alice")
	if err != nil {
		t.Fatal(err)
	}
	var login api.LoginResponse
	res := h.do("POST", "/v1/auth/login", "", api.LoginRequest{Code: code.Code}, &login)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login status %d", res.StatusCode)
	}
	if login.User.Openid != code.OpenID || login.TokenType != api.Bearer {
		t.Fatalf("login = %+v, want openid %s", login, code.OpenID)
	}
	if want := h.clock.Now().Add(ttl); !login.ExpiresAt.Equal(want) {
		t.Fatalf("expires_at = %v, want %v", login.ExpiresAt, want)
	}

	var me api.User
	if res := h.do("GET", "/v1/me", login.Token, nil, &me); res.StatusCode != http.StatusOK {
		t.Fatalf("/v1/me status %d", res.StatusCode)
	}
	if me.Id != login.User.Id || me.Openid != code.OpenID {
		t.Fatalf("/v1/me = %+v, want user %v", me, login.User.Id)
	}

	if res := h.do("POST", "/v1/auth/logout", login.Token, nil, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout status %d", res.StatusCode)
	}
	var p api.Problem
	res = h.do("GET", "/v1/me", login.Token, nil, &p)
	wantProblem(t, res, p, http.StatusUnauthorized, api.ProblemCodeUnauthorized)
	if res.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	res = h.do("POST", "/v1/auth/logout", login.Token, nil, &p)
	wantProblem(t, res, p, http.StatusUnauthorized, api.ProblemCodeUnauthorized)

	// Nothing secret reached the logs: not the token, not the code, not
	// the session key WeChat gave, not the app secret.
	u, _ := h.emu.User("alice")
	logs := h.logs.String()
	for name, secret := range map[string]string{"token": login.Token, "code": code.Code, "session_key": u.SessionKey, "app secret": "apitest-secret"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain the %s", name)
		}
	}
}

func TestLoginAgainKeepsUserAndReplacesSessionKey(t *testing.T) {
	h := newHarness(t)
	first := h.login("bob")
	u1, _ := h.emu.User("bob")
	second := h.login("bob")
	u2, _ := h.emu.User("bob")

	if first.User.Id != second.User.Id {
		t.Fatalf("second login made a new user: %v vs %v", first.User.Id, second.User.Id)
	}
	if u1.SessionKey == u2.SessionKey {
		t.Fatal("emulator gave the same session key twice")
	}
	stored, err := h.store.SessionKey(t.Context(), second.User.Id)
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.StdEncoding.EncodeToString(stored.Bytes()); got != u2.SessionKey {
		t.Fatalf("stored session key %s, want the newest %s", got, u2.SessionKey)
	}
	// Both tokens stay valid: a second device logging in does not log the first out.
	for _, tok := range []string{first.Token, second.Token} {
		if res := h.do("GET", "/v1/me", tok, nil, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("/v1/me status %d", res.StatusCode)
		}
	}
	// Different users get different accounts.
	if other := h.login("carol"); other.User.Id == first.User.Id {
		t.Fatal("carol got bob's account")
	}
}

func TestLoginRefusalsBecomeProblems(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name       string
		fault      *emulator.Fault
		reuse      bool
		code       string
		status     int
		problem    api.ProblemCode
		retryAfter bool
	}{
		{name: "unknown code", code: "no-such-code", status: 401, problem: api.ProblemCodeInvalidCode},
		{name: "code used twice", reuse: true, status: 401, problem: api.ProblemCodeInvalidCode},
		{name: "40029", fault: &emulator.Fault{ErrCode: 40029}, status: 401, problem: api.ProblemCodeInvalidCode},
		{name: "45011 rate limited", fault: &emulator.Fault{ErrCode: 45011}, status: 429, problem: api.ProblemCodeRateLimited, retryAfter: true},
		{name: "40226 blocked", fault: &emulator.Fault{ErrCode: 40226}, status: 403, problem: api.ProblemCodeUserBlocked},
		{name: "-1 twice", fault: &emulator.Fault{ErrCode: -1, Times: 2}, status: 503, problem: api.ProblemCodeWechatUnavailable, retryAfter: true},
		{name: "gateway error", fault: &emulator.Fault{HTTPStatus: 502}, status: 503, problem: api.ProblemCodeWechatUnavailable, retryAfter: true},
		{name: "our secret refused", fault: &emulator.Fault{ErrCode: 40125}, status: 503, problem: api.ProblemCodeWechatUnavailable, retryAfter: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.emu.ClearFaults()
			code := c.code
			if code == "" {
				minted, err := h.emu.MintCode("")
				if err != nil {
					t.Fatal(err)
				}
				code = minted.Code
			}
			if c.reuse {
				if res := h.do("POST", "/v1/auth/login", "", api.LoginRequest{Code: code}, nil); res.StatusCode != 200 {
					t.Fatalf("first use: %d", res.StatusCode)
				}
			}
			if c.fault != nil {
				f := *c.fault
				f.Endpoint = emulator.JSCode2Session
				if err := h.emu.InjectFault(f); err != nil {
					t.Fatal(err)
				}
			}
			var p api.Problem
			res := h.do("POST", "/v1/auth/login", "", api.LoginRequest{Code: code}, &p)
			wantProblem(t, res, p, c.status, c.problem)
			if got := res.Header.Get("Retry-After") != ""; got != c.retryAfter {
				t.Errorf("Retry-After present = %v, want %v", got, c.retryAfter)
			}
			if p.Detail == nil || strings.Contains(*p.Detail, "errcode") || strings.Contains(*p.Detail, "rid") {
				t.Errorf("detail leaks WeChat internals: %v", p.Detail)
			}
		})
	}
}

func TestLoginRetriesOnceWhenWeChatIsBusy(t *testing.T) {
	h := newHarness(t)
	code, _ := h.emu.MintCode("dave")
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSCode2Session, ErrCode: -1}); err != nil {
		t.Fatal(err)
	}
	var out api.LoginResponse
	if res := h.do("POST", "/v1/auth/login", "", api.LoginRequest{Code: code.Code}, &out); res.StatusCode != 200 {
		t.Fatalf("status %d, want 200 after one retry", res.StatusCode)
	}
	if out.User.Openid != code.OpenID {
		t.Fatalf("openid %s, want %s", out.User.Openid, code.OpenID)
	}
}

func TestTokenExpires(t *testing.T) {
	h := newHarness(t)
	login := h.login("erin")
	h.clock.Advance(ttl - time.Second)
	if res := h.do("GET", "/v1/me", login.Token, nil, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("one second before expiry: %d", res.StatusCode)
	}
	h.clock.Advance(time.Second)
	var p api.Problem
	res := h.do("GET", "/v1/me", login.Token, nil, &p)
	wantProblem(t, res, p, http.StatusUnauthorized, api.ProblemCodeUnauthorized)
}

func TestBadTokensAreUnauthorized(t *testing.T) {
	h := newHarness(t)
	real := h.login("frank").Token
	for name, header := range map[string]string{
		"missing":          "",
		"other scheme":     "Basic " + real,
		"empty bearer":     "Bearer ",
		"garbage":          "Bearer not-a-token",
		"unknown token":    "Bearer wxmp_" + strings.Repeat("A", 43),
		"truncated token":  "Bearer " + real[:len(real)-1],
		"token with extra": "Bearer " + real + "x",
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", h.url+"/v1/me", nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			var p api.Problem
			res := h.send(req, &p)
			wantProblem(t, res, p, http.StatusUnauthorized, api.ProblemCodeUnauthorized)
		})
	}
	// The scheme is case-insensitive (RFC 9110).
	req, _ := http.NewRequest("GET", h.url+"/v1/me", nil)
	req.Header.Set("Authorization", "bearer "+real)
	if res := h.send(req, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("lower-case scheme: %d", res.StatusCode)
	}
}
