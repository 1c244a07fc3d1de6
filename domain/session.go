package domain

import (
	"crypto/sha256"
	"time"

	"github.com/google/uuid"
)

// Token is the opaque bearer token handed to the mini-program. The server
// stores only its digest, so a database leak does not leak live tokens.
type Token string

// TokenDigest is the SHA-256 of a token: the only form that is stored.
type TokenDigest [sha256.Size]byte

// Session is one login of a user: what a bearer token resolves to.
type Session struct {
	id        uuid.UUID
	user      User
	expiresAt time.Time
	revokedAt time.Time // zero while not revoked
}

// RestoreSession rebuilds a stored session together with its user.
func RestoreSession(id uuid.UUID, user User, expiresAt, revokedAt time.Time) Session {
	return Session{id: id, user: user, expiresAt: expiresAt.UTC(), revokedAt: revokedAt.UTC()}
}

func (s Session) ID() uuid.UUID        { return s.id }
func (s Session) User() User           { return s.user }
func (s Session) ExpiresAt() time.Time { return s.expiresAt }

// Usable says whether the session may authenticate a request at now: it
// must be neither expired nor revoked.
func (s Session) Usable(now time.Time) error {
	if !s.revokedAt.IsZero() || !now.Before(s.expiresAt) {
		return ErrUnauthenticated
	}
	return nil
}

// NewSession is a session about to be stored by Login.
type NewSession struct {
	Digest    TokenDigest
	CreatedAt time.Time
	ExpiresAt time.Time
}
