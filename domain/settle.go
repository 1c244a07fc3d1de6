package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
)

// Payment sources in the ledger.
const (
	SourceNotification = "notification"
	SourceQuery        = "query"
)

// EventTransactionSuccess is the only event that can make an order paid.
const EventTransactionSuccess = "TRANSACTION.SUCCESS"

// ConfirmPayment applies a verified payment to its order, exactly once,
// and records every notification in the ledger with its verdict.
type ConfirmPayment struct {
	orders   Orders
	merchant Merchant
	now      Clock
}

func NewConfirmPayment(orders Orders, merchant Merchant, now Clock) *ConfirmPayment {
	return &ConfirmPayment{orders: orders, merchant: merchant, now: now}
}

// Execute handles a notification (or a query answer, with source
// SourceQuery) whose signature has been verified. Duplicates, ignored
// events and suspicious claims are handled outcomes, not errors: only a
// failure to record returns an error, so that WeChat retries.
func (c *ConfirmPayment) Execute(ctx context.Context, source string, n PaymentNotification) (Verdict, error) {
	rec := PaymentRecord{
		EventID: n.ID, Source: source, EventType: n.EventType,
		ReceivedAt: c.now().UTC(), Transaction: n.Transaction,
	}
	return c.orders.RecordPayment(ctx, rec, func(o *Order) (Verdict, string, error) {
		if n.EventType != EventTransactionSuccess {
			return VerdictIgnored, "event " + n.EventType, nil
		}
		if o == nil {
			return VerdictSuspicious, fmt.Sprintf("no order with out_trade_no %q", n.Transaction.OutTradeNo), nil
		}
		v, reason := VerdictOf(o.ConfirmPaid(n.Transaction, c.merchant))
		if v == "" {
			return "", "", errors.New(reason)
		}
		return v, reason, nil
	})
}

// Refused records a notification that failed verification. It never
// touches an order.
func (c *ConfirmPayment) Refused(ctx context.Context, eventID, reason string) error {
	return c.orders.RecordRefused(ctx, PaymentRecord{
		EventID: eventID, Source: SourceNotification, ReceivedAt: c.now().UTC(),
		Verdict: VerdictRejected, Reason: reason,
	})
}

// CancelOrder closes an unpaid order: first at WeChat, so that the payment
// sheet can no longer be used, then here, releasing the stock.
type CancelOrder struct {
	orders  Orders
	pay     WeChatPay
	confirm *ConfirmPayment
}

func NewCancelOrder(orders Orders, pay WeChatPay, confirm *ConfirmPayment) *CancelOrder {
	return &CancelOrder{orders: orders, pay: pay, confirm: confirm}
}

func (c *CancelOrder) Execute(ctx context.Context, s Session, orderID uuid.UUID) (*Order, error) {
	order, err := c.orders.FindOrder(ctx, s.User().ID(), orderID)
	if err != nil {
		return nil, err
	}
	switch order.Status() {
	case OrderCancelled, OrderExpired:
		return order, nil
	case OrderPaid:
		return nil, ErrOrderNotCancellable
	}
	if err := c.pay.CloseOrder(ctx, order.OutTradeNo()); err != nil {
		if errors.Is(err, ErrPaymentRejected) {
			// WeChat refuses to close a paid transaction: the user paid while
			// we were cancelling. Believe WeChat, not the cancel button.
			if _, serr := settleFromQuery(ctx, c.pay, c.confirm, order.OutTradeNo()); serr != nil {
				return nil, fmt.Errorf("cancel order: close refused, then: %w", serr)
			}
			return nil, ErrOrderNotCancellable
		}
		return nil, fmt.Errorf("cancel order: close at WeChat: %w", err)
	}
	return c.orders.UpdateOrder(ctx, order.ID(), func(o *Order) error { return o.Cancel() })
}

// settleFromQuery asks WeChat about a transaction and applies it if paid.
func settleFromQuery(ctx context.Context, pay WeChatPay, confirm *ConfirmPayment, outTradeNo string) (TradeState, error) {
	t, err := pay.QueryOrder(ctx, outTradeNo)
	if err != nil {
		return "", err
	}
	if t.State == TradeSuccess {
		n := PaymentNotification{ID: "query:" + t.TransactionID, EventType: EventTransactionSuccess, Transaction: t}
		if _, err := confirm.Execute(ctx, SourceQuery, n); err != nil {
			return "", err
		}
	}
	return t.State, nil
}

// Reconcile is the job WeChat's retry schedule makes necessary: for every
// pending order past its payment window, ask WeChat what happened. Paid
// ones are confirmed from the verified query (the notification was lost);
// unpaid ones are closed at WeChat and expired here, releasing stock.
type Reconcile struct {
	orders  Orders
	pay     WeChatPay
	confirm *ConfirmPayment
	now     Clock
	log     *slog.Logger
}

func NewReconcile(orders Orders, pay WeChatPay, confirm *ConfirmPayment, now Clock, log *slog.Logger) *Reconcile {
	return &Reconcile{orders: orders, pay: pay, confirm: confirm, now: now, log: log}
}

// ReconcileResult counts what one pass did.
type ReconcileResult struct {
	Paid, Expired, Failed int
}

// Execute handles up to limit overdue orders; call it periodically.
func (r *Reconcile) Execute(ctx context.Context, limit int) (ReconcileResult, error) {
	var res ReconcileResult
	due, err := r.orders.PendingExpiredBefore(ctx, r.now(), limit)
	if err != nil {
		return res, fmt.Errorf("reconcile: list: %w", err)
	}
	for _, o := range due {
		if err := r.one(ctx, o, &res); err != nil {
			res.Failed++
			r.log.WarnContext(ctx, "reconcile: order left pending for the next pass", "order_id", o.ID(), "err", err)
		}
	}
	return res, nil
}

func (r *Reconcile) one(ctx context.Context, o *Order, res *ReconcileResult) error {
	state, err := settleFromQuery(ctx, r.pay, r.confirm, o.OutTradeNo())
	switch {
	case errors.Is(err, ErrNotFound):
		// WeChat never saw it (prepay never succeeded): nothing to close.
	case err != nil:
		return err
	case state == TradeSuccess:
		res.Paid++
		return nil
	case state == TradeUserPaying:
		return errors.New("the user is paying right now")
	default:
		if err := r.pay.CloseOrder(ctx, o.OutTradeNo()); err != nil {
			return err
		}
	}
	if _, err := r.orders.UpdateOrder(ctx, o.ID(), func(o *Order) error { return o.Expire(r.now()) }); err != nil {
		return err
	}
	res.Expired++
	return nil
}
