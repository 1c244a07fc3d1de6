package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

// The buyer's profile and the images it refers to (domain.Profiles). The
// images live in Postgres, the default behind the port; an object store
// would implement Image and the image half of SetAvatar.

var _ domain.Profiles = (*Store)(nil)

func (s *Store) SetNickname(ctx context.Context, userID uuid.UUID, nickname string) (domain.Profile, error) {
	row, err := s.q.SetNickname(ctx, dbsqlc.SetNicknameParams{ID: userID, Nickname: nickname})
	if err != nil {
		return domain.Profile{}, fmt.Errorf("set nickname: %w", err)
	}
	return domain.Profile{Nickname: row.Nickname, AvatarID: row.AvatarID, PhoneMasked: row.PhoneMasked}, nil
}

func (s *Store) SetAvatar(ctx context.Context, userID uuid.UUID, img domain.Image) (domain.Profile, error) {
	var p domain.Profile
	err := s.inTx(ctx, func(_ pgx.Tx, q *dbsqlc.Queries) error {
		if err := q.PutImage(ctx, dbsqlc.PutImageParams{ID: img.ID, ContentType: img.ContentType, Bytes: img.Bytes}); err != nil {
			return fmt.Errorf("store image: %w", err)
		}
		id := img.ID
		row, err := q.SetAvatar(ctx, dbsqlc.SetAvatarParams{ID: userID, AvatarID: &id})
		if err != nil {
			return fmt.Errorf("set avatar: %w", err)
		}
		p = domain.Profile{Nickname: row.Nickname, AvatarID: row.AvatarID, PhoneMasked: row.PhoneMasked}
		return nil
	})
	return p, err
}

// phoneOwner binds a sealed phone number to its user.
func phoneOwner(userID uuid.UUID) string { return "phone:" + userID.String() }

func (s *Store) SetPhone(ctx context.Context, userID uuid.UUID, ph domain.Phone) (domain.Profile, error) {
	sealed, err := s.seal.Seal([]byte(ph.Number), phoneOwner(userID))
	if err != nil {
		return domain.Profile{}, fmt.Errorf("seal phone: %w", err)
	}
	row, err := s.q.SetPhone(ctx, dbsqlc.SetPhoneParams{ID: userID, PhoneSealed: sealed, PhoneMasked: ph.Masked()})
	if err != nil {
		return domain.Profile{}, fmt.Errorf("set phone: %w", err)
	}
	return domain.Profile{Nickname: row.Nickname, AvatarID: row.AvatarID, PhoneMasked: row.PhoneMasked}, nil
}

func (s *Store) Image(ctx context.Context, id string) (domain.Image, error) {
	row, err := s.q.GetImage(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Image{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Image{}, fmt.Errorf("image: %w", err)
	}
	return domain.Image{ID: row.ID, ContentType: row.ContentType, Bytes: row.Bytes}, nil
}

var _ domain.Subscriptions = (*Store)(nil)

func (s *Store) Grant(ctx context.Context, userID uuid.UUID, n map[string]int) error {
	return s.inTx(ctx, func(_ pgx.Tx, q *dbsqlc.Queries) error {
		for id, k := range n {
			if err := q.GrantSubscription(ctx, dbsqlc.GrantSubscriptionParams{UserID: userID, TemplateID: id, N: int32(k)}); err != nil {
				return fmt.Errorf("grant subscription: %w", err)
			}
		}
		return nil
	})
}

func (s *Store) Remaining(ctx context.Context, userID uuid.UUID) (map[string]int, error) {
	rows, err := s.q.SubscriptionsOf(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.TemplateID] = int(r.Remaining)
	}
	return out, nil
}

var _ domain.SendMessages = (*Store)(nil)

func (s *Store) UseSubscription(ctx context.Context, userID uuid.UUID, templateID string) (bool, error) {
	n, err := s.q.UseSubscription(ctx, dbsqlc.UseSubscriptionParams{UserID: userID, TemplateID: templateID})
	if err != nil {
		return false, fmt.Errorf("use subscription: %w", err)
	}
	return n == 1, nil
}

func (s *Store) ClearSubscription(ctx context.Context, userID uuid.UUID, templateID string) error {
	if err := s.q.ClearSubscription(ctx, dbsqlc.ClearSubscriptionParams{UserID: userID, TemplateID: templateID}); err != nil {
		return fmt.Errorf("clear subscription: %w", err)
	}
	return nil
}

func (s *Store) ReturnSubscription(ctx context.Context, userID uuid.UUID, templateID string) error {
	return s.Grant(ctx, userID, map[string]int{templateID: 1})
}
