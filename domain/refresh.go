package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"
)

// RefreshOrder is the active query (主动查询): when the mini-program says
// the payment sheet closed after paying, or the pay page is shown again,
// the server asks WeChat Pay now instead of waiting for a notification
// that may be late or lost, and applies a verified SUCCESS. The per-order
// check jobs use it too.
//
// WeChat is asked at most once per order per queryInterval, across
// instances (the order row remembers the last query), and callers on one
// instance that ask at the same moment share one answer.
type RefreshOrder struct {
	orders  Orders
	pay     WeChatPay
	confirm *ConfirmPayment
	now     Clock
	monitor Monitor
	log     *slog.Logger
	flight  singleflight.Group
}

func NewRefreshOrder(orders Orders, pay WeChatPay, confirm *ConfirmPayment, now Clock, monitor Monitor, log *slog.Logger) *RefreshOrder {
	return &RefreshOrder{orders: orders, pay: pay, confirm: confirm, now: now, monitor: monitor, log: log}
}

// Execute refreshes the caller's order and returns it as it now stands.
func (r *RefreshOrder) Execute(ctx context.Context, s Session, orderID uuid.UUID) (*Order, error) {
	o, err := r.orders.FindOrder(ctx, s.User().ID(), orderID)
	if err != nil {
		return nil, err
	}
	if !r.worthAsking(o) {
		return o, nil
	}
	if err := r.ask(ctx, o.ID()); err != nil {
		return nil, err
	}
	return r.orders.FindOrder(ctx, s.User().ID(), orderID)
}

// Check is the per-order job: the same question, for any order.
func (r *RefreshOrder) Check(ctx context.Context, orderID uuid.UUID) error {
	o, err := r.orders.GetOrder(ctx, orderID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !r.worthAsking(o) {
		return nil
	}
	return r.ask(ctx, orderID)
}

// worthAsking: only a pending order WeChat has seen can have been paid
// without our knowing.
func (r *RefreshOrder) worthAsking(o *Order) bool {
	return o.Status() == OrderPending && o.PrepayID() != ""
}

func (r *RefreshOrder) ask(ctx context.Context, orderID uuid.UUID) error {
	// The first caller's cancellation must not fail the others sharing
	// its answer.
	work := context.WithoutCancel(ctx)
	ch := r.flight.DoChan(orderID.String(), func() (any, error) {
		work, cancel := context.WithTimeout(work, 15*time.Second)
		defer cancel()
		return nil, r.askOnce(work, orderID)
	})
	select {
	case res := <-ch:
		return res.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *RefreshOrder) askOnce(ctx context.Context, orderID uuid.UUID) error {
	o, err := r.orders.UpdateOrder(ctx, orderID, func(o *Order) error { return o.claimQuery(r.now()) })
	if errors.Is(err, errRecentlyAsked) {
		return nil // another caller or instance just asked; its answer is stored
	}
	if err != nil {
		return err
	}
	// A REFUND state is flagged with the payment (ConfirmPayment).
	_, _, err = settleFromQuery(ctx, r.pay, r.confirm, o.OutTradeNo())
	switch {
	case errors.Is(err, ErrNotFound):
		return nil // not paid: WeChat has no transaction yet
	case err != nil:
		return fmt.Errorf("ask WeChat Pay: %w", err)
	}
	return nil
}

// errRecentlyAsked: WeChat was asked about the order moments ago.
var errRecentlyAsked = errors.New("asked WeChat moments ago")

// claimQuery takes the right to ask WeChat about the order now.
func (o *Order) claimQuery(now time.Time) error {
	if !o.lastQueryAt.IsZero() && now.Before(o.lastQueryAt.Add(queryInterval)) {
		return errRecentlyAsked
	}
	o.lastQueryAt = now.UTC()
	return nil
}

// HandleLatePayment is the job a late payment hands the money to: it
// refunds the payment in full, with a reason the buyer understands, as the
// service (SystemActor, audited like an operator). The payment's
// late_payment item stays open until that refund succeeds; should it
// close, it is asked for again (refundClosed).
type HandleLatePayment struct {
	orders  Orders
	now     Clock
	monitor Monitor
	log     *slog.Logger
}

func NewHandleLatePayment(orders Orders, now Clock, monitor Monitor, log *slog.Logger) *HandleLatePayment {
	return &HandleLatePayment{orders: orders, now: now, monitor: monitor, log: log}
}

func (h *HandleLatePayment) Execute(ctx context.Context, orderID uuid.UUID) error {
	var refund *Refund
	var refuseErr error
	o, err := h.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
		if o.Status() != OrderLatePaid || len(o.Refunds()) > 0 {
			return nil // refunded already (or being refunded)
		}
		// An error leaves the payment to its late_payment item, open since
		// the payment was found.
		refund, refuseErr = o.Refund(o.TotalFen(), lateRefundReason, SystemActor, h.now())
		return nil
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case refuseErr != nil:
		h.log.ErrorContext(ctx, "late payment cannot be refunded automatically; its attention item asks a person", "order_id", o.ID(),
			"out_trade_no", o.OutTradeNo(), "err", refuseErr)
	case refund != nil:
		h.log.InfoContext(ctx, "late payment is being refunded", "order_id", o.ID(), "out_refund_no", refund.OutRefundNo(), "amount_fen", refund.AmountFen())
	}
	return nil
}
