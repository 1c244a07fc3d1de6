package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// WeChat error codes the login endpoints answer with.
const (
	errSystem        = -1
	errInvalidToken  = 40001 // access_token invalid, expired or not latest
	errInvalidGrant  = 40002
	errInvalidAppID  = 40013
	errInvalidCode   = 40029 // unknown or expired code
	errInvalidSecret = 40125
	errHighRiskUser  = 40226
	errCodeUsed      = 40163
	errTokenMissing  = 41001
	errAppIDMissing  = 41002
	errSecretMissing = 41004
	errCodeMissing   = 41008
	errMinuteQuota   = 45011
	errDataFormat    = 47001
	errInvalidSig    = 87009
)

const (
	accessTokenTTL     = 7200 * time.Second // what WeChat grants
	sessionKeyLen      = 16                 // bytes, before base64
	maxStableTokenBody = 64 << 10
)

// user is a test user: a person who could run wx.login in the mini-program.
type user struct {
	name       string
	openID     string
	unionID    string // empty unless Config.UnionID
	sessionKey []byte // nil until the first login
	logins     int
}

// loginCode is what wx.login hands the mini-program.
type loginCode struct {
	user      *user
	expiresAt time.Time
	used      bool
}

// accessToken is the stable_token of the mini-program; one at a time.
type accessToken struct {
	value     string
	expiresAt time.Time
}

// userLocked returns the named test user, creating it on first use.
// Identifiers are derived rather than random so that "alice" has the same
// openid after a restart, as a real person would.
func (e *Server) userLocked(name string) *user {
	if u, ok := e.users[name]; ok {
		return u
	}
	u := &user{name: name, openID: deriveOpenID(e.appID, name)}
	if e.unionID {
		u.unionID = deriveUnionID(name)
	}
	e.users[name] = u
	e.byOpenID[u.openID] = u
	return u
}

// deriveOpenID gives a 28-character id, like WeChat's, that is stable per
// (appid, user) and different across appids, as openids are.
func deriveOpenID(appID, name string) string {
	return "o" + macID(appID, name)
}

// deriveUnionID is stable per user whatever the appid: that is the point of
// a unionid. The fixed key only separates it from openids.
func deriveUnionID(name string) string {
	return "u" + macID("wxmp-emulator-unionid", name)
}

func macID(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:27]
}

// pruneLocked forgets expired codes so that a long-running dev emulator does
// not grow without bound. Expired codes answer 40029 whether remembered or
// not, so pruning is invisible to clients; it runs at most once per TTL.
func (e *Server) pruneLocked(now time.Time) {
	if now.Sub(e.lastPrune) < e.codeTTL {
		return
	}
	e.lastPrune = now
	for code, c := range e.codes {
		if !now.Before(c.expiresAt) {
			delete(e.codes, code)
		}
	}
}

// code2sessionResponse is a successful jscode2session answer. WeChat omits
// errcode on success, so there is deliberately no such field.
type code2sessionResponse struct {
	SessionKey string `json:"session_key"`
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid,omitempty"`
}

// JSCode2Session: GET /sns/jscode2session?appid=&secret=&js_code=&grant_type=authorization_code
func (e *Server) JSCode2Session(w http.ResponseWriter, r *http.Request) {
	if !e.applyFault(w, r, wxshared.JSCode2Session, wxshared.ContentTypePlain) {
		return
	}
	q := r.URL.Query()
	fail := func(code int, msg string) { e.writeWeChatError(w, wxshared.ContentTypePlain, code, msg) }
	jsCode := q.Get("js_code")
	switch {
	case q.Get("appid") == "":
		fail(errAppIDMissing, "appid missing")
	case q.Get("secret") == "":
		fail(errSecretMissing, "appsecret missing")
	case jsCode == "":
		fail(errCodeMissing, "missing code")
	case q.Get("appid") != e.appID:
		fail(errInvalidAppID, "invalid appid")
	case !hmac.Equal([]byte(q.Get("secret")), []byte(e.secret)):
		fail(errInvalidSecret, "invalid appsecret")
	case q.Get("grant_type") != "authorization_code":
		fail(errInvalidGrant, "invalid grant_type")
	default:
		resp, code, msg := e.exchange(jsCode)
		if code != 0 {
			fail(code, msg)
			return
		}
		wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypePlain, resp)
	}
}

// exchange spends a login code: it is single use, and each login replaces
// the user's session_key (the old one stops working for checksession).
func (e *Server) exchange(jsCode string) (code2sessionResponse, int, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.codes[jsCode]
	// Expiry is checked before use so that the answer does not depend on
	// whether pruning has already forgotten the code.
	if !ok || !e.now().Before(c.expiresAt) {
		return code2sessionResponse{}, errInvalidCode, "invalid code"
	}
	if c.used {
		return code2sessionResponse{}, errCodeUsed, "code been used"
	}
	c.used = true
	u := c.user
	u.sessionKey = wxshared.RandomBytes(sessionKeyLen)
	u.logins++
	return code2sessionResponse{
		SessionKey: base64.StdEncoding.EncodeToString(u.sessionKey),
		OpenID:     u.openID,
		UnionID:    u.unionID,
	}, 0, ""
}

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

type stableTokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// StableToken: POST /cgi-bin/stable_token. The token stays the same until
// it expires, so several services can share it; force_refresh replaces it
// and the old one stops working at once.
func (e *Server) StableToken(w http.ResponseWriter, r *http.Request) {
	if !e.applyFault(w, r, wxshared.StableToken, wxshared.ContentTypeJSON) {
		return
	}
	fail := func(code int, msg string) { e.writeWeChatError(w, wxshared.ContentTypeJSON, code, msg) }
	var req stableTokenRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxStableTokenBody)).Decode(&req); err != nil {
		fail(errDataFormat, "data format error")
		return
	}
	switch {
	case req.AppID == "":
		fail(errAppIDMissing, "appid missing")
	case req.Secret == "":
		fail(errSecretMissing, "appsecret missing")
	case req.AppID != e.appID:
		fail(errInvalidAppID, "invalid appid")
	case !hmac.Equal([]byte(req.Secret), []byte(e.secret)):
		fail(errInvalidSecret, "invalid appsecret")
	case req.GrantType != "client_credential":
		fail(errInvalidGrant, "invalid grant_type")
	default:
		wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, e.currentToken(req.ForceRefresh))
	}
}

func (e *Server) currentToken(forceRefresh bool) stableTokenResponse {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if forceRefresh || e.token.value == "" || !now.Before(e.token.expiresAt) {
		e.token = accessToken{
			value:     base64.RawURLEncoding.EncodeToString(wxshared.RandomBytes(48)),
			expiresAt: now.Add(accessTokenTTL),
		}
	}
	// expires_in is what is left of the shared token, rounded up, so a
	// client never caches it for longer than it lives.
	left := e.token.expiresAt.Sub(now)
	return stableTokenResponse{
		AccessToken: e.token.value,
		ExpiresIn:   int((left + time.Second - 1) / time.Second),
	}
}

// CheckSession: GET /wxa/checksession?access_token=&openid=&signature=&sig_method=hmac_sha256
// The signature proves the caller holds the user's current session_key:
// hex(HMAC-SHA256(key=session_key, message="")).
func (e *Server) CheckSession(w http.ResponseWriter, r *http.Request) {
	if !e.applyFault(w, r, wxshared.CheckSession, wxshared.ContentTypeJSON) {
		return
	}
	q := r.URL.Query()
	code, msg := e.verifySession(q.Get("access_token"), q.Get("openid"), q.Get("signature"), q.Get("sig_method"))
	if code != 0 {
		e.writeWeChatError(w, wxshared.ContentTypeJSON, code, msg)
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, wechatError{ErrCode: 0, ErrMsg: "ok"})
}

func (e *Server) verifySession(token, openID, signature, sigMethod string) (int, string) {
	if token == "" {
		return errTokenMissing, "access_token missing"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.token.value == "" || !hmac.Equal([]byte(token), []byte(e.token.value)) || !e.now().Before(e.token.expiresAt) {
		return errInvalidToken, "invalid credential, access_token is invalid or not latest"
	}
	if sigMethod != "hmac_sha256" {
		return errInvalidSig, "invalid sig_method"
	}
	u, ok := e.byOpenID[openID]
	got, err := hex.DecodeString(signature)
	// An unknown openid and a user who never logged in answer like a bad
	// signature: WeChat does not reveal which openids exist.
	if !ok || u.sessionKey == nil || err != nil {
		return errInvalidSig, "invalid signature"
	}
	m := hmac.New(sha256.New, u.sessionKey)
	if !hmac.Equal(got, m.Sum(nil)) {
		return errInvalidSig, "invalid signature"
	}
	return 0, ""
}
