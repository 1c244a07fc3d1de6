package emulator_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]emulator.Config{
		"no appid":         {Secret: "s"},
		"no secret":        {AppID: "wx1"},
		"negative CodeTTL": {AppID: "wx1", Secret: "s", CodeTTL: -time.Second},
	} {
		if _, err := emulator.New(cfg); err == nil {
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
	if _, err := emulator.New(emulator.Config{AppID: "wx1", Secret: "s"}); err != nil {
		t.Fatalf("minimal config: %v", err)
	}
}

func TestCode2SessionSuccess(t *testing.T) {
	for _, withUnion := range []bool{false, true} {
		t.Run(map[bool]string{false: "without unionid", true: "with unionid"}[withUnion], func(t *testing.T) {
			f := start(t, emulator.Config{UnionID: withUnion})
			c := f.mint(t, "alice")
			r, resp, raw := f.wechat(t, http.MethodGet, "/sns/jscode2session?"+sessionQuery(c.Code).Encode(), "")

			if ct := resp.Header.Get("Content-Type"); ct != "text/plain" {
				t.Errorf("Content-Type = %q, want text/plain like WeChat", ct)
			}
			fields := decode[map[string]any](t, raw)
			if _, ok := fields["errcode"]; ok {
				t.Errorf("success carries errcode: %s", raw)
			}
			if r.OpenID != c.OpenID || len(r.OpenID) != 28 || !strings.HasPrefix(r.OpenID, "o") {
				t.Errorf("openid = %q, want the minted %q (28 chars)", r.OpenID, c.OpenID)
			}
			key, err := base64.StdEncoding.DecodeString(r.SessionKey)
			if err != nil || len(key) != 16 {
				t.Errorf("session_key %q is not base64 of 16 bytes", r.SessionKey)
			}
			_, hasUnion := fields["unionid"]
			if hasUnion != withUnion || r.UnionID != c.UnionID || (withUnion && r.UnionID == "") {
				t.Errorf("unionid = %q (present %v), minted %q, want present %v", r.UnionID, hasUnion, c.UnionID, withUnion)
			}
			u, ok := f.emu.User("alice")
			if !ok || u.SessionKey != r.SessionKey || u.Logins != 1 || u.OpenID != r.OpenID {
				t.Errorf("User(alice) = %+v, %v; want the session_key just issued and 1 login", u, ok)
			}
		})
	}
}

func TestCode2SessionRequestErrors(t *testing.T) {
	f := start(t, emulator.Config{})
	c := f.mint(t, "alice")
	cases := []struct {
		name  string
		edit  func(q map[string][]string)
		code  int
		errms string
	}{
		{"missing appid", func(q map[string][]string) { delete(q, "appid") }, 41002, "appid missing"},
		{"missing secret", func(q map[string][]string) { delete(q, "secret") }, 41004, "appsecret missing"},
		{"missing js_code", func(q map[string][]string) { delete(q, "js_code") }, 41008, "missing code"},
		{"wrong appid", func(q map[string][]string) { q["appid"] = []string{"wx-other"} }, 40013, "invalid appid"},
		{"wrong secret", func(q map[string][]string) { q["secret"] = []string{"nope"} }, 40125, "invalid appsecret"},
		{"wrong grant_type", func(q map[string][]string) { q["grant_type"] = []string{"client_credential"} }, 40002, "invalid grant_type"},
		{"missing grant_type", func(q map[string][]string) { delete(q, "grant_type") }, 40002, "invalid grant_type"},
		{"unknown code", func(q map[string][]string) { q["js_code"] = []string{"not-a-code"} }, 40029, "invalid code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := sessionQuery(c.Code)
			tc.edit(q)
			wantErr(t, f.code2session(t, q), tc.code, tc.errms)
		})
	}
	// None of the refused calls spent the code.
	f.login(t, c.Code)
}

func TestCodeIsSingleUse(t *testing.T) {
	f := start(t, emulator.Config{})
	c := f.mint(t, "alice")
	f.login(t, c.Code)
	wantErr(t, f.code2session(t, sessionQuery(c.Code)), 40163, "code been used")
	if u, _ := f.emu.User("alice"); u.Logins != 1 {
		t.Fatalf("logins = %d after a reused code, want 1", u.Logins)
	}
}

func TestCodeExpiry(t *testing.T) {
	t.Run("default five minutes", func(t *testing.T) {
		f := start(t, emulator.Config{})
		early, late, used := f.mint(t, "alice"), f.mint(t, "alice"), f.mint(t, "bob")
		if want := f.clock.Now().Add(5 * time.Minute); !early.ExpiresAt.Equal(want) {
			t.Fatalf("ExpiresAt = %v, want %v", early.ExpiresAt, want)
		}
		f.login(t, used.Code)
		f.clock.Advance(5*time.Minute - time.Second)
		f.login(t, early.Code)
		f.clock.Advance(time.Second)
		wantErr(t, f.code2session(t, sessionQuery(late.Code)), 40029, "invalid code")
		// A used code that has expired is just an invalid code, whether or
		// not minting a new code has pruned it.
		wantErr(t, f.code2session(t, sessionQuery(used.Code)), 40029, "invalid code")
		f.mint(t, "carol")
		wantErr(t, f.code2session(t, sessionQuery(used.Code)), 40029, "invalid code")
	})
	t.Run("configured TTL", func(t *testing.T) {
		f := start(t, emulator.Config{CodeTTL: time.Minute})
		c := f.mint(t, "alice")
		f.clock.Advance(time.Minute)
		wantErr(t, f.code2session(t, sessionQuery(c.Code)), 40029, "invalid code")
	})
}

func TestIdentifiersAreStable(t *testing.T) {
	a := start(t, emulator.Config{UnionID: true})
	again := start(t, emulator.Config{UnionID: true}) // e.g. after a restart
	other := start(t, emulator.Config{AppID: "wx-another-app", UnionID: true})

	first := a.login(t, a.mint(t, "alice").Code)
	second := a.login(t, a.mint(t, "alice").Code)
	bob := a.login(t, a.mint(t, "bob").Code)
	restarted := again.login(t, again.mint(t, "alice").Code)
	otherApp := other.login(t, other.mint(t, "alice").Code)

	if first.OpenID != second.OpenID || first.OpenID != restarted.OpenID {
		t.Errorf("alice's openid changed: %q, %q, %q", first.OpenID, second.OpenID, restarted.OpenID)
	}
	if bob.OpenID == first.OpenID || bob.UnionID == first.UnionID {
		t.Errorf("bob shares alice's ids: %+v", bob)
	}
	if otherApp.OpenID == first.OpenID {
		t.Errorf("openid %q is the same for two appids", first.OpenID)
	}
	if otherApp.UnionID != first.UnionID || first.UnionID == "" || first.UnionID == first.OpenID {
		t.Errorf("unionid must be one per user across appids: %q vs %q", first.UnionID, otherApp.UnionID)
	}
}

func TestEachLoginGetsAFreshSessionKey(t *testing.T) {
	f := start(t, emulator.Config{})
	first := f.login(t, f.mint(t, "alice").Code)
	second := f.login(t, f.mint(t, "alice").Code)
	if first.SessionKey == second.SessionKey {
		t.Fatalf("two logins got the same session_key")
	}
	u, _ := f.emu.User("alice")
	if u.SessionKey != second.SessionKey || u.Logins != 2 {
		t.Fatalf("User(alice) = %d logins, key current %v; want 2 and the latest key", u.Logins, u.SessionKey == second.SessionKey)
	}
}

func TestStableToken(t *testing.T) {
	f := start(t, emulator.Config{})
	first := f.token(t, false)
	if first.ExpiresIn != 7200 || len(first.AccessToken) < 32 {
		t.Fatalf("first token: %+v, want expires_in 7200", first)
	}
	f.clock.Advance(100 * time.Second)
	same := f.token(t, false)
	if same.AccessToken != first.AccessToken || same.ExpiresIn != 7100 {
		t.Fatalf("token within its life: %+v, want the same token with 7100s left", same)
	}
	refreshed := f.token(t, true)
	if refreshed.AccessToken == first.AccessToken || refreshed.ExpiresIn != 7200 {
		t.Fatalf("force_refresh: %+v, want a new token", refreshed)
	}
	alice := f.login(t, f.mint(t, "alice").Code)
	wantErr(t, f.checkSession(t, first.AccessToken, alice.OpenID, sign(alice.SessionKey)), 40001, "invalid credential, access_token is invalid or not latest")

	f.clock.Advance(7200 * time.Second)
	expiredThenNew := f.token(t, false)
	if expiredThenNew.AccessToken == refreshed.AccessToken {
		t.Fatalf("an expired token was handed out again")
	}

	for _, tc := range []struct {
		name, body string
		code       int
		msg        string
	}{
		{"wrong appid", `{"grant_type":"client_credential","appid":"wx-other","secret":"` + testSecret + `"}`, 40013, "invalid appid"},
		{"wrong secret", `{"grant_type":"client_credential","appid":"` + testAppID + `","secret":"nope"}`, 40125, "invalid appsecret"},
		{"wrong grant_type", `{"grant_type":"authorization_code","appid":"` + testAppID + `","secret":"` + testSecret + `"}`, 40002, "invalid grant_type"},
		{"missing appid", `{"grant_type":"client_credential","secret":"` + testSecret + `"}`, 41002, "appid missing"},
		{"missing secret", `{"grant_type":"client_credential","appid":"` + testAppID + `"}`, 41004, "appsecret missing"},
		{"not JSON", `grant_type=client_credential`, 47001, "data format error"},
		{"empty body", ``, 47001, "data format error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, _ := f.wechat(t, http.MethodPost, "/cgi-bin/stable_token", tc.body)
			wantErr(t, r, tc.code, tc.msg)
		})
	}
}

func TestCheckSession(t *testing.T) {
	f := start(t, emulator.Config{})
	token := f.token(t, false).AccessToken
	first := f.login(t, f.mint(t, "alice").Code)
	r := f.checkSession(t, token, first.OpenID, sign(first.SessionKey))
	if r.code() != 0 || r.ErrCode == nil || r.ErrMsg != "ok" {
		t.Fatalf("current key: %+v, want errcode 0 ok", r)
	}

	second := f.login(t, f.mint(t, "alice").Code)
	wantErr(t, f.checkSession(t, token, first.OpenID, sign(first.SessionKey)), 87009, "invalid signature")
	if r := f.checkSession(t, token, second.OpenID, sign(second.SessionKey)); r.code() != 0 {
		t.Fatalf("new key refused: %+v", r)
	}
	// Upper-case hex is the same signature.
	if r := f.checkSession(t, token, second.OpenID, strings.ToUpper(sign(second.SessionKey))); r.code() != 0 {
		t.Fatalf("upper-case hex refused: %+v", r)
	}

	never := f.mint(t, "never-logged-in")
	good := sign(second.SessionKey)
	wantErr(t, f.checkSession(t, token, "o-unknown", good), 87009, "invalid signature")
	wantErr(t, f.checkSession(t, token, never.OpenID, good), 87009, "invalid signature")
	wantErr(t, f.checkSession(t, token, second.OpenID, "zz-not-hex"), 87009, "invalid signature")
	wantErr(t, f.checkSession(t, token, second.OpenID, ""), 87009, "invalid signature")
	wantErr(t, f.checkSession(t, "bogus", second.OpenID, good), 40001, "invalid credential, access_token is invalid or not latest")
	wantErr(t, f.checkSession(t, "", second.OpenID, good), 41001, "access_token missing")

	r, _, _ = f.wechat(t, http.MethodGet, "/wxa/checksession?access_token="+token+"&openid="+second.OpenID+"&signature="+good+"&sig_method=md5", "")
	wantErr(t, r, 87009, "invalid sig_method")

	f.clock.Advance(2 * time.Hour)
	wantErr(t, f.checkSession(t, token, second.OpenID, good), 40001, "invalid credential, access_token is invalid or not latest")
}
