package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// ErrTransactionElsewhere: a payment names a transaction_id that another
// order already holds. WeChat gives each payment its own, so a verified
// claim of one transaction for two orders is believed for neither.
var ErrTransactionElsewhere = errors.New("transaction_id already belongs to another order")

// Payment sources in the ledger.
const (
	SourceNotification       = "notification"
	SourceQuery              = "query"
	SourceRefundNotification = "refund_notification"
	SourceRefundQuery        = "refund_query" // a verified answer to create or query refund
)

// EventTransactionSuccess is the only event that can make an order paid.
const EventTransactionSuccess = "TRANSACTION.SUCCESS"

// Monitor hears about what a person watching the shop wants counted and
// alerted on (adapters/metrics). It must not block.
type Monitor interface {
	PaymentVerdict(source string, v Verdict)
	// RefusalNotRecorded counts a refused notification left out of the
	// ledger because the minute's budget for refusals was spent.
	RefusalNotRecorded()
	NeedsAttention(kind AttentionKind)
	ReconcileOutcome(outcome string)
}

// LedgerPolicy bounds what the ledger keeps of notifications that failed
// verification: enough forensics for a misconfiguration, too few rows for
// an attacker to grow the database (the rest are only counted).
type LedgerPolicy struct {
	RefusalsPerMinute int
}

// DefaultLedgerPolicy keeps up to 120 refusals a minute.
func DefaultLedgerPolicy() LedgerPolicy { return LedgerPolicy{RefusalsPerMinute: 120} }

// ConfirmPayment applies a verified payment to its order, exactly once,
// and records every notification in the ledger with its verdict.
type ConfirmPayment struct {
	orders   Orders
	merchant Merchant
	now      Clock
	monitor  Monitor
	log      *slog.Logger
	ledger   LedgerPolicy
	// refusals lets at most the policy's refusals a minute from this
	// process reach the database. Both notify_urls refuse through this
	// one ConfirmPayment, so they share it, as they share the database's
	// budget: one flood cannot buy a second allowance at the other URL.
	refusals *refusalGate
}

func NewConfirmPayment(orders Orders, merchant Merchant, now Clock, monitor Monitor, log *slog.Logger, ledger LedgerPolicy) *ConfirmPayment {
	return &ConfirmPayment{orders: orders, merchant: merchant, now: now, monitor: monitor, log: log, ledger: ledger,
		refusals: newRefusalGate(ledger.RefusalsPerMinute, now)}
}

// Execute handles a notification (or a query answer, with source
// SourceQuery) whose signature has been verified. Duplicates, ignored
// events, late and suspicious payments are handled outcomes, not errors:
// only a failure to record returns an error, so that WeChat retries.
func (c *ConfirmPayment) Execute(ctx context.Context, source string, n PaymentNotification) (Verdict, error) {
	now := c.now().UTC()
	rec := PaymentRecord{
		EventID: n.ID, Source: source, EventType: n.EventType,
		ReceivedAt: now, Transaction: n.Transaction,
	}
	var refundReported bool
	verdict, err := c.orders.RecordPayment(ctx, rec, func(o *Order) (Verdict, string, error) {
		if n.EventType != EventTransactionSuccess {
			return VerdictIgnored, "event " + n.EventType, nil
		}
		if o == nil {
			return VerdictSuspicious, fmt.Sprintf("no order with out_trade_no %q", n.Transaction.OutTradeNo), nil
		}
		v, reason := VerdictOf(o.ConfirmPaid(n.Transaction, c.merchant, now))
		switch v {
		case "":
			return "", "", errors.New(reason)
		case VerdictSuspicious:
			o.flag(AttentionSuspiciousPayment, Why{Reason: ReasonPaymentMismatch, TransactionID: n.Transaction.TransactionID, Cause: reason}, now)
		}
		// A query that finds the payment refunded (trade_state REFUND) with
		// no refund of ours to explain it: someone refunded it elsewhere.
		// Flagged here, with the payment, whichever path asked WeChat.
		if n.Transaction.State == TradeRefund && paidVerdict(v) && len(o.refunds) == 0 {
			o.flagRefundReported(now)
			refundReported = true
		}
		return v, reason, nil
	})
	if errors.Is(err, ErrTransactionElsewhere) {
		// Nothing was saved; record it again as what it is, for a person.
		refundReported = false
		reason := fmt.Sprintf("transaction_id %q already paid another order", n.Transaction.TransactionID)
		verdict, err = c.orders.RecordPayment(ctx, rec, func(o *Order) (Verdict, string, error) {
			if o != nil {
				o.flag(AttentionSuspiciousPayment, Why{Reason: ReasonPaymentMismatch, TransactionID: n.Transaction.TransactionID, Cause: reason}, now)
			}
			return VerdictSuspicious, reason, nil
		})
	}
	if err != nil {
		return "", err
	}
	c.monitor.PaymentVerdict(source, verdict)
	switch verdict {
	case VerdictLate:
		c.monitor.NeedsAttention(AttentionLatePayment)
		c.log.ErrorContext(ctx, "late payment: money arrived for an order that had ended; it will be given back",
			"out_trade_no", n.Transaction.OutTradeNo, "transaction_id", n.Transaction.TransactionID, "amount_fen", n.Transaction.TotalFen)
	case VerdictSuspicious:
		c.monitor.NeedsAttention(AttentionSuspiciousPayment)
	}
	if refundReported {
		c.monitor.NeedsAttention(AttentionRefundReported)
	}
	return verdict, nil
}

// Refused records a notification that failed verification, within the
// minute's budget, under the source it came to (SourceNotification or
// SourceRefundNotification). It never touches an order. Past this
// process's share of the budget it touches nothing in the database at
// all: the refusal is only counted.
func (c *ConfirmPayment) Refused(ctx context.Context, source, eventID, reason string) error {
	if source != SourceNotification && source != SourceRefundNotification {
		return fmt.Errorf("refused notification: source %q is not a notify_url", source)
	}
	if !c.refusals.admit() {
		c.monitor.PaymentVerdict(source, VerdictRejected)
		c.monitor.RefusalNotRecorded()
		return nil
	}
	recorded, err := c.orders.RecordRefused(ctx, PaymentRecord{
		EventID: eventID, Source: source, ReceivedAt: c.now().UTC(),
		Verdict: VerdictRejected, Reason: reason,
	}, c.ledger.RefusalsPerMinute)
	if err != nil {
		return err
	}
	c.monitor.PaymentVerdict(source, VerdictRejected)
	if !recorded {
		c.monitor.RefusalNotRecorded()
	}
	return nil
}

// CancelOrder closes an unpaid order: the order becomes closing under its
// row lock (so /pay can no longer hand out payment arguments), then WeChat
// closes the transaction, then the order is cancelled and its stock
// released. If WeChat says it is paid, the payment wins.
type CancelOrder struct {
	orders  Orders
	pay     WeChatPay
	confirm *ConfirmPayment
	now     Clock
}

func NewCancelOrder(orders Orders, pay WeChatPay, confirm *ConfirmPayment, now Clock) *CancelOrder {
	return &CancelOrder{orders: orders, pay: pay, confirm: confirm, now: now}
}

func (c *CancelOrder) Execute(ctx context.Context, s Session, orderID uuid.UUID) (*Order, error) {
	order, err := c.orders.FindOrder(ctx, s.User().ID(), orderID)
	if err != nil {
		return nil, err
	}
	order, err = c.orders.UpdateOrder(ctx, order.ID(), func(o *Order) error { return o.BeginCancel(c.now()) })
	if errors.Is(err, errAlreadyEnded) {
		return c.orders.FindOrder(ctx, s.User().ID(), orderID)
	}
	if err != nil {
		return nil, err
	}
	if err := closeAtWeChat(ctx, c.orders, c.pay, c.confirm, order, true); err != nil {
		return nil, err
	}
	// Read whole, lines included: the close is recorded with the ledger,
	// which (like every notification) loads the order without them.
	return c.orders.FindOrder(ctx, s.User().ID(), orderID)
}

// closeAtWeChat finishes what BeginCancel (or beginExpire) started. Only
// ORDERPAID means paid (then the verified query is applied and the caller
// is told the order cannot be cancelled); any other failure returns the
// error, so that nothing is cancelled on a guess. With reopen, a cancel
// that WeChat refused puts the order back to pending (the user may still
// pay); otherwise it stays closing for the next settle attempt.
func closeAtWeChat(ctx context.Context, orders Orders, pay WeChatPay, confirm *ConfirmPayment, order *Order, reopen bool) error {
	err := pay.CloseOrder(ctx, order.OutTradeNo())
	switch {
	case err == nil:
		// WeChat closed it: no money can move for it now, which the ledger
		// records with the order's end.
		a := UnpaidAnswer{Source: SourceClose, EventType: EventTradeClosed, OutTradeNo: order.OutTradeNo()}
		_, err := confirm.EndUnpaid(ctx, a, func(o *Order) error {
			if o.Status() != OrderClosing {
				return errAlreadyEnded // a payment (or another close) got there first
			}
			return o.FinishClose()
		})
		return err
	case errors.Is(err, ErrOrderPaidAtWeChat):
		if _, _, serr := settleFromQuery(ctx, pay, confirm, order.OutTradeNo()); serr != nil {
			return fmt.Errorf("close: WeChat says paid, then: %w", serr)
		}
		return ErrOrderNotCancellable
	case reopen:
		if _, aerr := orders.UpdateOrder(ctx, order.ID(), func(o *Order) error { return o.AbortClose() }); aerr != nil {
			return errors.Join(err, aerr)
		}
		return fmt.Errorf("close at WeChat: %w", err)
	default:
		return fmt.Errorf("close at WeChat: %w", err)
	}
}

// settleFromQuery asks WeChat about a transaction and applies it if paid
// (SUCCESS, or REFUND: paid and then refunded).
func settleFromQuery(ctx context.Context, pay WeChatPay, confirm *ConfirmPayment, outTradeNo string) (Transaction, Verdict, error) {
	t, err := pay.QueryOrder(ctx, outTradeNo)
	if err != nil {
		return Transaction{}, "", err
	}
	if t.State != TradeSuccess && t.State != TradeRefund {
		return t, "", nil
	}
	n := PaymentNotification{ID: "query:" + t.TransactionID, EventType: EventTransactionSuccess, Transaction: t}
	v, err := confirm.Execute(ctx, SourceQuery, n)
	return t, v, err
}

// paidVerdict says whether a verdict means the money is accounted for.
func paidVerdict(v Verdict) bool {
	return v == VerdictApplied || v == VerdictDuplicate || v == VerdictLate
}

// queryInterval is the least time between two active queries of one
// order, however many callers ask (README: "Active query").
const queryInterval = 3 * time.Second
