package login_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestCode2SessionSuccess(t *testing.T) {
	for _, withUnion := range []bool{false, true} {
		t.Run(map[bool]string{false: "without unionid", true: "with unionid"}[withUnion], func(t *testing.T) {
			f := emutest.Start(t, emulator.Config{UnionID: withUnion})
			c := f.Mint(t, "alice")
			r, resp, raw := f.WeChat(t, http.MethodGet, "/sns/jscode2session?"+emutest.SessionQuery(c.Code).Encode(), "")

			if ct := resp.Header.Get("Content-Type"); ct != "text/plain" {
				t.Errorf("Content-Type = %q, want text/plain like WeChat", ct)
			}
			fields := emutest.Decode[map[string]any](t, raw)
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
			u, ok := f.Emu.User("alice")
			if !ok || u.SessionKey != r.SessionKey || u.Logins != 1 || u.OpenID != r.OpenID {
				t.Errorf("User(alice) = %+v, %v; want the session_key just issued and 1 login", u, ok)
			}
		})
	}
}

func TestCode2SessionRequestErrors(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := f.Mint(t, "alice")
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
			q := emutest.SessionQuery(c.Code)
			tc.edit(q)
			emutest.WantErr(t, f.Code2Session(t, q), tc.code, tc.errms)
		})
	}
	// None of the refused calls spent the code.
	f.Login(t, c.Code)
}

func TestCodeIsSingleUse(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := f.Mint(t, "alice")
	f.Login(t, c.Code)
	emutest.WantErr(t, f.Code2Session(t, emutest.SessionQuery(c.Code)), 40163, "code been used")
	if u, _ := f.Emu.User("alice"); u.Logins != 1 {
		t.Fatalf("logins = %d after a reused code, want 1", u.Logins)
	}
}

func TestCodeExpiry(t *testing.T) {
	t.Run("default five minutes", func(t *testing.T) {
		f := emutest.Start(t, emulator.Config{})
		early, late, used := f.Mint(t, "alice"), f.Mint(t, "alice"), f.Mint(t, "bob")
		if want := f.Clock.Now().Add(5 * time.Minute); !early.ExpiresAt.Equal(want) {
			t.Fatalf("ExpiresAt = %v, want %v", early.ExpiresAt, want)
		}
		f.Login(t, used.Code)
		f.Clock.Advance(5*time.Minute - time.Second)
		f.Login(t, early.Code)
		f.Clock.Advance(time.Second)
		emutest.WantErr(t, f.Code2Session(t, emutest.SessionQuery(late.Code)), 40029, "invalid code")
		// A used code that has expired is just an invalid code, whether or
		// not minting a new code has pruned it.
		emutest.WantErr(t, f.Code2Session(t, emutest.SessionQuery(used.Code)), 40029, "invalid code")
		f.Mint(t, "carol")
		emutest.WantErr(t, f.Code2Session(t, emutest.SessionQuery(used.Code)), 40029, "invalid code")
	})
	t.Run("configured TTL", func(t *testing.T) {
		f := emutest.Start(t, emulator.Config{CodeTTL: time.Minute})
		c := f.Mint(t, "alice")
		f.Clock.Advance(time.Minute)
		emutest.WantErr(t, f.Code2Session(t, emutest.SessionQuery(c.Code)), 40029, "invalid code")
	})
}

func TestIdentifiersAreStable(t *testing.T) {
	a := emutest.Start(t, emulator.Config{UnionID: true})
	again := emutest.Start(t, emulator.Config{UnionID: true}) // e.g. after a restart
	other := emutest.Start(t, emulator.Config{AppID: "wx-another-app", UnionID: true})

	first := a.Login(t, a.Mint(t, "alice").Code)
	second := a.Login(t, a.Mint(t, "alice").Code)
	bob := a.Login(t, a.Mint(t, "bob").Code)
	restarted := again.Login(t, again.Mint(t, "alice").Code)
	otherApp := other.Login(t, other.Mint(t, "alice").Code)

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
	f := emutest.Start(t, emulator.Config{})
	first := f.Login(t, f.Mint(t, "alice").Code)
	second := f.Login(t, f.Mint(t, "alice").Code)
	if first.SessionKey == second.SessionKey {
		t.Fatalf("two logins got the same session_key")
	}
	u, _ := f.Emu.User("alice")
	if u.SessionKey != second.SessionKey || u.Logins != 2 {
		t.Fatalf("User(alice) = %d logins, key current %v; want 2 and the latest key", u.Logins, u.SessionKey == second.SessionKey)
	}
}

func TestCheckSession(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	token := f.Token(t, false).AccessToken
	first := f.Login(t, f.Mint(t, "alice").Code)
	r := f.CheckSession(t, token, first.OpenID, emutest.Sign(first.SessionKey))
	if r.Code() != 0 || r.ErrCode == nil || r.ErrMsg != "ok" {
		t.Fatalf("current key: %+v, want errcode 0 ok", r)
	}

	second := f.Login(t, f.Mint(t, "alice").Code)
	emutest.WantErr(t, f.CheckSession(t, token, first.OpenID, emutest.Sign(first.SessionKey)), 87009, "invalid signature")
	if r := f.CheckSession(t, token, second.OpenID, emutest.Sign(second.SessionKey)); r.Code() != 0 {
		t.Fatalf("new key refused: %+v", r)
	}
	// Upper-case hex is the same signature.
	if r := f.CheckSession(t, token, second.OpenID, strings.ToUpper(emutest.Sign(second.SessionKey))); r.Code() != 0 {
		t.Fatalf("upper-case hex refused: %+v", r)
	}

	never := f.Mint(t, "never-logged-in")
	good := emutest.Sign(second.SessionKey)
	emutest.WantErr(t, f.CheckSession(t, token, "o-unknown", good), 87009, "invalid signature")
	emutest.WantErr(t, f.CheckSession(t, token, never.OpenID, good), 87009, "invalid signature")
	emutest.WantErr(t, f.CheckSession(t, token, second.OpenID, "zz-not-hex"), 87009, "invalid signature")
	emutest.WantErr(t, f.CheckSession(t, token, second.OpenID, ""), 87009, "invalid signature")
	// The access_token is checked first, as on every API that takes one
	// (package token): WeChat's own words, the rid after a space.
	emutest.WantPlatformErr(t, f.CheckSession(t, "bogus", second.OpenID, good), 40001, emutest.InvalidCredential)
	emutest.WantPlatformErr(t, f.CheckSession(t, "", second.OpenID, good), 41001, "access_token missing")
	emutest.WantPlatformErr(t, f.CheckSession(t, "bogus", "o-unknown", "zz"), 40001, emutest.InvalidCredential)

	r, _, _ = f.WeChat(t, http.MethodGet, "/wxa/checksession?access_token="+token+"&openid="+second.OpenID+"&signature="+good+"&sig_method=md5", "")
	emutest.WantErr(t, r, 87009, "invalid sig_method")

	f.Clock.Advance(2 * time.Hour)
	emutest.WantPlatformErr(t, f.CheckSession(t, token, second.OpenID, good), 42001, "access_token expired")
	f.Emu.InvalidateToken()
	emutest.WantErr(t, f.CheckSession(t, f.Token(t, false).AccessToken, "o-unknown", good), 87009, "invalid signature")
}
