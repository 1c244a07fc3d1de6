package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

type loginCodeJSON struct {
	Code      string `json:"code"`
	User      string `json:"user"`
	OpenID    string `json:"openid"`
	UnionID   *string
	ExpiresAt string `json:"expires_at"`
}

type userJSON struct {
	User       string `json:"user"`
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid"`
	SessionKey string `json:"session_key"`
	Logins     int    `json:"logins"`
}

func (f *fixture) postLoginCode(t *testing.T, body string) loginCodeJSON {
	t.Helper()
	resp, b := do(t, http.MethodPost, f.srv.URL+"/emulator/login-codes", body)
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("POST login-codes %q: HTTP %d %q: %s", body, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return decode[loginCodeJSON](t, b)
}

func TestControlLoginCodes(t *testing.T) {
	f := start(t, emulator.Config{UnionID: true})
	alice := f.postLoginCode(t, `{"user":"alice"}`)
	if alice.User != "alice" || len(alice.Code) != 32 || alice.UnionID == nil || *alice.UnionID == "" {
		t.Fatalf("login code: %+v", alice)
	}
	if want := f.clock.Now().Add(5 * time.Minute).Format(time.RFC3339); alice.ExpiresAt != want {
		t.Fatalf("expires_at = %q, want %q", alice.ExpiresAt, want)
	}
	if r := f.login(t, alice.Code); r.OpenID != alice.OpenID || r.UnionID != *alice.UnionID {
		t.Fatalf("the code logs in %+v, want alice's ids %+v", r, alice)
	}

	seen := map[string]bool{}
	for _, body := range []string{"", "{}", `{"user":""}`} {
		c := f.postLoginCode(t, body)
		if c.User == "" || seen[c.User] || c.User == "alice" {
			t.Fatalf("body %q: user %q, want a fresh random user", body, c.User)
		}
		seen[c.User] = true
		if _, ok := f.emu.User(c.User); !ok {
			t.Fatalf("random user %q not found", c.User)
		}
	}

	for name, body := range map[string]string{
		"bad JSON":       `{"user":`,
		"unknown field":  `{"usr":"alice"}`,
		"wrong type":     `{"user":42}`,
		"trailing value": `{"user":"a"} {}`,
		"slash in name":  `{"user":"a/b"}`,
		"control char":   `{"user":"a\u0007b"}`,
		"name too long":  `{"user":"` + strings.Repeat("x", 65) + `"}`,
	} {
		resp, b := do(t, http.MethodPost, f.srv.URL+"/emulator/login-codes", body)
		t.Run(name, func(t *testing.T) { controlError(t, resp, b, http.StatusBadRequest) })
	}

	resp, b := do(t, http.MethodGet, f.srv.URL+"/emulator/login-codes", "")
	controlError(t, resp, b, http.StatusMethodNotAllowed)
	if allow := resp.Header.Get("Allow"); allow != "POST" {
		t.Fatalf("Allow = %q, want POST", allow)
	}
}

func TestControlUsers(t *testing.T) {
	f := start(t, emulator.Config{})
	resp, b := do(t, http.MethodGet, f.srv.URL+"/emulator/users/nobody", "")
	controlError(t, resp, b, http.StatusNotFound)

	name := "张三 the tester"
	c := f.postLoginCode(t, `{"user":"`+name+`"}`)
	get := func() userJSON {
		resp, b := do(t, http.MethodGet, f.srv.URL+"/emulator/users/"+url.PathEscape(name), "")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET user: HTTP %d: %s", resp.StatusCode, b)
		}
		return decode[userJSON](t, b)
	}
	if u := get(); u.User != name || u.OpenID != c.OpenID || u.Logins != 0 || u.SessionKey != "" || u.UnionID != "" {
		t.Fatalf("before login: %+v", u)
	}
	r := f.login(t, c.Code)
	if u := get(); u.Logins != 1 || u.SessionKey != r.SessionKey {
		t.Fatalf("after login: %+v, want the issued session_key", u)
	}
}

func TestUnknownRoutes(t *testing.T) {
	f := start(t, emulator.Config{})
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/"},
		{http.MethodGet, "/sns/nothing"},
		{http.MethodPost, "/v3/pay/transactions/jsapi"},
		{http.MethodGet, "/emulator/users/"},
	} {
		resp, b := do(t, tc.method, f.srv.URL+tc.path, "")
		t.Run(tc.method+" "+tc.path, func(t *testing.T) { controlError(t, resp, b, http.StatusNotFound) })
	}
	resp, b := do(t, http.MethodPost, f.srv.URL+"/sns/jscode2session", "")
	controlError(t, resp, b, http.StatusMethodNotAllowed)
}

// FuzzHandler feeds arbitrary requests to a fresh emulator: it must never
// panic, and whatever it calls JSON must be JSON. Without -fuzz it runs the
// seeds as a plain test.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/sns/jscode2session?appid=%zz&js_code=&&&", "")
	f.Add("POST", "/cgi-bin/stable_token", `{"appid":[1,2],"secret":{}}`)
	f.Add("POST", "/cgi-bin/stable_token", strings.Repeat("[", 100000))
	f.Add("GET", "/wxa/checksession?access_token=&signature=%00", "")
	f.Add("POST", "/emulator/login-codes", `{"user":"\ud800"}`)
	f.Add("POST", "/emulator/faults", `{"endpoint":"jscode2session","delay_ms":9223372036854775807}`)
	f.Add("POST", "/emulator/faults", `{"endpoint":"checksession","http_status":-5,"times":-1}`)
	f.Add("DELETE", "/emulator/faults", "garbage")
	f.Add("GET", "/emulator/users/%2F..%2F", "")
	f.Add("PATCH", "/../../etc/passwd", "")
	f.Fuzz(func(t *testing.T, method, target, body string) {
		e, err := emulator.New(emulator.Config{AppID: testAppID, Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader(body))
		if err != nil || req.URL.Path == "" || req.URL.Path[0] != '/' {
			return // not a request a server could receive
		}
		rec := httptest.NewRecorder()
		e.Handler().ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		ct := rec.Header().Get("Content-Type")
		if (strings.Contains(ct, "json") || ct == "text/plain") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON body %q", rec.Body.String())
		}
	})
}
