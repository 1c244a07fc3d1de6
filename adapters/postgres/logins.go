package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

var (
	_ domain.Logins   = (*Store)(nil)
	_ domain.Sessions = (*Store)(nil)
)

func (s *Store) SaveLogin(ctx context.Context, id domain.WeChatIdentity, ns domain.NewSession) (domain.User, error) {
	sealed, err := s.seal.Seal(id.SessionKey.Bytes(), id.OpenID)
	if err != nil {
		return domain.User{}, err
	}
	// The user and the session in one statement: one round trip, both
	// rows or neither.
	row, err := s.q.SaveLogin(ctx, dbsqlc.SaveLoginParams{
		Openid:               id.OpenID,
		Unionid:              optional(id.UnionID),
		SessionKeyCiphertext: sealed,
		Now:                  ns.CreatedAt,
		TokenDigest:          ns.Digest[:],
		ExpiresAt:            ns.ExpiresAt,
	})
	if err != nil {
		return domain.User{}, fmt.Errorf("save login: %w", err)
	}
	return domain.RestoreUser(row.ID, row.Openid, deref(row.Unionid), row.CreatedAt), nil
}

func (s *Store) FindSession(ctx context.Context, d domain.TokenDigest) (domain.Session, error) {
	row, err := s.q.FindSessionByDigest(ctx, d[:])
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Session{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Session{}, fmt.Errorf("find session: %w", err)
	}
	user := domain.RestoreUser(row.UserID, row.Openid, deref(row.Unionid), row.UserCreatedAt).
		WithProfile(domain.Profile{Nickname: row.Nickname, AvatarID: row.AvatarID, PhoneMasked: row.PhoneMasked})
	return domain.RestoreSession(row.ID, user, row.ExpiresAt, deref(row.RevokedAt)), nil
}

func (s *Store) RevokeSession(ctx context.Context, id uuid.UUID, at time.Time) error {
	if err := s.q.RevokeSession(ctx, dbsqlc.RevokeSessionParams{ID: id, RevokedAt: &at}); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// SessionKey decrypts the user's current session key, for verifying or
// decrypting data the mini-program signed with it.
func (s *Store) SessionKey(ctx context.Context, userID uuid.UUID) (domain.SessionKey, error) {
	row, err := s.q.GetSessionKeyCiphertext(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.SessionKey{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.SessionKey{}, fmt.Errorf("load session key: %w", err)
	}
	plain, err := s.seal.Open(row.SessionKeyCiphertext, row.Openid)
	if err != nil {
		return domain.SessionKey{}, err
	}
	return domain.SessionKeyFromBytes(plain)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// PurgeExpiredSessions deletes sessions that expired before the given
// time, so the sessions table does not grow with every login forever.
func (s *Store) PurgeExpiredSessions(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.q.DeleteSessionsExpiredBefore(ctx, before)
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return n, nil
}
