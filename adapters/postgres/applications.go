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

// Buyers' refund applications (domain.RefundApplications). Every write
// locks the order first, then the application: the order lock is what
// every refund path takes, so the two never wait for each other in
// opposite orders.

var _ domain.RefundApplications = (*Store)(nil)

func (s *Store) CreateRefundApplication(ctx context.Context, userID, orderID uuid.UUID,
	create func(*domain.Order, []*domain.RefundApplication) (*domain.RefundApplication, error)) (*domain.RefundApplication, error) {
	var out *domain.RefundApplication
	err := s.inTx(ctx, func(_ pgx.Tx, q *dbsqlc.Queries) error {
		o, err := lockBuyersOrder(ctx, q, userID, orderID)
		if err != nil {
			return err
		}
		existing, err := applicationsOf(ctx, q, orderID)
		if err != nil {
			return err
		}
		a, err := create(o, existing)
		if err != nil {
			return err
		}
		out = a
		return q.InsertRefundApplication(ctx, dbsqlc.InsertRefundApplicationParams{ID: a.ID, OrderID: a.OrderID, UserID: a.UserID,
			AmountFen: a.AmountFen, Reason: a.Reason, Status: string(a.Status), Note: a.Note, OutRefundNo: a.OutRefundNo,
			Approvals: int32(a.Approvals), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt})
	})
	return out, err
}

func lockBuyersOrder(ctx context.Context, q *dbsqlc.Queries, userID, orderID uuid.UUID) (*domain.Order, error) {
	row, err := q.LockOrder(ctx, orderID)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && userID != uuid.Nil && row.UserID != userID {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lock order: %w", err)
	}
	return withRefunds(ctx, q, row, true)
}

func (s *Store) RefundApplicationsOf(ctx context.Context, userID, orderID uuid.UUID) ([]*domain.RefundApplication, error) {
	if userID != uuid.Nil {
		if _, err := s.FindOrder(ctx, userID, orderID); err != nil { // the buyer's, or ErrNotFound
			return nil, err
		}
	}
	return applicationsOf(ctx, s.q, orderID)
}

func applicationsOf(ctx context.Context, q *dbsqlc.Queries, orderID uuid.UUID) ([]*domain.RefundApplication, error) {
	rows, err := q.RefundApplicationsOfOrder(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("refund applications: %w", err)
	}
	out := make([]*domain.RefundApplication, len(rows))
	for i, r := range rows {
		out[i] = application(r.RefundApplication, r.OutTradeNo, r.RefundStatus, r.RefundUpdatedAt)
	}
	return out, nil
}

func (s *Store) DecideRefundApplication(ctx context.Context, id, userID uuid.UUID, audit *domain.Audit,
	decide func(*domain.RefundApplication, *domain.Order) error) (*domain.RefundApplication, error) {
	var out *domain.RefundApplication
	err := s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		ref, err := q.RefundApplicationOrder(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && userID != uuid.Nil && ref.UserID != userID {
			return domain.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("find refund application: %w", err)
		}
		o, err := lockBuyersOrder(ctx, q, uuid.Nil, ref.OrderID)
		if err != nil {
			return err
		}
		row, err := q.LockRefundApplication(ctx, id)
		if err != nil {
			return fmt.Errorf("lock refund application: %w", err)
		}
		a := application(row, o.OutTradeNo(), "", nil)
		before := o.Status()
		if err := decide(a, o); err != nil {
			return err
		}
		if err := saveOrder(ctx, q, o, before); err != nil {
			return err
		}
		if err := s.saveEffects(ctx, tx, q, o); err != nil {
			return err
		}
		if audit != nil {
			if err := insertAudit(ctx, q, *audit); err != nil {
				return err
			}
		}
		out = a
		return q.SaveRefundApplication(ctx, dbsqlc.SaveRefundApplicationParams{ID: a.ID, Status: string(a.Status), Note: a.Note,
			OutRefundNo: a.OutRefundNo, Approvals: int32(a.Approvals), UpdatedAt: a.UpdatedAt})
	})
	return out, err
}

func (s *Store) OpenRefundApplications(ctx context.Context, limit int) ([]*domain.RefundApplication, error) {
	rows, err := s.q.OpenRefundApplications(ctx, int32(limit))
	if err != nil {
		return nil, fmt.Errorf("open refund applications: %w", err)
	}
	out := make([]*domain.RefundApplication, len(rows))
	for i, r := range rows {
		out[i] = application(r.RefundApplication, r.OutTradeNo, r.RefundStatus, r.RefundUpdatedAt)
	}
	return out, nil
}

// application restores a row, in line with its refund's status when read with it.
func application(r dbsqlc.RefundApplication, outTradeNo, refundStatus string, refundAt *time.Time) *domain.RefundApplication {
	a := &domain.RefundApplication{ID: r.ID, OrderID: r.OrderID, UserID: r.UserID, OutTradeNo: outTradeNo, AmountFen: r.AmountFen,
		Reason: r.Reason, Status: domain.ApplicationStatus(r.Status), Note: r.Note, OutRefundNo: r.OutRefundNo, Approvals: int(r.Approvals),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if refundStatus != "" {
		a.FollowStatus(domain.RefundStatus(refundStatus), deref(refundAt))
	}
	return a
}
