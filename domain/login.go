package domain

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SessionPolicy says how long a login lasts.
type SessionPolicy struct {
	TTL time.Duration
}

// DefaultSessionTTL is a week: long enough that users rarely see a login,
// short enough that a stolen token does not live forever.
const DefaultSessionTTL = 7 * 24 * time.Hour

// maxCodeLen bounds what we forward to WeChat; real codes are 32 characters.
const maxCodeLen = 128

// Login turns a wx.login code into a session token (seed part 1).
type Login struct {
	wechat WeChatAuth
	tokens TokenIssuer
	logins Logins
	now    Clock
	ttl    time.Duration
}

func NewLogin(wechat WeChatAuth, tokens TokenIssuer, logins Logins, now Clock, policy SessionPolicy) *Login {
	ttl := policy.TTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	return &Login{wechat: wechat, tokens: tokens, logins: logins, now: now, ttl: ttl}
}

// LoginResult is what the client receives: the token is shown once, here.
type LoginResult struct {
	Token     Token
	ExpiresAt time.Time
	User      User
}

func (l *Login) Execute(ctx context.Context, code string) (LoginResult, error) {
	if code == "" || len(code) > maxCodeLen {
		return LoginResult{}, ErrInvalidCode
	}
	id, err := l.wechat.Code2Session(ctx, code)
	if err != nil {
		return LoginResult{}, fmt.Errorf("login: code2session: %w", err)
	}
	if err := id.Validate(); err != nil {
		return LoginResult{}, fmt.Errorf("login: %w", err)
	}
	token, digest, err := l.tokens.Issue()
	if err != nil {
		return LoginResult{}, fmt.Errorf("login: issue token: %w", err)
	}
	now := l.now().UTC()
	s := NewSession{Digest: digest, CreatedAt: now, ExpiresAt: now.Add(l.ttl)}
	user, err := l.logins.SaveLogin(ctx, id, s)
	if err != nil {
		return LoginResult{}, fmt.Errorf("login: save: %w", err)
	}
	return LoginResult{Token: token, ExpiresAt: s.ExpiresAt, User: user}, nil
}

// Authenticate resolves a bearer token to a usable session.
type Authenticate struct {
	tokens   TokenIssuer
	sessions Sessions
	now      Clock
}

func NewAuthenticate(tokens TokenIssuer, sessions Sessions, now Clock) *Authenticate {
	return &Authenticate{tokens: tokens, sessions: sessions, now: now}
}

func (a *Authenticate) Execute(ctx context.Context, t Token) (Session, error) {
	digest, err := a.tokens.Digest(t)
	if err != nil {
		return Session{}, ErrUnauthenticated
	}
	s, err := a.sessions.FindSession(ctx, digest)
	if errors.Is(err, ErrNotFound) {
		return Session{}, ErrUnauthenticated
	}
	if err != nil {
		return Session{}, fmt.Errorf("authenticate: %w", err)
	}
	if err := s.Usable(a.now()); err != nil {
		return Session{}, err
	}
	return s, nil
}

// Logout ends the session the request was made with.
type Logout struct {
	sessions Sessions
	now      Clock
}

func NewLogout(sessions Sessions, now Clock) *Logout {
	return &Logout{sessions: sessions, now: now}
}

func (l *Logout) Execute(ctx context.Context, s Session) error {
	if err := l.sessions.RevokeSession(ctx, s.ID(), l.now().UTC()); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}
