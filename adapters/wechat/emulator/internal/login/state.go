package login

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// State is what the login side knows, in a form that survives a restart of
// the emulator: the test users (an openid stays the user's, and the
// session_key of the last login stays current, as at WeChat) and their
// unused login codes. (The access_token, which an older emulator kept
// here, is package token's.)
type State struct {
	Users []UserState `json:"users"`
	Codes []CodeState `json:"codes,omitempty"`
}

// UserState is one test user.
type UserState struct {
	Name       string `json:"name"`
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid,omitempty"`
	SessionKey []byte `json:"session_key,omitempty"`
	Logins     int    `json:"logins"`
}

// CodeState is a login code not yet used or expired.
type CodeState struct {
	Code      string    `json:"code"`
	User      string    `json:"user"`
	ExpiresAt time.Time `json:"expires_at"`
}

// State returns a copy of what the login side knows, users by name.
func (e *Server) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	s := State{Users: make([]UserState, 0, len(e.users))}
	for _, name := range slices.Sorted(maps.Keys(e.users)) {
		u := e.users[name]
		s.Users = append(s.Users, UserState{Name: u.name, OpenID: u.openID, UnionID: u.unionID, SessionKey: u.sessionKey, Logins: u.logins})
	}
	for _, code := range slices.Sorted(maps.Keys(e.codes)) {
		if c := e.codes[code]; !c.used && now.Before(c.expiresAt) {
			s.Codes = append(s.Codes, CodeState{Code: code, User: c.user.name, ExpiresAt: c.expiresAt})
		}
	}
	return s
}

// Restore makes the login side know what s says, before it serves anything.
func (e *Server) Restore(s State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.users) > 0 {
		return fmt.Errorf("restore: the login side already has %d users", len(e.users))
	}
	for _, us := range s.Users {
		if us.Name == "" || us.OpenID == "" || e.users[us.Name] != nil || e.byOpenID[us.OpenID] != nil {
			return fmt.Errorf("restore: user %q (openid %q) missing a name or openid, or twice", us.Name, us.OpenID)
		}
		u := &user{name: us.Name, openID: us.OpenID, unionID: us.UnionID, sessionKey: us.SessionKey, logins: us.Logins}
		e.users[u.name], e.byOpenID[u.openID] = u, u
	}
	for _, cs := range s.Codes {
		u := e.users[cs.User]
		if u == nil || cs.Code == "" {
			return fmt.Errorf("restore: login code of unknown user %q", cs.User)
		}
		e.codes[cs.Code] = &loginCode{user: u, expiresAt: cs.ExpiresAt}
	}
	return nil
}
