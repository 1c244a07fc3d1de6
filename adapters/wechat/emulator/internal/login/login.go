package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// WeChat error codes the login endpoints answer with.
const (
	errInvalidGrant  = 40002
	errInvalidAppID  = 40013
	errInvalidCode   = 40029 // unknown or expired code
	errInvalidSecret = 40125
	errCodeUsed      = 40163
	errAppIDMissing  = 41002
	errSecretMissing = 41004
	errCodeMissing   = 41008
	errInvalidSig    = 87009
)

const sessionKeyLen = 16 // bytes, before base64

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

// CheckSession: GET /wxa/checksession?access_token=&openid=&signature=&sig_method=hmac_sha256
// The signature proves the caller holds the user's current session_key:
// hex(HMAC-SHA256(key=session_key, message="")).
func (e *Server) CheckSession(w http.ResponseWriter, r *http.Request) {
	if !e.applyFault(w, r, wxshared.CheckSession, wxshared.ContentTypeJSON) {
		return
	}
	q := r.URL.Query()
	if bad := e.checkToken(q.Get("access_token")); bad != nil {
		wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, bad)
		return
	}
	code, msg := e.verifySession(q.Get("openid"), q.Get("signature"), q.Get("sig_method"))
	if code != 0 {
		e.writeWeChatError(w, wxshared.ContentTypeJSON, code, msg)
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, wxshared.WeChatError{ErrCode: 0, ErrMsg: "ok"})
}

// verifySession checks the signature once the access_token passed.
func (e *Server) verifySession(openID, signature, sigMethod string) (int, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
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
