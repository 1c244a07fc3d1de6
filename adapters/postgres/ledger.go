package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

func (s *Store) RecordPayment(ctx context.Context, r domain.PaymentRecord, decide func(*domain.Order) (domain.Verdict, string, error)) (domain.Verdict, error) {
	err := s.inTx(ctx, func(tx pgx.Tx, q *dbsqlc.Queries) error {
		// The row lock makes concurrent duplicates queue here: the first
		// applies the payment, the rest see it applied.
		var order *domain.Order
		row, err := q.LockOrderByOutTradeNo(ctx, r.Transaction.OutTradeNo)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("lock order: %w", err)
		default:
			// Confirming a payment looks at the order's totals, state and
			// refunds, never its lines: skip that query on every notification.
			if order, err = withRefunds(ctx, q, row, false); err != nil {
				return err
			}
		}
		var before domain.OrderStatus
		if order != nil {
			before = order.Status()
		}
		verdict, reason, err := decide(order)
		if err != nil {
			return err
		}
		r.Verdict, r.Reason = verdict, reason
		if order != nil {
			if verdict == domain.VerdictApplied || verdict == domain.VerdictLate {
				if err := saveOrder(ctx, q, order, before); err != nil {
					if isUniqueViolation(err, "orders_transaction_id_key") {
						return domain.ErrTransactionElsewhere
					}
					return err
				}
			}
			if err := s.saveEffects(ctx, tx, q, order); err != nil {
				return err
			}
		}
		return appendLedger(ctx, q, r)
	})
	if err != nil {
		return "", fmt.Errorf("record payment %s: %w", r.EventID, err)
	}
	return r.Verdict, nil
}

func (s *Store) RecordRefused(ctx context.Context, r domain.PaymentRecord, perMinute int) (bool, error) {
	n, err := s.q.AppendRefusal(ctx, dbsqlc.AppendRefusalParams{
		ReceivedAt: r.ReceivedAt, EventID: r.EventID, Source: r.Source, Reason: r.Reason, PerMinute: int32(perMinute),
	})
	if err != nil {
		return false, fmt.Errorf("record refused notification: %w", err)
	}
	return n == 1, nil
}

func appendLedger(ctx context.Context, q *dbsqlc.Queries, r domain.PaymentRecord) error {
	var amount *int64
	if r.Transaction.TotalFen != 0 {
		amount = &r.Transaction.TotalFen
	}
	return q.AppendLedger(ctx, dbsqlc.AppendLedgerParams{
		EventID: r.EventID, Source: r.Source, EventType: r.EventType,
		Verdict: string(r.Verdict), Reason: r.Reason,
		OutTradeNo: r.Transaction.OutTradeNo, TransactionID: r.Transaction.TransactionID, OutRefundNo: r.OutRefundNo,
		AmountFen: amount, ReceivedAt: r.ReceivedAt,
	})
}

// PurgeRefusalBudget forgets the refusal counts of minutes before before.
func (s *Store) PurgeRefusalBudget(ctx context.Context, before time.Time) error {
	if err := s.q.PurgeRefusalBudget(ctx, before); err != nil {
		return fmt.Errorf("purge refusal budget: %w", err)
	}
	return nil
}
