package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

// The platform's access_token, shared by the instances (domain.PlatformTokens),
// sealed at rest like a session_key.

var _ domain.PlatformTokens = (*Store)(nil)

// tokenOwner binds a sealed token to its appid: a row copied to another
// appid does not open.
func tokenOwner(appID string) string { return "platform_token:" + appID }

func (s *Store) SharedToken(ctx context.Context, appID string) (domain.PlatformToken, error) {
	row, err := s.q.SharedToken(ctx, appID)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.PlatformToken{}, nil
	}
	if err != nil {
		return domain.PlatformToken{}, fmt.Errorf("read access_token: %w", err)
	}
	return s.openToken(row)
}

func (s *Store) RenewToken(ctx context.Context, appID string, renew func(context.Context, domain.PlatformToken) (domain.PlatformToken, error)) (domain.PlatformToken, error) {
	var out domain.PlatformToken
	err := s.inTx(ctx, func(_ pgx.Tx, q *dbsqlc.Queries) error {
		if err := q.EnsureTokenRow(ctx, appID); err != nil {
			return fmt.Errorf("access_token row: %w", err)
		}
		row, err := q.LockToken(ctx, appID)
		if err != nil {
			return fmt.Errorf("lock access_token: %w", err)
		}
		stored, err := s.openToken(row)
		if err != nil {
			return err
		}
		next, err := renew(ctx, stored)
		if err != nil {
			return err
		}
		out = next
		if next == stored {
			return nil
		}
		sealed, err := s.seal.Seal([]byte(next.Value), tokenOwner(appID))
		if err != nil {
			return fmt.Errorf("seal access_token: %w", err)
		}
		return q.StoreToken(ctx, dbsqlc.StoreTokenParams{Appid: appID, AccessToken: sealed, ExpiresAt: optionalTime(next.ExpiresAt),
			FetchedAt: optionalTime(next.FetchedAt), ForcedAt: optionalTime(next.ForcedAt), Forces: int32(next.Forces)})
	})
	return out, err
}

func (s *Store) openToken(row dbsqlc.PlatformToken) (domain.PlatformToken, error) {
	t := domain.PlatformToken{ExpiresAt: deref(row.ExpiresAt), FetchedAt: deref(row.FetchedAt), ForcedAt: deref(row.ForcedAt), Forces: int(row.Forces)}
	if len(row.AccessToken) > 0 {
		plain, err := s.seal.Open(row.AccessToken, tokenOwner(row.Appid))
		if err != nil {
			return domain.PlatformToken{}, fmt.Errorf("open access_token: %w", err)
		}
		t.Value = string(plain)
	}
	return t, nil
}
