package token_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// tokenFixture is an emulator with a logged-in user, so that checksession
// (an API taking ?access_token=) says what WeChat thinks of a token.
type tokenFixture struct {
	*emutest.Fixture
	user emutest.Reply
}

func start(t *testing.T) *tokenFixture {
	t.Helper()
	f := emutest.Start(t, emulator.Config{})
	return &tokenFixture{Fixture: f, user: f.Login(t, f.Mint(t, "alice").Code)}
}

// use calls an API with tok and returns WeChat's answer.
func (f *tokenFixture) use(t *testing.T, tok string) emutest.Reply {
	t.Helper()
	return f.CheckSession(t, tok, f.user.OpenID, emutest.Sign(f.user.SessionKey))
}

func (f *tokenFixture) wantValid(t *testing.T, tok string) {
	t.Helper()
	if r := f.use(t, tok); r.Code() != 0 {
		t.Fatalf("token refused: %d %q", r.Code(), r.ErrMsg)
	}
}

func (f *tokenFixture) wantInvalid(t *testing.T, tok string) {
	t.Helper()
	emutest.WantPlatformErr(t, f.use(t, tok), 40001, emutest.InvalidCredential)
}

func (f *tokenFixture) wantExpired(t *testing.T, tok string) {
	t.Helper()
	emutest.WantPlatformErr(t, f.use(t, tok), 42001, "access_token expired")
}

func stableBody(force bool) string {
	return `{"grant_type":"client_credential","appid":"` + emutest.TestAppID + `","secret":"` + emutest.TestSecret + `","force_refresh":` +
		map[bool]string{true: "true", false: "false"}[force] + `}`
}

func (f *tokenFixture) stable(t *testing.T, force bool) emutest.Reply {
	t.Helper()
	r, resp, _ := f.WeChat(t, http.MethodPost, "/cgi-bin/stable_token", stableBody(force))
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	return r
}

func (f *tokenFixture) classic(t *testing.T) emutest.Reply {
	t.Helper()
	q := url.Values{"grant_type": {"client_credential"}, "appid": {emutest.TestAppID}, "secret": {emutest.TestSecret}}
	r, _, _ := f.WeChat(t, http.MethodGet, "/cgi-bin/token?"+q.Encode(), "")
	return r
}

func TestStableTokenNormalModeReturnsTheSameTokenWithWhatIsLeft(t *testing.T) {
	f := start(t)
	first := f.stable(t, false)
	if first.Code() != 0 || first.ErrCode != nil || first.ExpiresIn != 7200 || len(first.AccessToken) < 100 {
		t.Fatalf("first token: %+v, want a long token, expires_in 7200 and no errcode", first)
	}
	f.Clock.Advance(100 * time.Second)
	if r := f.stable(t, false); r.AccessToken != first.AccessToken || r.ExpiresIn != 7100 {
		t.Fatalf("after 100 s: %+v, want the same token with 7100 s left", r)
	}
	f.Clock.Advance(1500 * time.Millisecond) // rounded down: never cached past its life
	if r := f.stable(t, false); r.AccessToken != first.AccessToken || r.ExpiresIn != 7098 {
		t.Fatalf("after 101.5 s: %+v, want 7098 s left", r)
	}
	f.wantValid(t, first.AccessToken)
	if c := f.Emu.TokenCounters(); c.Stable != 3 || c.StableForce != 0 || c.Classic != 0 {
		t.Fatalf("counters %+v, want 3 normal calls", c)
	}
}

// In its last five minutes a call rotates the token; the old one stays
// valid until its own expiry, and every token handed out has at least
// five minutes to live.
func TestStableTokenRotatesInItsLastFiveMinutesWithAnOverlap(t *testing.T) {
	f := start(t)
	old := f.stable(t, false).AccessToken
	f.Clock.Advance(7200*time.Second - 301*time.Second)
	if r := f.stable(t, false); r.AccessToken != old || r.ExpiresIn != 301 {
		t.Fatalf("301 s before expiry: %+v, want the same token", r)
	}
	f.Clock.Advance(time.Second)
	rotated := f.stable(t, false)
	if rotated.AccessToken == old || rotated.ExpiresIn != 7200 {
		t.Fatalf("300 s before expiry: %+v, want a new token for 7200 s", rotated)
	}
	if r := f.stable(t, false); r.AccessToken != rotated.AccessToken {
		t.Fatalf("after the rotation: %+v, want the new token again", r)
	}
	s := f.Emu.TokenStatus()
	if s.Stable == nil || s.Stable.AccessToken != rotated.AccessToken || len(s.StableOverlap) != 1 || s.StableOverlap[0].AccessToken != old || s.StableOverlap[0].ExpiresIn != 300 {
		t.Fatalf("status %+v, want the new token and the old one running out", s)
	}
	f.wantValid(t, old) // the overlap
	f.wantValid(t, rotated.AccessToken)
	f.Clock.Advance(300 * time.Second)
	f.wantExpired(t, old)
	f.wantValid(t, rotated.AccessToken)
	if c := f.Emu.TokenCounters(); c.Stable != 4 {
		t.Fatalf("counters %+v, want 4 normal calls", c)
	}
	// Nobody called during the last minutes: the expired token is replaced.
	f.Clock.Advance(7200 * time.Second)
	if r := f.stable(t, false); r.AccessToken == rotated.AccessToken || r.ExpiresIn != 7200 {
		t.Fatalf("after expiry: %+v, want a new token", r)
	}
	f.wantExpired(t, rotated.AccessToken)
}

func TestStableTokenForceRefresh(t *testing.T) {
	f := start(t)
	old := f.stable(t, false).AccessToken
	f.Clock.Advance(7200*time.Second - 200*time.Second)
	overlapped := f.stable(t, false).AccessToken // rotated: old still runs out
	f.Clock.Advance(10 * time.Second)

	forced := f.stable(t, true)
	if forced.AccessToken == overlapped || forced.AccessToken == old || forced.ExpiresIn != 7200 {
		t.Fatalf("force_refresh: %+v, want a new token for 7200 s", forced)
	}
	// The previous tokens die at once, the one in its overlap too.
	f.wantInvalid(t, overlapped)
	f.wantInvalid(t, old)
	f.wantValid(t, forced.AccessToken)
	if s := f.Emu.TokenStatus(); len(s.StableOverlap) != 0 || s.ForceRefreshesToday != 1 {
		t.Fatalf("status %+v, want no overlap and 1 force refresh", s)
	}

	// Within 30 s of the last force nothing is refreshed.
	f.Clock.Advance(29 * time.Second)
	if r := f.stable(t, true); r.AccessToken != forced.AccessToken || r.ExpiresIn != 7200-29 {
		t.Fatalf("force 29 s later: %+v, want the current token, not a new one", r)
	}
	f.Clock.Advance(time.Second)
	again := f.stable(t, true)
	if again.AccessToken == forced.AccessToken {
		t.Fatal("force 30 s later refreshed nothing")
	}
	f.wantInvalid(t, forced.AccessToken)
	if c := f.Emu.TokenCounters(); c.Stable != 2 || c.StableForce != 3 {
		t.Fatalf("counters %+v, want 2 normal and 3 force calls", c)
	}
	if s := f.Emu.TokenStatus(); s.ForceRefreshesToday != 2 {
		t.Fatalf("force refreshes today %d, want 2 (the one within 30 s did not count)", s.ForceRefreshesToday)
	}
}

// Twenty force refreshes a Beijing day; the next answers 45009 and leaves
// the token as it was; the quota comes back at midnight Beijing.
func TestStableTokenForceQuota(t *testing.T) {
	f := start(t) // 18:00 Beijing
	var last string
	for i := range 20 {
		r := f.stable(t, true)
		if r.Code() != 0 || r.AccessToken == last {
			t.Fatalf("force %d: %+v", i+1, r)
		}
		last = r.AccessToken
		f.Clock.Advance(30 * time.Second)
	}
	emutest.WantPlatformErr(t, f.stable(t, true), 45009, "reach max api daily quota limit")
	f.wantValid(t, last)
	if r := f.stable(t, false); r.AccessToken != last {
		t.Fatalf("normal mode after the quota: %+v, want the last token", r)
	}
	if s := f.Emu.TokenStatus(); s.ForceRefreshesToday != 20 || s.Counters.StableForce != 21 {
		t.Fatalf("status %+v", s)
	}
	f.Clock.Advance(6 * time.Hour) // past midnight Beijing
	if r := f.stable(t, true); r.Code() != 0 || r.AccessToken == last {
		t.Fatalf("force the next day: %+v, want a new token", r)
	}
}

func TestClassicTokenIsNewEveryCallAndIsolatedFromStable(t *testing.T) {
	f := start(t)
	stable := f.stable(t, false).AccessToken
	first := f.classic(t)
	if first.Code() != 0 || first.ExpiresIn != 7200 || first.AccessToken == stable {
		t.Fatalf("classic: %+v", first)
	}
	f.Clock.Advance(time.Minute)
	second := f.classic(t)
	if second.AccessToken == first.AccessToken || second.ExpiresIn != 7200 {
		t.Fatalf("second classic call: %+v, want a new token", second)
	}
	// The previous one stays valid five more minutes, then is not latest.
	f.Clock.Advance(5*time.Minute - time.Second)
	f.wantValid(t, first.AccessToken)
	f.Clock.Advance(time.Second)
	f.wantInvalid(t, first.AccessToken)
	f.wantValid(t, second.AccessToken)
	// Neither family touches the other.
	f.wantValid(t, stable)
	if r := f.stable(t, false); r.AccessToken != stable {
		t.Fatalf("stable after classic calls: %+v", r)
	}
	forced := f.stable(t, true).AccessToken
	f.wantValid(t, second.AccessToken)
	third := f.classic(t).AccessToken
	f.wantValid(t, forced)
	// A classic token replaced in its last minutes expires (42001) rather
	// than becoming "not latest".
	f.Clock.Advance(7200*time.Second - 2*time.Minute)
	latest := f.classic(t).AccessToken
	f.wantValid(t, third)
	f.Clock.Advance(3 * time.Minute)
	f.wantExpired(t, third)
	f.wantValid(t, latest)
	if c := f.Emu.TokenCounters(); c.Classic != 4 || c.Stable != 2 || c.StableForce != 1 {
		t.Fatalf("counters %+v", c)
	}
}

func TestTokenEndpointsRefuseLikeWeChat(t *testing.T) {
	f := start(t)
	for _, tc := range []struct {
		name, body string
		code       int
		msg        string
	}{
		{"wrong appid", `{"grant_type":"client_credential","appid":"wx-other","secret":"` + emutest.TestSecret + `"}`, 40013, "invalid appid"},
		{"wrong secret", `{"grant_type":"client_credential","appid":"` + emutest.TestAppID + `","secret":"nope"}`, 40125, "invalid appsecret"},
		{"wrong grant_type", `{"grant_type":"authorization_code","appid":"` + emutest.TestAppID + `","secret":"` + emutest.TestSecret + `"}`, 40002, "invalid grant_type"},
		{"missing appid", `{"grant_type":"client_credential","secret":"` + emutest.TestSecret + `"}`, 41002, "appid missing"},
		{"missing secret", `{"grant_type":"client_credential","appid":"` + emutest.TestAppID + `"}`, 41004, "appsecret missing"},
		{"not JSON", `grant_type=client_credential`, 47001, "data format error"},
		{"trailing garbage", stableBody(false) + `x`, 47001, "data format error"},
		{"force_refresh a string", strings.Replace(stableBody(false), `false`, `"false"`, 1), 47001, "data format error"},
		{"empty body", ``, 47001, "data format error"},
	} {
		t.Run("stable_token "+tc.name, func(t *testing.T) {
			r, _, _ := f.WeChat(t, http.MethodPost, "/cgi-bin/stable_token", tc.body)
			emutest.WantPlatformErr(t, r, tc.code, tc.msg)
		})
	}
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		r, _, _ := f.WeChat(t, method, "/cgi-bin/stable_token", stableBody(false))
		emutest.WantPlatformErr(t, r, 43002, "require POST method")
	}
	for _, tc := range []struct {
		query string
		code  int
		msg   string
	}{
		{"grant_type=client_credential&secret=" + emutest.TestSecret, 41002, "appid missing"},
		{"grant_type=client_credential&appid=" + emutest.TestAppID, 41004, "appsecret missing"},
		{"grant_type=client_credential&appid=wx-other&secret=" + emutest.TestSecret, 40013, "invalid appid"},
		{"grant_type=client_credential&appid=" + emutest.TestAppID + "&secret=nope", 40125, "invalid appsecret"},
		{"appid=" + emutest.TestAppID + "&secret=" + emutest.TestSecret, 40002, "invalid grant_type"},
	} {
		r, _, _ := f.WeChat(t, http.MethodGet, "/cgi-bin/token?"+tc.query, "")
		emutest.WantPlatformErr(t, r, tc.code, tc.msg)
	}
	resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/cgi-bin/token", "")
	emutest.ControlError(t, resp, b, http.StatusMethodNotAllowed)
	// None of the refusals counted or issued anything.
	if s := f.Emu.TokenStatus(); s.Counters != (emulator.TokenCounters{}) || s.Stable != nil || s.Classic != nil {
		t.Fatalf("refused calls left %+v", s)
	}
}

func TestValidateAnswersMissingInvalidAndExpired(t *testing.T) {
	f := start(t)
	emutest.WantPlatformErr(t, f.use(t, ""), 41001, "access_token missing")
	f.wantInvalid(t, "85_never-issued")
	tok := f.stable(t, false).AccessToken
	f.wantValid(t, tok)
	f.Clock.Advance(7200 * time.Second)
	f.wantExpired(t, tok)
	// A day past its expiry a token is forgotten: just invalid.
	f.Clock.Advance(25 * time.Hour)
	f.classic(t) // issuing prunes
	f.wantInvalid(t, tok)
}

func TestInvalidateKillsTheStableTokenAsAForceElsewhereWould(t *testing.T) {
	f := start(t)
	tok := f.stable(t, false).AccessToken
	classic := f.classic(t).AccessToken
	s := f.Emu.InvalidateToken()
	if s.Stable != nil || s.Classic == nil || s.ForceRefreshesToday != 0 {
		t.Fatalf("status after Invalidate: %+v", s)
	}
	f.wantInvalid(t, tok)
	f.wantValid(t, classic)
	fresh := f.stable(t, false)
	if fresh.AccessToken == tok || fresh.ExpiresIn != 7200 {
		t.Fatalf("normal call after Invalidate: %+v, want a fresh token", fresh)
	}
	f.wantValid(t, fresh.AccessToken)
	if c := f.Emu.TokenCounters(); c.Stable != 2 || c.StableForce != 0 {
		t.Fatalf("counters %+v: Invalidate is no call", c)
	}
	// A force right after a force, then Invalidate: there is no current
	// token to keep, so a fresh one comes.
	forced := f.stable(t, true).AccessToken
	f.Emu.InvalidateToken()
	if r := f.stable(t, true); r.AccessToken == forced || r.Code() != 0 {
		t.Fatalf("force after Invalidate: %+v", r)
	}
}

func TestTokenFaults(t *testing.T) {
	f := start(t)
	f.PostFault(t, `{"endpoint":"stable_token","errcode":45009}`)
	emutest.WantPlatformErr(t, f.stable(t, false), 45009, "reach max api daily quota limit")
	f.PostFault(t, `{"endpoint":"stable_token","errcode":40164}`)
	emutest.WantPlatformErr(t, f.stable(t, false), 40164, "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist")
	f.PostFault(t, `{"endpoint":"stable_token","errcode":-1}`)
	emutest.WantPlatformErr(t, f.stable(t, true), -1, "system error")
	f.PostFault(t, `{"endpoint":"token","errcode":-1,"times":2}`)
	emutest.WantPlatformErr(t, f.classic(t), -1, "system error")
	emutest.WantPlatformErr(t, f.classic(t), -1, "system error")
	f.PostFault(t, `{"endpoint":"token","http_status":502}`)
	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/cgi-bin/token?grant_type=client_credential&appid="+emutest.TestAppID+"&secret="+emutest.TestSecret, "")
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "502 Bad Gateway") {
		t.Fatalf("gateway fault: HTTP %d %s", resp.StatusCode, b)
	}
	// Faulted calls did nothing and counted nothing.
	if s := f.Emu.TokenStatus(); s.Counters != (emulator.TokenCounters{}) || s.Stable != nil || s.Classic != nil {
		t.Fatalf("faulted calls left %+v", s)
	}
	f.PostFault(t, `{"endpoint":"stable_token","delay_ms":20}`)
	if r := f.stable(t, false); r.Code() != 0 || r.ExpiresIn != 7200 {
		t.Fatalf("after a pure delay: %+v", r)
	}
}
