package domain

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// RefundPolicy says how often a PROCESSING refund is asked about: the
// waits between checks (the last repeats) and how many before a person is
// asked. Refunds to a bank card can take days.
type RefundPolicy struct {
	Checks    []time.Duration
	MaxChecks int
}

// DefaultRefundPolicy checks after 1m, 5m, 15m, 1h, 3h, 6h, then every 12h,
// 14 times in all (about five days).
func DefaultRefundPolicy() RefundPolicy {
	return RefundPolicy{
		Checks:    []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour},
		MaxChecks: 14,
	}
}

func (p RefundPolicy) wait(check int) time.Duration {
	if len(p.Checks) == 0 {
		return time.Minute
	}
	return p.Checks[min(max(check, 1), len(p.Checks))-1]
}

// scheduleRefundCheck asks for the refund's next check.
func (o *Order) scheduleRefundCheck(r *Refund, at time.Time) {
	o.jobs = append(o.jobs, Job{Kind: JobCheckRefund, OrderID: o.id, RefundNo: r.outRefundNo, RunAt: at.UTC()})
}

// RefundOrder is an operator's refund of (part of) a paid order.
type RefundOrder struct {
	orders Orders
	now    Clock
}

func NewRefundOrder(orders Orders, now Clock) *RefundOrder {
	return &RefundOrder{orders: orders, now: now}
}

// Execute refunds amountFen of the order; key (an Idempotency-Key, may be
// empty) makes a retried request return the refund it already made.
func (u *RefundOrder) Execute(ctx context.Context, orderID uuid.UUID, amountFen int64, reason, operator, key string, audit *Audit) (*Refund, bool, error) {
	h := sha256.New()
	h.Write(orderID[:])
	_ = binary.Write(h, binary.BigEndian, amountFen)
	h.Write([]byte(reason))
	return u.orders.CreateRefund(ctx, orderID, key, h.Sum(nil), audit, func(o *Order) (*Refund, error) {
		return o.Refund(amountFen, reason, "operator:"+operator, u.now())
	})
}

// ConfirmRefund applies what WeChat (verified) reports about a refund,
// exactly once per status, and ledgers every report like payments.
type ConfirmRefund struct {
	orders   Orders
	merchant Merchant
	now      Clock
	monitor  Monitor
	log      *slog.Logger
}

func NewConfirmRefund(orders Orders, merchant Merchant, now Clock, monitor Monitor, log *slog.Logger) *ConfirmRefund {
	return &ConfirmRefund{orders: orders, merchant: merchant, now: now, monitor: monitor, log: log}
}

// Execute handles a verified refund notification, or (source
// SourceRefundQuery) a verified answer. Like ConfirmPayment, only a failure
// to record is an error.
func (c *ConfirmRefund) Execute(ctx context.Context, source string, n RefundNotification) (Verdict, error) {
	now := c.now().UTC()
	rec := PaymentRecord{
		EventID: n.ID, Source: source, EventType: n.EventType, ReceivedAt: now, OutRefundNo: n.Refund.OutRefundNo,
		Transaction: Transaction{OutTradeNo: n.Refund.OutTradeNo, TransactionID: n.Refund.TransactionID, TotalFen: n.Refund.RefundFen},
	}
	var abnormal, flagged bool
	verdict, err := c.orders.RecordPayment(ctx, rec, func(o *Order) (Verdict, string, error) {
		switch {
		case source == SourceRefundNotification && n.EventType != EventRefundSuccess &&
			n.EventType != EventRefundAbnormal && n.EventType != EventRefundClosed:
			return VerdictIgnored, "event " + n.EventType, nil
		case o == nil:
			return VerdictSuspicious, fmt.Sprintf("no order with out_trade_no %q", n.Refund.OutTradeNo), nil
		}
		v, reason := VerdictOf(o.ApplyRefundReport(n.Refund, c.merchant, now))
		switch v {
		case "":
			return "", "", errors.New(reason)
		case VerdictSuspicious:
			// A verified report that no refund of ours explains (another
			// amount, an unknown or closed refund): money may have left the
			// merchant, so a person looks, as for a suspicious payment.
			o.flag(AttentionRefundReported, reason, now)
			flagged = true
		}
		abnormal = v == VerdictApplied && n.Refund.Status == RefundAbnormal
		return v, reason, nil
	})
	if err != nil {
		return "", err
	}
	c.monitor.PaymentVerdict(source, verdict)
	switch {
	case abnormal:
		c.monitor.NeedsAttention(AttentionRefundAbnormal)
		c.log.ErrorContext(ctx, "refund ABNORMAL: the money could not reach the buyer", "out_refund_no", n.Refund.OutRefundNo)
	case verdict == VerdictSuspicious:
		if flagged {
			c.monitor.NeedsAttention(AttentionRefundReported)
		}
		c.log.WarnContext(ctx, "refund report not believed", "out_refund_no", n.Refund.OutRefundNo, "event", n.EventType)
	}
	return verdict, nil
}

func reportEvent(rep RefundReport) RefundNotification {
	return RefundNotification{
		ID:        fmt.Sprintf("refund:%s:%s", rep.OutRefundNo, rep.Status),
		EventType: "REFUND." + string(rep.Status),
		Refund:    rep,
	}
}

// SubmitRefund is the job that asks WeChat Pay for a refund. WeChat saying
// "later" (SYSTEM_ERROR, NOT_ENOUGH...) fails the job, which is retried with
// the same out_refund_no; a refusal closes the refund and asks a person.
type SubmitRefund struct {
	orders  Orders
	wechat  WeChatRefunds
	confirm *ConfirmRefund
	now     Clock
	policy  RefundPolicy
	monitor Monitor
	log     *slog.Logger
}

func NewSubmitRefund(orders Orders, wechat WeChatRefunds, confirm *ConfirmRefund, now Clock, policy RefundPolicy, monitor Monitor, log *slog.Logger) *SubmitRefund {
	return &SubmitRefund{orders: orders, wechat: wechat, confirm: confirm, now: now, policy: policy, monitor: monitor, log: log}
}

func (u *SubmitRefund) Execute(ctx context.Context, orderID uuid.UUID, outRefundNo string) error {
	o, err := u.orders.GetOrder(ctx, orderID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	r := o.refund(outRefundNo)
	if r == nil || r.Final() {
		return nil
	}
	rep, err := u.wechat.CreateRefund(ctx, RefundRequest{
		OutTradeNo: o.OutTradeNo(), OutRefundNo: outRefundNo, Reason: r.reason, RefundFen: r.amountFen, TotalFen: o.TotalFen(),
	})
	switch {
	case errors.Is(err, ErrPaymentRejected):
		if _, uerr := u.orders.UpdateOrder(ctx, orderID, func(o *Order) error { return o.RefuseRefund(outRefundNo, err.Error(), u.now()) }); uerr != nil {
			return uerr
		}
		u.monitor.NeedsAttention(AttentionRefundFailed)
		u.log.ErrorContext(ctx, "WeChat Pay refused a refund; a person must look", "out_refund_no", outRefundNo, "err", err)
		return nil
	case err != nil:
		return fmt.Errorf("submit refund %s: %w", outRefundNo, err) // retried later, same number
	}
	if _, err := u.confirm.Execute(ctx, SourceRefundQuery, reportEvent(rep)); err != nil {
		return err
	}
	if rep.Status == RefundProcessing {
		_, err = u.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
			if r := o.refund(outRefundNo); r != nil && !r.Final() {
				o.scheduleRefundCheck(r, u.now().Add(u.policy.wait(1)))
			}
			return nil
		})
	}
	return err
}

// GiveUp is called when the submit job has used its last attempt: the
// refund was never accepted by WeChat, so no check will follow it and it
// would stay PROCESSING with no one told. A person is asked instead.
func (u *SubmitRefund) GiveUp(ctx context.Context, orderID uuid.UUID, outRefundNo string, cause error) error {
	flagged := false
	_, err := u.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
		if r := o.refund(outRefundNo); r != nil && !r.Final() {
			o.flag(AttentionRefundUnresolved, fmt.Sprintf("refund %s of %d fen could not be submitted to WeChat Pay: %v", outRefundNo, r.amountFen, cause), u.now())
			flagged = true
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if flagged {
		u.monitor.NeedsAttention(AttentionRefundUnresolved)
		u.log.ErrorContext(ctx, "refund never submitted; a person must look", "out_refund_no", outRefundNo, "err", cause)
	}
	return nil
}

// CheckRefund is the job that asks WeChat about a PROCESSING refund (its
// notification may be lost) and applies the verified answer; it says when
// to ask again, or zero when there is nothing more to ask.
type CheckRefund struct {
	orders  Orders
	wechat  WeChatRefunds
	confirm *ConfirmRefund
	now     Clock
	policy  RefundPolicy
	monitor Monitor
	log     *slog.Logger
}

func NewCheckRefund(orders Orders, wechat WeChatRefunds, confirm *ConfirmRefund, now Clock, policy RefundPolicy, monitor Monitor, log *slog.Logger) *CheckRefund {
	return &CheckRefund{orders: orders, wechat: wechat, confirm: confirm, now: now, policy: policy, monitor: monitor, log: log}
}

func (u *CheckRefund) Execute(ctx context.Context, orderID uuid.UUID, outRefundNo string) (time.Duration, error) {
	var attempt int
	var exhausted, final bool
	_, err := u.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
		r := o.refund(outRefundNo)
		if r == nil || r.Final() {
			final = true
			return nil
		}
		r.checkAttempts++
		attempt = r.checkAttempts
		o.touch(r, u.now())
		if attempt > u.policy.MaxChecks {
			exhausted = true
			o.flag(AttentionRefundUnresolved, fmt.Sprintf("refund %s of %d fen still PROCESSING after %d checks", outRefundNo, r.amountFen, u.policy.MaxChecks), u.now())
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	case final:
		return 0, nil
	case exhausted:
		u.monitor.NeedsAttention(AttentionRefundUnresolved)
		u.log.ErrorContext(ctx, "refund still PROCESSING after its checks; a person must look", "out_refund_no", outRefundNo)
		return 0, nil
	}
	again := u.policy.wait(attempt + 1)
	rep, err := u.wechat.QueryRefund(ctx, outRefundNo)
	if err != nil {
		u.log.WarnContext(ctx, "refund check failed; asking again later", "out_refund_no", outRefundNo, "err", err)
		return again, nil
	}
	if _, err := u.confirm.Execute(ctx, SourceRefundQuery, reportEvent(rep)); err != nil {
		return 0, err
	}
	if rep.Status == RefundProcessing {
		return again, nil
	}
	return 0, nil
}

// lateRefundReason is what the buyer reads in WeChat about the money.
const lateRefundReason = "订单已关闭，您的付款已原路退回"
