package domain

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// User is a mini-program user, identified by WeChat with an openid that is
// stable per appid.
type User struct {
	id        uuid.UUID
	openID    string
	unionID   string
	createdAt time.Time
	profile   Profile
}

// RestoreUser rebuilds a User that was stored earlier. Adapters call it; it
// trusts its input as much as the store it came from.
func RestoreUser(id uuid.UUID, openID, unionID string, createdAt time.Time) User {
	return User{id: id, openID: openID, unionID: unionID, createdAt: createdAt.UTC()}
}

func (u User) ID() uuid.UUID        { return u.id }
func (u User) OpenID() string       { return u.openID }
func (u User) UnionID() string      { return u.unionID } // empty unless bound to an Open Platform account
func (u User) CreatedAt() time.Time { return u.createdAt }

// SessionKey is the key WeChat shares with the server at each login. It signs
// and encrypts data the mini-program sends later, so it must never leave the
// server: every way of printing it prints a placeholder.
type SessionKey struct{ b []byte }

const sessionKeyLen = 16

// ParseSessionKey accepts the base64 form code2session returns.
func ParseSessionKey(b64 string) (SessionKey, error) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != sessionKeyLen {
		return SessionKey{}, fmt.Errorf("session_key is not base64 of %d bytes", sessionKeyLen)
	}
	return SessionKey{b: b}, nil
}

// SessionKeyFromBytes accepts the raw 16 bytes (as decrypted from storage).
func SessionKeyFromBytes(b []byte) (SessionKey, error) {
	if len(b) != sessionKeyLen {
		return SessionKey{}, fmt.Errorf("session key must be %d bytes, got %d", sessionKeyLen, len(b))
	}
	return SessionKey{b: append([]byte(nil), b...)}, nil
}

// Bytes returns a copy of the raw key, for the few places that must use it.
func (k SessionKey) Bytes() []byte      { return append([]byte(nil), k.b...) }
func (k SessionKey) IsZero() bool       { return len(k.b) == 0 }
func (SessionKey) String() string       { return "[session_key redacted]" }
func (SessionKey) GoString() string     { return "[session_key redacted]" }
func (SessionKey) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// WeChatIdentity is what code2session tells us about the person behind a
// login code.
type WeChatIdentity struct {
	OpenID     string
	UnionID    string // empty when the mini-program is not bound to an Open Platform account
	SessionKey SessionKey
}

// Validate refuses an identity we could not store safely: an openid and
// unionid are up to 128 printable ASCII characters (WeChat's are 28 of
// [0-9A-Za-z_-]); anything else, a U+0000 that PostgreSQL cannot store
// say, is WeChat answering garbage, not a user.
func (w WeChatIdentity) Validate() error {
	if w.OpenID == "" || len(w.OpenID) > 128 || !printableASCII(w.OpenID) {
		return fmt.Errorf("%w: code2session returned no usable openid", ErrWeChatUnavailable)
	}
	if len(w.UnionID) > 128 || !printableASCII(w.UnionID) {
		return fmt.Errorf("%w: code2session returned an unusable unionid", ErrWeChatUnavailable)
	}
	if w.SessionKey.IsZero() {
		return fmt.Errorf("%w: code2session returned no session_key", ErrWeChatUnavailable)
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
