package control_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

type userJSON struct {
	User       string `json:"user"`
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid"`
	SessionKey string `json:"session_key"`
	Logins     int    `json:"logins"`
}

func TestControlLoginCodes(t *testing.T) {
	f := emutest.Start(t, emulator.Config{UnionID: true})
	alice := f.PostLoginCode(t, `{"user":"alice"}`)
	if alice.User != "alice" || len(alice.Code) != 32 || alice.UnionID == nil || *alice.UnionID == "" {
		t.Fatalf("login code: %+v", alice)
	}
	if want := f.Clock.Now().Add(5 * time.Minute).Format(time.RFC3339); alice.ExpiresAt != want {
		t.Fatalf("expires_at = %q, want %q", alice.ExpiresAt, want)
	}
	if r := f.Login(t, alice.Code); r.OpenID != alice.OpenID || r.UnionID != *alice.UnionID {
		t.Fatalf("the code logs in %+v, want alice's ids %+v", r, alice)
	}

	seen := map[string]bool{}
	for _, body := range []string{"", "{}", `{"user":""}`} {
		c := f.PostLoginCode(t, body)
		if c.User == "" || seen[c.User] || c.User == "alice" {
			t.Fatalf("body %q: user %q, want a fresh random user", body, c.User)
		}
		seen[c.User] = true
		if _, ok := f.Emu.User(c.User); !ok {
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
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/login-codes", body)
		t.Run(name, func(t *testing.T) { emutest.ControlError(t, resp, b, http.StatusBadRequest) })
	}

	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/login-codes", "")
	emutest.ControlError(t, resp, b, http.StatusMethodNotAllowed)
	if allow := resp.Header.Get("Allow"); allow != "POST" {
		t.Fatalf("Allow = %q, want POST", allow)
	}
}

func TestControlUsers(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/users/nobody", "")
	emutest.ControlError(t, resp, b, http.StatusNotFound)

	name := "张三 the tester"
	c := f.PostLoginCode(t, `{"user":"`+name+`"}`)
	get := func() userJSON {
		resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/users/"+url.PathEscape(name), "")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET user: HTTP %d: %s", resp.StatusCode, b)
		}
		return emutest.Decode[userJSON](t, b)
	}
	if u := get(); u.User != name || u.OpenID != c.OpenID || u.Logins != 0 || u.SessionKey != "" || u.UnionID != "" {
		t.Fatalf("before login: %+v", u)
	}
	r := f.Login(t, c.Code)
	if u := get(); u.Logins != 1 || u.SessionKey != r.SessionKey {
		t.Fatalf("after login: %+v, want the issued session_key", u)
	}
}
