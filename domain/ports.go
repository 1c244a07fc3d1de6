package domain

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Clock tells the time. Use cases take it so that tests can move time.
type Clock func() time.Time

// WeChatAuth exchanges a wx.login code for the user's identity
// (code2session). Implementations return ErrInvalidCode, ErrRateLimited,
// ErrUserBlocked or ErrWeChatUnavailable for WeChat's refusals.
type WeChatAuth interface {
	Code2Session(ctx context.Context, code string) (WeChatIdentity, error)
}

// TokenIssuer mints opaque tokens and digests them.
type TokenIssuer interface {
	// Issue returns a fresh random token and its digest.
	Issue() (Token, TokenDigest, error)
	// Digest returns the digest of a token presented by a client, or
	// ErrUnauthenticated when it cannot be one of ours.
	Digest(Token) (TokenDigest, error)
}

// Logins stores what a successful login learnt.
type Logins interface {
	// SaveLogin, in one transaction, creates or updates the user identified
	// by id.OpenID (keeping a unionid once known), replaces the user's
	// session key, and records the new session.
	SaveLogin(ctx context.Context, id WeChatIdentity, s NewSession) (User, error)
}

// Sessions finds and ends login sessions.
type Sessions interface {
	// FindSession returns the session with this token digest and its user,
	// in one indexed lookup, or ErrNotFound.
	FindSession(ctx context.Context, d TokenDigest) (Session, error)
	// RevokeSession marks the session revoked at the given time; revoking
	// twice is not an error.
	RevokeSession(ctx context.Context, id uuid.UUID, at time.Time) error
}
