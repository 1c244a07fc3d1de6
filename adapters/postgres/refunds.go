package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

// Refunds are stored with their order: loaded with orders that were ever
// paid, saved with the order's effects, created under the order's lock.

// everPaid says whether an order can have refunds, so that only such
// orders pay for loading them.
func everPaid(r dbsqlc.Order) bool {
	return r.TransactionID != nil // paid, shipped, received, completed, late_paid, refunded
}

// withRefunds restores one order with its lines (when asked) and refunds.
func withRefunds(ctx context.Context, q *dbsqlc.Queries, row dbsqlc.Order, lines bool) (*domain.Order, error) {
	var ls []domain.OrderLine
	if lines {
		lineRows, err := q.OrderLines(ctx, []uuid.UUID{row.ID})
		if err != nil {
			return nil, fmt.Errorf("load order lines: %w", err)
		}
		for _, l := range lineRows {
			ls = append(ls, domain.OrderLine{ProductID: l.ProductID, Name: l.Name, UnitPriceFen: l.UnitPriceFen, Quantity: int(l.Quantity),
				Kind: domain.ProductKind(l.Kind)})
		}
	}
	var refunds []*domain.Refund
	if everPaid(row) {
		rows, err := q.OrderRefunds(ctx, row.ID)
		if err != nil {
			return nil, fmt.Errorf("load refunds: %w", err)
		}
		for _, r := range rows {
			refunds = append(refunds, restoreRefund(r))
		}
	}
	return restoreOrder(row, ls, refunds), nil
}

func restoreRefund(r dbsqlc.Refund) *domain.Refund {
	return domain.RestoreRefund(domain.RefundSnapshot{
		ID: r.ID, OrderID: r.OrderID, OutRefundNo: r.OutRefundNo, AmountFen: r.AmountFen, Reason: r.Reason,
		Status: domain.RefundStatus(r.Status), RefundID: deref(r.RefundID), Failure: r.Failure, RequestedBy: r.RequestedBy,
		CheckAttempts: int(r.CheckAttempts), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, SucceededAt: deref(r.SucceededAt),
	})
}

func saveRefund(ctx context.Context, q *dbsqlc.Queries, r *domain.Refund, key string, hash []byte) error {
	snap := r.Snapshot()
	err := q.SaveRefund(ctx, dbsqlc.SaveRefundParams{
		ID: snap.ID, OrderID: snap.OrderID, OutRefundNo: snap.OutRefundNo, AmountFen: snap.AmountFen, Reason: snap.Reason,
		Status: string(snap.Status), RefundID: optional(snap.RefundID), Failure: snap.Failure, RequestedBy: snap.RequestedBy,
		IdempotencyKey: optional(key), RequestHash: hash, CheckAttempts: int32(snap.CheckAttempts),
		CreatedAt: snap.CreatedAt, UpdatedAt: snap.UpdatedAt, SucceededAt: optionalTime(snap.SucceededAt),
	})
	if err != nil {
		return fmt.Errorf("save refund %s: %w", snap.OutRefundNo, err)
	}
	return nil
}

func (s *Store) CreateRefund(ctx context.Context, orderID uuid.UUID, key string, requestHash []byte, audit *domain.Audit, create func(*domain.Order) (*domain.Refund, error)) (refund *domain.Refund, created bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		if key != "" {
			if err := q.ClaimIdempotencyKey(ctx, "refund/"+key); err != nil {
				return fmt.Errorf("claim idempotency key: %w", err)
			}
			prior, err := q.FindRefundByKey(ctx, &key)
			switch {
			case err == nil:
				if !bytes.Equal(prior.RequestHash, requestHash) || prior.OrderID != orderID {
					return domain.ErrIdempotencyConflict
				}
				row, err := q.GetOrder(ctx, prior.OrderID)
				if err != nil {
					return fmt.Errorf("load refunded order: %w", err)
				}
				o, err := withRefunds(ctx, q, row, false)
				if err != nil {
					return err
				}
				for _, r := range o.Refunds() {
					if r.ID() == prior.ID {
						refund = r
					}
				}
				return nil
			case !errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("find refund by key: %w", err)
			}
		}
		row, err := q.LockOrder(ctx, orderID)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock order: %w", err)
		}
		o, err := withRefunds(ctx, q, row, false)
		if err != nil {
			return err
		}
		r, err := create(o)
		if err != nil {
			return err
		}
		// A new refund changes nothing on the order row itself: only the
		// refund (with its key) and its submit job are written.
		if err := s.saveEffectsKeyed(ctx, tx, q, o, r, key, requestHash); err != nil {
			return err
		}
		if audit != nil {
			a := *audit
			a.Detail = map[string]any{"out_refund_no": r.OutRefundNo(), "amount_fen": r.AmountFen(), "reason": r.Reason()}
			if err := insertAudit(ctx, q, a); err != nil {
				return err
			}
		}
		refund, created = r, true
		return nil
	})
	return refund, created, err
}

func (s *Store) UnsettledRefunds(ctx context.Context, after *domain.RefundCursor, limit int) ([]domain.UnsettledRefund, error) {
	p := dbsqlc.UnsettledRefundsParams{MaxRows: int32(limit)}
	if after != nil {
		p.AfterCreatedAt, p.AfterID = &after.CreatedAt, after.ID
	}
	rows, err := s.q.UnsettledRefunds(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list unsettled refunds: %w", err)
	}
	out := make([]domain.UnsettledRefund, len(rows))
	for i, r := range rows {
		out[i] = domain.UnsettledRefund{Refund: restoreRefund(r.Refund), OutTradeNo: r.OutTradeNo}
	}
	return out, nil
}

func (s *Store) RefundOrderID(ctx context.Context, outRefundNo string) (uuid.UUID, error) {
	id, err := s.q.RefundOrderID(ctx, outRefundNo)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, domain.ErrNotFound
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("find refund: %w", err)
	}
	return id, nil
}

func (s *Store) RecordAudit(ctx context.Context, a domain.Audit) error {
	return insertAudit(ctx, s.q, a)
}
