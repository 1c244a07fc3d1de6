package token

import (
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// maxTokenBody bounds what stable_token reads: its body is four fields.
const maxTokenBody = 64 << 10

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

// tokenResponse is a successful answer of either endpoint. WeChat omits
// errcode on success, so there is deliberately no such field.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// StableToken: POST /cgi-bin/stable_token with a JSON body
// {"grant_type":"client_credential","appid","secret","force_refresh"}.
// Any other method answers 43002, as WeChat does.
func (e *Server) StableToken(w http.ResponseWriter, r *http.Request) {
	if !e.api.Fault(w, r, wxshared.StableToken, wxshared.ContentTypeJSON) {
		return
	}
	fail := func(code int, msg string) { e.api.WriteErr(w, wxshared.ContentTypeJSON, code, msg) }
	if r.Method != http.MethodPost {
		fail(errRequirePOST, "require POST method")
		return
	}
	var req stableTokenRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenBody))
	if err != nil || json.Unmarshal(body, &req) != nil {
		fail(errDataFormat, "data format error")
		return
	}
	if code, msg := e.checkCredentials(req.AppID, req.Secret, req.GrantType); code != 0 {
		fail(code, msg)
		return
	}
	e.mu.Lock()
	resp, code := e.stableLocked(e.now(), req.ForceRefresh)
	e.mu.Unlock()
	if code != 0 {
		fail(code, wxshared.WellKnownErrMsg(code, r))
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, resp)
}

// checkCredentials checks what both endpoints check, in WeChat's order.
func (e *Server) checkCredentials(appID, secret, grantType string) (int, string) {
	switch {
	case appID == "":
		return errAppIDMissing, "appid missing"
	case secret == "":
		return errSecretMissing, "appsecret missing"
	case appID != e.appID:
		return errInvalidAppID, "invalid appid"
	case !hmac.Equal([]byte(secret), []byte(e.secret)):
		return errInvalidSecret, "invalid appsecret"
	case grantType != "client_credential":
		return errInvalidGrant, "invalid grant_type"
	}
	return 0, ""
}

// stableLocked answers one stable_token call at now (§11): normal mode
// returns the current token with its remaining life, or a new one when
// there is none or it is in its last RotateBefore (the old one then runs
// out on its own); force mode kills every stable token and issues a new
// one, unless the last force was within ForceGap (the current token is
// returned) or the day's ForceQuota is spent (45009).
func (e *Server) stableLocked(now time.Time, force bool) (tokenResponse, int) {
	cur := e.stable
	live := cur != nil && cur.liveAt(now)
	if !force {
		e.counters.Stable++
		if !live || cur.expiresAt.Sub(now) <= RotateBefore {
			cur = e.issueLocked(stableFamily, now)
			e.stable = cur
		}
		return tokenResponse{AccessToken: cur.value, ExpiresIn: expiresIn(cur, now)}, 0
	}
	e.counters.StableForce++
	if live && !e.lastForce.IsZero() && now.Sub(e.lastForce) < ForceGap {
		return tokenResponse{AccessToken: cur.value, ExpiresIn: expiresIn(cur, now)}, 0 // "否则不会刷新"
	}
	if day := beijingDay(now); day != e.forceDay {
		e.forceDay, e.forceCount = day, 0
	}
	if e.forceCount >= ForceQuota {
		return tokenResponse{}, errDailyQuota
	}
	e.forceCount++
	e.lastForce = now
	e.killStableLocked(now)
	e.stable = e.issueLocked(stableFamily, now)
	return tokenResponse{AccessToken: e.stable.value, ExpiresIn: expiresIn(e.stable, now)}, 0
}

// ClassicToken: GET /cgi-bin/token?grant_type=client_credential&appid=&secret=.
// Every call issues a new token; the previous one stays valid ClassicGrace
// more (or until its own expiry, if sooner). The stable family is not
// touched.
func (e *Server) ClassicToken(w http.ResponseWriter, r *http.Request) {
	if !e.api.Fault(w, r, wxshared.Token, wxshared.ContentTypeJSON) {
		return
	}
	fail := func(code int, msg string) { e.api.WriteErr(w, wxshared.ContentTypeJSON, code, msg) }
	q := r.URL.Query()
	if code, msg := e.checkCredentials(q.Get("appid"), q.Get("secret"), q.Get("grant_type")); code != 0 {
		fail(code, msg)
		return
	}
	e.mu.Lock()
	now := e.now()
	e.counters.Classic++
	if day := beijingDay(now); day != e.classicDay {
		e.classicDay, e.classicCount = day, 0
	}
	if e.classicCount >= ClassicQuota {
		e.mu.Unlock()
		fail(errDailyQuota, wxshared.WellKnownErrMsg(errDailyQuota, r))
		return
	}
	e.classicCount++
	if prev := e.classic; prev != nil && prev.liveAt(now) {
		prev.validUntil = minTime(prev.validUntil, now.Add(ClassicGrace))
	}
	e.classic = e.issueLocked(classicFamily, now)
	resp := tokenResponse{AccessToken: e.classic.value, ExpiresIn: expiresIn(e.classic, now)}
	e.mu.Unlock()
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, resp)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
