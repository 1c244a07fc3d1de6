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
// 14 times in all (about five days); then a person is asked, and WeChat is
// still asked once a day (SlowRefundCheck) until the refund is settled.
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

// SlowRefundCheck is how often a refund that is not settled is asked about
// once its checks ran out, its submit job gave up, or it is ABNORMAL: a
// person has been asked, and WeChat's word, whenever it comes, still ends it.
const SlowRefundCheck = 24 * time.Hour

// scheduleRefundSubmit asks for the refund to be sent to WeChat (again,
// with the same number).
func (o *Order) scheduleRefundSubmit(r *Refund, at time.Time) {
	o.jobs = append(o.jobs, Job{Kind: JobSubmitRefund, OrderID: o.id, RefundNo: r.outRefundNo, RunAt: at.UTC()})
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
		return o.Refund(amountFen, reason, OperatorActor(operator), u.now())
	})
}

// OperatorActor is how an operator's key id is named in a refund's
// requested_by ("system" is the service itself).
func OperatorActor(keyID string) string { return "operator:" + keyID }

// ConfirmRefund applies what WeChat (verified) reports about a refund,
// exactly once per status, and ledgers every report like payments, with
// WeChat's refusals and the not-found answers that close a refund.
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
	var flagged []AttentionKind
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
			// amount, an unknown or settled refund): money may have left
			// the merchant, so a person looks, as for a suspicious payment.
			subject := ""
			if o.refund(n.Refund.OutRefundNo) != nil {
				subject = n.Refund.OutRefundNo
			}
			o.flagAbout(AttentionRefundReported, subject, Why{Reason: ReasonRefundReportUnexplained, OutRefundNo: n.Refund.OutRefundNo, Cause: reason}, now)
		}
		flagged = o.flaggedKinds()
		return v, reason, nil
	})
	if err != nil {
		return "", err
	}
	c.monitor.PaymentVerdict(source, verdict)
	c.tell(ctx, n.Refund.OutRefundNo, flagged)
	if verdict == VerdictSuspicious {
		c.log.WarnContext(ctx, "refund report not believed", "out_refund_no", n.Refund.OutRefundNo, "event", n.EventType)
	}
	return verdict, nil
}

// tell counts and logs what a refund's move put on the attention list.
func (c *ConfirmRefund) tell(ctx context.Context, outRefundNo string, kinds []AttentionKind) {
	for _, k := range kinds {
		c.monitor.NeedsAttention(k)
		c.log.ErrorContext(ctx, "a refund needs a person", "kind", k, "out_refund_no", outRefundNo)
	}
}

// Refused ledgers WeChat Pay's refusal to create a refund. The refusal
// decides nothing by itself: the refund is asked about next.
func (c *ConfirmRefund) Refused(ctx context.Context, outTradeNo string, r *Refund, cause error) error {
	rec := PaymentRecord{
		EventID: "refund:" + r.outRefundNo + ":REFUSED", Source: SourceRefundQuery, EventType: EventRefundRefused,
		ReceivedAt: c.now().UTC(), OutRefundNo: r.outRefundNo, Transaction: Transaction{OutTradeNo: outTradeNo, TotalFen: r.amountFen},
	}
	verdict, err := c.orders.RecordPayment(ctx, rec, func(*Order) (Verdict, string, error) {
		return VerdictRefused, cause.Error(), nil
	})
	if err == nil {
		c.monitor.PaymentVerdict(SourceRefundQuery, verdict)
	}
	return err
}

// NeverAtWeChat closes a refund that WeChat refused and then said it has
// never had (Order.CloseRefundWeChatNeverHad says why that is safe), and
// ledgers the answer.
func (c *ConfirmRefund) NeverAtWeChat(ctx context.Context, outTradeNo string, r *Refund, refusal error) (Verdict, error) {
	now := c.now().UTC()
	rec := PaymentRecord{
		EventID: "refund:" + r.outRefundNo + ":NOT_FOUND", Source: SourceRefundQuery, EventType: EventRefundNotFound,
		ReceivedAt: now, OutRefundNo: r.outRefundNo, Transaction: Transaction{OutTradeNo: outTradeNo, TotalFen: r.amountFen},
	}
	var flagged []AttentionKind
	verdict, err := c.orders.RecordPayment(ctx, rec, func(o *Order) (Verdict, string, error) {
		if o == nil {
			return VerdictSuspicious, fmt.Sprintf("no order with out_trade_no %q", outTradeNo), nil
		}
		v, reason := VerdictOf(o.CloseRefundWeChatNeverHad(r.outRefundNo, refusal.Error(), now))
		if v == "" {
			return "", "", errors.New(reason)
		}
		if v == VerdictApplied {
			reason = "WeChat Pay has no refund with this number: closed, no money moved"
		}
		flagged = o.flaggedKinds()
		return v, reason, nil
	})
	if err != nil {
		return "", err
	}
	c.monitor.PaymentVerdict(SourceRefundQuery, verdict)
	c.tell(ctx, r.outRefundNo, flagged)
	return verdict, nil
}

// Ledger event types of our own making (WeChat's are REFUND.SUCCESS...).
const (
	EventRefundRefused  = "REFUND.REFUSED"   // create-refund answered with an error
	EventRefundNotFound = "REFUND.NOT_FOUND" // query-refund answered RESOURCE_NOT_EXISTS
)

func reportEvent(rep RefundReport) RefundNotification {
	return RefundNotification{
		ID:        fmt.Sprintf("refund:%s:%s", rep.OutRefundNo, rep.Status),
		EventType: "REFUND." + string(rep.Status),
		Refund:    rep,
	}
}

// refundDesk is what the refund jobs share: the store, WeChat's refund
// API, and the use case that applies its answers.
type refundDesk struct {
	orders  Orders
	wechat  WeChatRefunds
	confirm *ConfirmRefund
	now     Clock
	policy  RefundPolicy
	monitor Monitor
	log     *slog.Logger
}

// SubmitRefund is the job that asks WeChat Pay for a refund. WeChat saying
// "later" (SYSTEM_ERROR, NOT_ENOUGH...) fails the job, which is retried with
// the same out_refund_no. A refusal closes nothing by itself: the refund
// may exist at WeChat from an earlier attempt whose answer was lost, so
// WeChat is asked, and only its word decides.
type SubmitRefund struct{ refundDesk }

func NewSubmitRefund(orders Orders, wechat WeChatRefunds, confirm *ConfirmRefund, now Clock, policy RefundPolicy, monitor Monitor, log *slog.Logger) *SubmitRefund {
	return &SubmitRefund{refundDesk{orders: orders, wechat: wechat, confirm: confirm, now: now, policy: policy, monitor: monitor, log: log}}
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
		if lerr := u.confirm.Refused(ctx, o.OutTradeNo(), r, err); lerr != nil {
			return lerr
		}
		u.log.WarnContext(ctx, "WeChat Pay refused a refund; asking whether it has it", "out_refund_no", outRefundNo, "err", err)
		return u.settleRefused(ctx, o, r, err)
	case err != nil:
		return fmt.Errorf("submit refund %s: %w", outRefundNo, err) // retried later, same number
	}
	return u.apply(ctx, orderID, rep)
}

// settleRefused asks WeChat about a refund it refused to create: it may
// have it from an earlier attempt (then its state is applied), or have
// none (then, and only then, the refund is closed).
func (u *SubmitRefund) settleRefused(ctx context.Context, o *Order, r *Refund, refusal error) error {
	rep, err := u.wechat.QueryRefund(ctx, r.outRefundNo)
	switch {
	case errors.Is(err, ErrNotFound):
		_, err = u.confirm.NeverAtWeChat(ctx, o.OutTradeNo(), r, refusal)
		return err
	case err != nil:
		// Nothing is decided: the job runs again (the same number), and a
		// refusal then asks again.
		return fmt.Errorf("refund %s refused (%v), and WeChat could not say whether it has it: %w", r.outRefundNo, refusal, err)
	}
	return u.apply(ctx, o.ID(), rep)
}

// apply applies a verified answer about a refund and, while WeChat is
// still working on it, schedules its checks.
func (d *refundDesk) apply(ctx context.Context, orderID uuid.UUID, rep RefundReport) error {
	if _, err := d.confirm.Execute(ctx, SourceRefundQuery, reportEvent(rep)); err != nil {
		return err
	}
	if rep.Status != RefundProcessing {
		return nil
	}
	_, err := d.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
		if r := o.refund(rep.OutRefundNo); r != nil && !r.Settled() {
			o.scheduleRefundCheck(r, d.now().Add(d.policy.wait(r.checkAttempts+1)))
		}
		return nil
	})
	return err
}

// GiveUp is called when the submit job has used its last attempt: WeChat
// never gave a usable answer. A person is asked, and the refund is still
// asked about once a day (its check resubmits it, with the same number,
// while WeChat does not know it), so it can never stay PROCESSING unseen.
func (u *SubmitRefund) GiveUp(ctx context.Context, orderID uuid.UUID, outRefundNo string, cause error) error {
	flagged := false
	_, err := u.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
		if r := o.refund(outRefundNo); r != nil && !r.Final() {
			o.flagRefund(AttentionRefundUnresolved, r, Why{Reason: ReasonRefundNotSubmitted, AmountFen: r.amountFen, Cause: cause.Error()}, u.now())
			o.scheduleRefundCheck(r, u.now().Add(SlowRefundCheck))
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

// CheckRefund is the job that asks WeChat about a refund that is not
// settled (PROCESSING, whose notification may be lost, or ABNORMAL, which
// a person may finish) and applies the verified answer; it says when to
// ask again, or zero when the refund is settled. After the policy's checks
// a person is asked and WeChat still is, once a day.
type CheckRefund struct{ refundDesk }

func NewCheckRefund(orders Orders, wechat WeChatRefunds, confirm *ConfirmRefund, now Clock, policy RefundPolicy, monitor Monitor, log *slog.Logger) *CheckRefund {
	return &CheckRefund{refundDesk{orders: orders, wechat: wechat, confirm: confirm, now: now, policy: policy, monitor: monitor, log: log}}
}

func (u *CheckRefund) Execute(ctx context.Context, orderID uuid.UUID, outRefundNo string) (time.Duration, error) {
	var again time.Duration
	flagged := false
	_, err := u.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
		r := o.refund(outRefundNo)
		if r == nil || r.Settled() {
			return nil
		}
		r.checkAttempts++
		o.touch(r, u.now())
		switch {
		case r.status == RefundAbnormal || r.checkAttempts > u.policy.MaxChecks+1:
			again = SlowRefundCheck
		case r.checkAttempts == u.policy.MaxChecks+1:
			again = SlowRefundCheck
			o.flagRefund(AttentionRefundUnresolved, r, Why{Reason: ReasonRefundChecksExhausted, AmountFen: r.amountFen, Count: u.policy.MaxChecks}, u.now())
			flagged = true
		default:
			again = u.policy.wait(r.checkAttempts + 1)
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	case again == 0:
		return 0, nil // settled
	}
	if flagged {
		u.monitor.NeedsAttention(AttentionRefundUnresolved)
		u.log.ErrorContext(ctx, "refund still PROCESSING after its checks; a person must look", "out_refund_no", outRefundNo)
	}
	settled, err := u.ask(ctx, orderID, outRefundNo)
	if err != nil {
		u.log.WarnContext(ctx, "refund check failed; asking again later", "out_refund_no", outRefundNo, "err", err)
		return again, nil
	}
	if settled {
		return 0, nil
	}
	return again, nil
}

// Now is the operator's "re-check now": WeChat is asked about the refund
// at once and its verified answer applied, whatever the checks' schedule.
// It returns the order as it then stands.
func (u *CheckRefund) Now(ctx context.Context, orderID uuid.UUID, outRefundNo string) (*Order, error) {
	settled, err := u.ask(ctx, orderID, outRefundNo)
	if err != nil {
		return nil, err
	}
	if settled {
		return u.orders.GetOrder(ctx, orderID)
	}
	// Not settled: make sure its checks go on (a chain already waiting
	// keeps its place; the jobs adapter keeps one per refund).
	return u.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
		r := o.refund(outRefundNo)
		if r == nil {
			return ErrNotFound
		}
		if !r.Settled() {
			o.scheduleRefundCheck(r, u.now().Add(u.policy.wait(r.checkAttempts+1)))
		}
		return nil
	})
}

// ask queries WeChat about one refund and applies the verified answer; it
// says whether the refund is settled. A refund WeChat does not know that
// is still PROCESSING never reached it (every submit attempt failed):
// it is submitted again, with the same number, never closed from here.
func (d *refundDesk) ask(ctx context.Context, orderID uuid.UUID, outRefundNo string) (bool, error) {
	rep, err := d.wechat.QueryRefund(ctx, outRefundNo)
	if errors.Is(err, ErrNotFound) {
		_, err = d.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
			if r := o.refund(outRefundNo); r != nil && r.status == RefundProcessing {
				o.scheduleRefundSubmit(r, d.now())
			}
			return nil
		})
		return false, err
	}
	if err != nil {
		return false, fmt.Errorf("query refund %s: %w", outRefundNo, err)
	}
	v, err := d.confirm.Execute(ctx, SourceRefundQuery, reportEvent(rep))
	if err != nil {
		return false, err
	}
	believed := v == VerdictApplied || v == VerdictDuplicate
	return believed && (rep.Status == RefundSuccess || rep.Status == RefundClosed), nil
}

// lateRefundReason is what the buyer reads in WeChat about the money.
const lateRefundReason = "订单已关闭，您的付款已原路退回"
