package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

// RecordPayment is one pipelined transaction: BEGIN and the locking read
// of the order with its refunds in one round trip, then the order's
// writes, the ledger row and COMMIT in another (River's job insert, when
// the payment made jobs, carries the writes queued before it).
func (s *Store) RecordPayment(ctx context.Context, r domain.PaymentRecord, decide func(*domain.Order) (domain.Verdict, string, error)) (domain.Verdict, error) {
	err := s.inPipe(ctx, func(tx *pipeTx, q, w *dbsqlc.Queries) error {
		// The row lock makes concurrent duplicates queue here: the first
		// applies the payment, the rest see it applied. Confirming a
		// payment looks at the order's totals, state and refunds, never
		// its lines: they are not read.
		order, err := lockOrder(ctx, tx, nil, r.Transaction.OutTradeNo)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			order = nil
		case err != nil:
			return err
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
				if err := saveOrder(ctx, w, order, before); err != nil {
					return err
				}
			}
			if err := s.saveEffects(ctx, tx, w, order); err != nil {
				return err
			}
		}
		return appendLedger(ctx, w, r)
	})
	if isUniqueViolation(err, "orders_transaction_id_key") {
		// The order's write (queued) failed when it was sent: another
		// order holds this transaction_id. Nothing was written.
		err = domain.ErrTransactionElsewhere
	}
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
