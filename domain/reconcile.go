package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// ReconcilePolicy says how an order that will not settle is retried.
type ReconcilePolicy struct {
	// Checks are when, after placing, WeChat is asked about a pending order
	// (the user may be paying; a notification may be lost).
	Checks []time.Duration
	// Backoff is the wait after each settle attempt that did not end the
	// order (USERPAYING, WeChat failing, a close refused...); the last
	// entry repeats. MaxAttempts attempts later the order is flagged for a
	// person and no longer retried.
	Backoff     []time.Duration
	MaxAttempts int
}

// DefaultReconcilePolicy asks at +1, +5 and +15 minutes, then settles at
// expiry with a back-off that spans about a day (WeChat retries
// notifications for 24 hours): 1m, 2m, 5m, 10m, 30m, 1h, 2h, 4h, 8h, 8h.
func DefaultReconcilePolicy() ReconcilePolicy {
	return ReconcilePolicy{
		Checks: []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute},
		Backoff: []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute,
			time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour},
		MaxAttempts: 10,
	}
}

func (p ReconcilePolicy) backoff(attempt int) time.Duration {
	if len(p.Backoff) == 0 {
		return time.Minute
	}
	return p.Backoff[min(attempt, len(p.Backoff))-1]
}

// errNotDue: the order is not due for a settle attempt (not open, not yet
// time, or another instance holds it).
var errNotDue = errors.New("order not due")

// errExhausted: the order used up its attempts and was flagged.
var errExhausted = errors.New("order unresolved after its attempts")

// BeginSettle claims the next settle attempt of an open order that is due
// at now: it counts the attempt and pushes the next one back, which is also
// the lease that keeps a second instance (or the sweep and a job) from
// doing the same attempt. After the last attempt the order is flagged for
// a person and never retried.
func (o *Order) BeginSettle(now time.Time, p ReconcilePolicy) error {
	if !o.status.Open() || o.nextCheckAt.IsZero() || now.Before(o.nextCheckAt) {
		return errNotDue
	}
	o.checkAttempts++
	if o.checkAttempts > p.MaxAttempts {
		o.nextCheckAt = time.Time{}
		o.flag(AttentionUnresolved, Why{Reason: ReasonOrderUnsettled, Count: p.MaxAttempts, Cause: string(o.status)}, now)
		return errExhausted
	}
	o.nextCheckAt = now.Add(p.backoff(o.checkAttempts)).UTC()
	return nil
}

// flagRefundReported marks an order WeChat says was refunded.
func (o *Order) flagRefundReported(now time.Time) {
	o.flag(AttentionRefundReported, Why{Reason: ReasonTradeStateRefund, TransactionID: o.transactionID}, now)
}

// Reconcile settles orders with WeChat Pay once their window has passed:
// paid ones are confirmed from the verified query (the notification was
// lost), unpaid ones are closed at WeChat and expired, releasing stock.
// One order is settled by Settle (the per-order job); Execute is the
// periodic safety net over every open order that is due.
type Reconcile struct {
	orders  Orders
	pay     WeChatPay
	confirm *ConfirmPayment
	now     Clock
	policy  ReconcilePolicy
	monitor Monitor
	log     *slog.Logger
}

func NewReconcile(orders Orders, pay WeChatPay, confirm *ConfirmPayment, now Clock, policy ReconcilePolicy, monitor Monitor, log *slog.Logger) *Reconcile {
	return &Reconcile{orders: orders, pay: pay, confirm: confirm, now: now, policy: policy, monitor: monitor, log: log}
}

// Outcomes of one settle attempt (ReconcileResult, and the metric).
const (
	OutcomePaid      = "paid"      // a payment was applied (or a late one recorded)
	OutcomeExpired   = "expired"   // closed and expired, stock released
	OutcomeCancelled = "cancelled" // a cancel's close finished
	OutcomeWaiting   = "waiting"   // not final yet; tried again later
	OutcomeFlagged   = "flagged"   // handed to a person
	OutcomeFailed    = "failed"    // an error; tried again later
	OutcomeNotDue    = "not_due"   // nothing to do now
)

// ReconcileResult counts what one pass really did.
type ReconcileResult struct {
	Paid, Expired, Cancelled, Waiting, Flagged, Failed int
}

func (r *ReconcileResult) add(outcome string) {
	switch outcome {
	case OutcomePaid:
		r.Paid++
	case OutcomeExpired:
		r.Expired++
	case OutcomeCancelled:
		r.Cancelled++
	case OutcomeWaiting:
		r.Waiting++
	case OutcomeFlagged:
		r.Flagged++
	case OutcomeFailed:
		r.Failed++
	}
}

// Execute settles up to limit open orders that are due, oldest due first.
// An order that does not settle is pushed back by its own back-off, so it
// never keeps the others from their turn.
func (r *Reconcile) Execute(ctx context.Context, limit int) (ReconcileResult, error) {
	var res ReconcileResult
	due, err := r.orders.DueOrders(ctx, r.now(), limit)
	if err != nil {
		return res, fmt.Errorf("reconcile: list: %w", err)
	}
	for _, id := range due {
		outcome, _ := r.Settle(ctx, id)
		res.add(outcome)
	}
	return res, nil
}

// Settle makes one attempt to settle the order and says what happened.
// Failures are logged and counted here; the order stays open and is due
// again at its NextAttempt.
func (r *Reconcile) Settle(ctx context.Context, orderID uuid.UUID) (string, error) {
	outcome, err := r.settle(ctx, orderID)
	if outcome != OutcomeNotDue {
		r.monitor.ReconcileOutcome(outcome)
	}
	switch outcome {
	case OutcomeFailed:
		r.log.WarnContext(ctx, "reconcile: order left open for its next attempt", "order_id", orderID, "err", err)
	case OutcomeFlagged:
		r.log.ErrorContext(ctx, "reconcile: order needs a person", "order_id", orderID, "err", err)
	}
	return outcome, err
}

// NextAttempt says when an open order is next due for Settle (zero if it
// is not open or no longer retried).
func (r *Reconcile) NextAttempt(ctx context.Context, orderID uuid.UUID) (time.Time, error) {
	o, err := r.orders.GetOrder(ctx, orderID)
	if err != nil {
		return time.Time{}, err
	}
	if !o.Status().Open() {
		return time.Time{}, nil
	}
	return o.NextCheckAt(), nil
}

func (r *Reconcile) settle(ctx context.Context, orderID uuid.UUID) (string, error) {
	now := r.now()
	exhausted := false
	o, err := r.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
		err := o.BeginSettle(now, r.policy)
		if errors.Is(err, errExhausted) {
			exhausted = true
			return nil // save the flag
		}
		return err
	})
	switch {
	case errors.Is(err, errNotDue), errors.Is(err, ErrNotFound):
		return OutcomeNotDue, nil
	case err != nil:
		return OutcomeFailed, err
	case exhausted:
		r.monitor.NeedsAttention(AttentionUnresolved)
		return OutcomeFlagged, fmt.Errorf("order %s: %w", orderID, errExhausted)
	}
	t, verdict, err := settleFromQuery(ctx, r.pay, r.confirm, o.OutTradeNo())
	switch {
	case errors.Is(err, ErrNotFound):
		// WeChat never saw it (prepay never arrived): nothing to close,
		// and past expiry nothing can pay it.
		return r.expire(ctx, o, EventTradeNotFound)
	case err != nil:
		return OutcomeFailed, err
	case t.State == TradeSuccess || t.State == TradeRefund:
		if !paidVerdict(verdict) {
			// Verified, but it does not match the order (ConfirmPayment
			// flagged it): asking again cannot change WeChat's answer.
			_, err := r.orders.UpdateOrder(ctx, o.ID(), func(o *Order) error { o.stopChecking(); return nil })
			return OutcomeFlagged, errors.Join(fmt.Errorf("verified %s payment was %s", t.State, verdict), err)
		}
		if verdict == VerdictDuplicate {
			return OutcomeNotDue, nil // applied meanwhile by someone else: nothing done here
		}
		return OutcomePaid, nil // a REFUND state was flagged with the payment (ConfirmPayment)
	case t.State == TradeUserPaying:
		return OutcomeWaiting, nil
	case t.State == TradeClosed || t.State == TradeRevoked || t.State == TradePayError:
		return r.expire(ctx, o, "TRADE."+string(t.State))
	}
	// NOTPAY: before expiry only a cancel's unfinished close brings us
	// here; past it, close at WeChat first so the sheet cannot be used.
	if o.Status() == OrderPending && now.Before(o.ExpiresAt()) {
		return OutcomeWaiting, nil
	}
	o, err = r.orders.UpdateOrder(ctx, o.ID(), func(o *Order) error { return o.beginExpire(r.now()) })
	if errors.Is(err, errAlreadyEnded) {
		return OutcomeNotDue, nil
	}
	if err != nil {
		return OutcomeFailed, err
	}
	outcome := endOutcome(o)
	if err := closeAtWeChat(ctx, r.orders, r.pay, r.confirm, o, false); err != nil {
		if errors.Is(err, ErrOrderNotCancellable) {
			return OutcomePaid, nil // paid after all, applied from the query
		}
		return OutcomeFailed, err
	}
	return outcome, nil
}

// expire ends an open order WeChat says can no longer be paid (its answer
// is eventType), without asking WeChat to close it; the answer is ledgered
// with the move.
func (r *Reconcile) expire(ctx context.Context, o *Order, eventType string) (string, error) {
	outcome := endOutcome(o)
	now := r.now()
	a := UnpaidAnswer{Source: SourceQuery, EventType: eventType, OutTradeNo: o.OutTradeNo()}
	verdict, err := r.confirm.EndUnpaid(ctx, a, func(o *Order) error { return o.ExpireUnpaid(now) })
	switch {
	case err != nil:
		return OutcomeFailed, err
	case verdict == VerdictDuplicate:
		return OutcomeNotDue, nil // ended meanwhile by someone else
	}
	return outcome, nil
}

func endOutcome(o *Order) string {
	if o.Status() == OrderClosing && o.closeTo == OrderCancelled {
		return OutcomeCancelled
	}
	return OutcomeExpired
}

// stopChecking ends reconciliation of an order a person must look at.
func (o *Order) stopChecking() { o.nextCheckAt = time.Time{} }
