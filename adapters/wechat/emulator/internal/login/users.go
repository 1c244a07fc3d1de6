package login

import (
	"encoding/base64"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The mini-program's side of login (what wx.login does on a phone) and the
// test users as WeChat sees them: what the control API (package control)
// serves, and in-process tests call.

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

// Code is a login code as the console lists it.
type Code struct {
	Code      string
	ExpiresAt time.Time
	Used      bool
}

// UserCodes is a test user with the codes minted for it that have not been
// forgotten yet (expired codes are pruned).
type UserCodes struct {
	TestUser
	Codes []Code
}

// Users returns every test user with its codes, in no particular order.
func (e *Server) Users() []UserCodes {
	e.mu.Lock()
	defer e.mu.Unlock()
	byUser := make(map[*user][]Code)
	for code, c := range e.codes {
		byUser[c.user] = append(byUser[c.user], Code{Code: code, ExpiresAt: c.expiresAt, Used: c.used})
	}
	users := make([]UserCodes, 0, len(e.users))
	for _, u := range e.users {
		users = append(users, UserCodes{TestUser: u.view(), Codes: byUser[u]})
	}
	return users
}

// EnsureUser returns the named test user, creating it on first use, as
// the other parts' controls (a phone code, a subscription) do: the user
// taps a button in the mini-program, logged in or not. The name must not
// be empty.
func (e *Server) EnsureUser(name string) (TestUser, error) {
	if name == "" {
		return TestUser{}, fmt.Errorf("emulator: a test user's name is required")
	}
	if err := validUserName(name); err != nil {
		return TestUser{}, fmt.Errorf("emulator: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.userLocked(name).view(), nil
}

// UserByOpenID returns the test user with that openid, if there is one.
func (e *Server) UserByOpenID(openID string) (TestUser, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.byOpenID[openID]
	if !ok {
		return TestUser{}, false
	}
	return u.view(), true
}
