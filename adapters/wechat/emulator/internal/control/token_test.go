package control_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

type tokenInfo struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	ExpiresAt   string `json:"expires_at"`
}

type tokenStatus struct {
	Stable        *tokenInfo  `json:"stable"`
	StableOverlap []tokenInfo `json:"stable_overlap"`
	Classic       *tokenInfo  `json:"classic"`
	Calls         struct {
		Stable      int `json:"stable"`
		StableForce int `json:"stable_force"`
		Classic     int `json:"classic"`
	} `json:"calls"`
	ForceRefreshesToday int `json:"force_refreshes_today"`
	ForceQuota          int `json:"force_quota"`
}

func TestControlTokenShowsAndInvalidatesTheStableToken(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := controlContract(t, f.Srv.URL)
	empty := emutest.Decode[tokenStatus](t, c.call(http.MethodGet, "/emulator/token", "", http.StatusOK))
	if empty.Stable != nil || empty.Classic != nil || len(empty.StableOverlap) != 0 || empty.ForceQuota != 20 {
		t.Fatalf("before any call: %+v", empty)
	}
	tok := f.Token(t, false).AccessToken
	f.Clock.Advance(time.Minute)
	f.Token(t, false)
	f.Token(t, true)
	forced := f.Token(t, true).AccessToken // within 30 s: the same
	s := emutest.Decode[tokenStatus](t, c.call(http.MethodGet, "/emulator/token", "", http.StatusOK))
	if s.Stable == nil || s.Stable.AccessToken != forced || s.Stable.ExpiresIn != 7200 || s.Calls.Stable != 2 || s.Calls.StableForce != 2 || s.ForceRefreshesToday != 1 {
		t.Fatalf("status %+v", s)
	}
	if forced == tok {
		t.Fatal("force_refresh gave the same token")
	}

	user := f.Login(t, f.Mint(t, "alice").Code)
	after := emutest.Decode[tokenStatus](t, c.call(http.MethodPost, "/emulator/token/invalidate", "", http.StatusOK))
	if after.Stable != nil || after.Calls.StableForce != 2 || after.ForceRefreshesToday != 1 {
		t.Fatalf("after invalidate: %+v", after)
	}
	emutest.WantPlatformErr(t, f.CheckSession(t, forced, user.OpenID, emutest.Sign(user.SessionKey)), 40001, emutest.InvalidCredential)
	if fresh := f.Token(t, false); fresh.AccessToken == forced {
		t.Fatal("a normal call after invalidate returned the dead token")
	}
	c.call(http.MethodPost, "/emulator/token/invalidate", "", http.StatusOK) // nothing to kill: fine
	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/token/invalidate", "")
	emutest.ControlError(t, resp, b, http.StatusMethodNotAllowed)
}
