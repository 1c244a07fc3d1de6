package login

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The control API stands in for the mini-program's side of WeChat (what
// wx.login does on a phone) and lets tests look at state. It is JSON in and
// out under /emulator/; the Go methods below do the same for in-process
// tests, so both paths share one implementation.

// LoginCode is what wx.login would give the mini-program for a user.
type LoginCode struct {
	Code      string
	User      string
	OpenID    string
	UnionID   string // empty unless Config.UnionID
	ExpiresAt time.Time
}

// TestUser is a user as WeChat sees it. The emulator is a fake, so it shows
// the session_key that the real WeChat would never reveal.
type TestUser struct {
	Name       string
	OpenID     string
	UnionID    string // empty unless Config.UnionID
	SessionKey string // base64 of the current key; empty before the first login
	Logins     int    // successful code2session calls
}

const maxUserNameLen = 64

// validUserName keeps names usable as one path segment of
// /emulator/users/{name} and printable in logs.
func validUserName(name string) error {
	if len(name) > maxUserNameLen || !utf8.ValidString(name) {
		return fmt.Errorf("user name must be valid UTF-8 of at most %d bytes", maxUserNameLen)
	}
	for _, r := range name {
		if r == '/' || !unicode.IsPrint(r) {
			return fmt.Errorf("user name %q must be printable and contain no '/'", name)
		}
	}
	return nil
}

// MintCode does what wx.login does for the named test user, creating the
// user on first use; "" means a fresh random user.
func (e *Server) MintCode(name string) (LoginCode, error) {
	if err := validUserName(name); err != nil {
		return LoginCode{}, fmt.Errorf("emulator: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for name == "" {
		candidate := "user-" + wxshared.RandomHex(6)
		if _, taken := e.users[candidate]; !taken {
			name = candidate
		}
	}
	now := e.now()
	e.pruneLocked(now)
	u := e.userLocked(name)
	code := wxshared.RandomHex(16) // real codes are 32 characters too
	c := &loginCode{user: u, expiresAt: now.Add(e.codeTTL)}
	e.codes[code] = c
	return LoginCode{Code: code, User: u.name, OpenID: u.openID, UnionID: u.unionID, ExpiresAt: c.expiresAt}, nil
}

// User returns the named test user, if a code was ever minted for it.
func (e *Server) User(name string) (TestUser, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.users[name]
	if !ok {
		return TestUser{}, false
	}
	return u.view(), true
}

// view is the user as the control API shows it (the caller holds e.mu).
func (u *user) view() TestUser {
	t := TestUser{Name: u.name, OpenID: u.openID, UnionID: u.unionID, Logins: u.logins}
	if u.sessionKey != nil {
		t.SessionKey = base64.StdEncoding.EncodeToString(u.sessionKey)
	}
	return t
}

func (t TestUser) response() userResponse {
	return userResponse{User: t.Name, OpenID: t.OpenID, UnionID: t.UnionID, SessionKey: t.SessionKey, Logins: t.Logins}
}

type loginCodeRequest struct {
	User string `json:"user"`
}

type loginCodeResponse struct {
	Code      string `json:"code"`
	User      string `json:"user"`
	OpenID    string `json:"openid"`
	UnionID   string `json:"unionid,omitempty"`
	ExpiresAt string `json:"expires_at"`
}

// PostLoginCode: POST /emulator/login-codes {"user":"alice"}; the body is
// optional.
func (e *Server) PostLoginCode(w http.ResponseWriter, r *http.Request) {
	var req loginCodeRequest
	if err := wxshared.DecodeControlBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	c, err := e.MintCode(req.User)
	if err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	wxshared.WriteJSON(w, http.StatusCreated, wxshared.ContentTypeJSON, loginCodeResponse{
		Code:      c.Code,
		User:      c.User,
		OpenID:    c.OpenID,
		UnionID:   c.UnionID,
		ExpiresAt: c.ExpiresAt.UTC().Format(time.RFC3339),
	})
}

type userResponse struct {
	User       string `json:"user"`
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid,omitempty"`
	SessionKey string `json:"session_key"`
	Logins     int    `json:"logins"`
}

// GetUser: GET /emulator/users/{name}
func (e *Server) GetUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	u, ok := e.User(name)
	if !ok {
		wxshared.WriteControlError(w, http.StatusNotFound, fmt.Sprintf("no test user %q", name))
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, u.response())
}
