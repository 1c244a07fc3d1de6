package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// RefundStatus is WeChat Pay's status of a refund (§9): it starts
// PROCESSING and ends SUCCESS (money back with the buyer), CLOSED (closed,
// no money moved) or ABNORMAL (the money could not reach the buyer; a
// person must resolve it).
type RefundStatus string

const (
	RefundProcessing RefundStatus = "PROCESSING"
	RefundSuccess    RefundStatus = "SUCCESS"
	RefundClosed     RefundStatus = "CLOSED"
	RefundAbnormal   RefundStatus = "ABNORMAL"
)

// Refund events in notifications (§9).
const (
	EventRefundSuccess  = "REFUND.SUCCESS"
	EventRefundAbnormal = "REFUND.ABNORMAL"
	EventRefundClosed   = "REFUND.CLOSED"
)

// RefundRequest is what WeChat Pay's create-refund call needs.
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string // ours: the idempotency key at WeChat; retries reuse it
	Reason      string // at most 80 characters, shown to the buyer
	RefundFen   int64
	TotalFen    int64 // the order's total
}

// RefundReport is WeChat Pay's account of a refund: the verified answer of
// create or query, or the decrypted resource of a verified notification.
type RefundReport struct {
	MchID               string // notifications carry it; API answers may not
	OutTradeNo          string
	TransactionID       string
	OutRefundNo         string
	RefundID            string
	Status              RefundStatus
	RefundFen           int64
	TotalFen            int64
	Currency            string // "" when WeChat leaves it out
	UserReceivedAccount string
	SuccessTime         time.Time // zero unless SUCCESS
}

// RefundNotification is a refund notification whose signature has been
// verified and whose resource has been decrypted.
type RefundNotification struct {
	ID        string // WeChat's notification id
	EventType string // REFUND.SUCCESS, REFUND.ABNORMAL or REFUND.CLOSED
	Refund    RefundReport
}

// WeChatRefunds is WeChat Pay's 境内退款 (domestic refund) API. Errors are
// ErrPaymentUnavailable when the same request should be retried later
// (SYSTEM_ERROR, 5xx, FREQUENCY_LIMITED, NOT_ENOUGH: the merchant's balance
// is too low) and ErrPaymentRejected when it never will succeed as made
// (INVALID_REQUEST, RESOURCE_NOT_EXISTS, USER_ACCOUNT_ABNORMAL, ...).
type WeChatRefunds interface {
	// CreateRefund asks for the refund; the same OutRefundNo again returns
	// the same refund. The answer is signature-verified.
	CreateRefund(ctx context.Context, r RefundRequest) (RefundReport, error)
	// QueryRefund asks for a refund by our number; ErrNotFound if WeChat
	// has none. The answer is signature-verified.
	QueryRefund(ctx context.Context, outRefundNo string) (RefundReport, error)
}

// Refund limits (§9).
const (
	MaxRefundsPerOrder = 50
	MaxRefundReason    = 80 // characters
)

// Refund errors.
var (
	// ErrNotRefundable: the order was never paid (or is fully refunded).
	ErrNotRefundable = errors.New("order is not paid, or nothing is left to refund")
	// ErrRefundTooLarge: the refund is more than what is left of the payment.
	ErrRefundTooLarge = errors.New("refund exceeds what is left to refund")
)

// Refund is money going back to the buyer of a paid order, in one part.
// Its OutRefundNo is ours, generated here; WeChat treats it as the
// idempotency key, so every retry of the same refund reuses it.
type Refund struct {
	id            uuid.UUID
	orderID       uuid.UUID
	outRefundNo   string
	amountFen     int64
	reason        string
	status        RefundStatus
	refundID      string // WeChat's, once it accepted the request
	failure       string // WeChat's refusal, when it closed after one (then it had no such refund)
	requestedBy   string // "operator:<key id>" or "system"
	checkAttempts int
	createdAt     time.Time
	updatedAt     time.Time
	succeededAt   time.Time
}

// RefundSnapshot is a refund's stored form.
type RefundSnapshot struct {
	ID, OrderID          uuid.UUID
	OutRefundNo          string
	AmountFen            int64
	Reason               string
	Status               RefundStatus
	RefundID, Failure    string
	RequestedBy          string
	CheckAttempts        int
	CreatedAt, UpdatedAt time.Time
	SucceededAt          time.Time
}

func RestoreRefund(s RefundSnapshot) *Refund {
	return &Refund{id: s.ID, orderID: s.OrderID, outRefundNo: s.OutRefundNo, amountFen: s.AmountFen, reason: s.Reason,
		status: s.Status, refundID: s.RefundID, failure: s.Failure, requestedBy: s.RequestedBy, checkAttempts: s.CheckAttempts,
		createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC(), succeededAt: s.SucceededAt.UTC()}
}

func (r *Refund) Snapshot() RefundSnapshot {
	return RefundSnapshot{ID: r.id, OrderID: r.orderID, OutRefundNo: r.outRefundNo, AmountFen: r.amountFen, Reason: r.reason,
		Status: r.status, RefundID: r.refundID, Failure: r.failure, RequestedBy: r.requestedBy, CheckAttempts: r.checkAttempts,
		CreatedAt: r.createdAt, UpdatedAt: r.updatedAt, SucceededAt: r.succeededAt}
}

func (r *Refund) ID() uuid.UUID          { return r.id }
func (r *Refund) OrderID() uuid.UUID     { return r.orderID }
func (r *Refund) CheckAttempts() int     { return r.checkAttempts }
func (r *Refund) OutRefundNo() string    { return r.outRefundNo }
func (r *Refund) AmountFen() int64       { return r.amountFen }
func (r *Refund) Reason() string         { return r.reason }
func (r *Refund) Status() RefundStatus   { return r.status }
func (r *Refund) Failure() string        { return r.failure }
func (r *Refund) RequestedBy() string    { return r.requestedBy }
func (r *Refund) CreatedAt() time.Time   { return r.createdAt }
func (r *Refund) UpdatedAt() time.Time   { return r.updatedAt }
func (r *Refund) SucceededAt() time.Time { return r.succeededAt }

// Final says whether WeChat has decided the refund.
func (r *Refund) Final() bool { return r.status != RefundProcessing }

// Settled says whether the refund is over for good: SUCCESS (the money is
// with the buyer) or CLOSED (no money moved). ABNORMAL is final for
// WeChat's automatic flow, but a person may still finish it, so it is
// asked about again.
func (r *Refund) Settled() bool { return r.status == RefundSuccess || r.status == RefundClosed }

// NewOutRefundNo is "RF", the Beijing date and 24 random base62 characters:
// 34 characters of WeChat's charset, unique and not guessable.
func NewOutRefundNo(now time.Time) string { return "RF" + NewOutTradeNo(now) }

// Refunds returns the order's refunds, oldest first (loaded with the order
// when it was ever paid).
func (o *Order) Refunds() []*Refund { return o.refunds }

// RefundedFen is what has reached the buyer again (SUCCESS refunds).
func (o *Order) RefundedFen() int64 { return o.refundedFen }

// refundable is what may still be asked for: the amount paid less every
// refund that is not CLOSED (PROCESSING ones may yet succeed).
func (o *Order) refundable() int64 {
	left := o.totalFen
	for _, r := range o.refunds {
		if r.status != RefundClosed {
			left -= r.amountFen
		}
	}
	return left
}

// Refund adds a refund of amount to a paid (or late-paid) order, under the
// order's row lock: the parts that are not CLOSED never exceed the payment,
// however many requests arrive at once. The new refund is PROCESSING and a
// job is scheduled to submit it to WeChat.
func (o *Order) Refund(amountFen int64, reason, requestedBy string, now time.Time) (*Refund, error) {
	if !o.status.Sold() && o.status != OrderLatePaid {
		return nil, ErrNotRefundable
	}
	reason = strings.TrimSpace(reason)
	switch {
	case amountFen <= 0:
		return nil, &InvalidError{What: "refund", Reason: "the amount must be at least 1 fen"}
	case utf8.RuneCountInString(reason) > MaxRefundReason:
		return nil, &InvalidError{What: "refund", Reason: fmt.Sprintf("the reason is longer than %d characters", MaxRefundReason)}
	case len(o.refunds) >= MaxRefundsPerOrder:
		return nil, &InvalidError{What: "refund", Reason: fmt.Sprintf("an order can be refunded in at most %d parts", MaxRefundsPerOrder)}
	case amountFen > o.refundable():
		return nil, fmt.Errorf("%w: %d fen asked, %d fen left", ErrRefundTooLarge, amountFen, o.refundable())
	}
	now = now.UTC()
	r := &Refund{
		id: uuid.Must(uuid.NewV7()), orderID: o.id, outRefundNo: NewOutRefundNo(now), amountFen: amountFen,
		reason: reason, status: RefundProcessing, requestedBy: requestedBy, createdAt: now, updatedAt: now,
	}
	o.refunds = append(o.refunds, r)
	o.changedRefunds = append(o.changedRefunds, r)
	o.scheduleRefundSubmit(r, now)
	if requestedBy == SystemActor {
		// Recorded like an operator's refund, with the service as the actor
		// (an operator's is audited by the use case that carries its key).
		o.audits = append(o.audits, Audit{KeyID: SystemActor, Action: "refund.create", Target: o.id.String(),
			Detail: map[string]any{"out_refund_no": r.outRefundNo, "amount_fen": r.amountFen, "reason": r.reason}, At: now})
	}
	return r, nil
}

// refund finds one of the order's refunds by our number.
func (o *Order) refund(outRefundNo string) *Refund {
	for _, r := range o.refunds {
		if r.outRefundNo == outRefundNo {
			return r
		}
	}
	return nil
}

// ApplyRefundReport moves the order's refund to what WeChat (verified)
// reports, exactly once, after checking that the report is about this
// order and refund, from our merchant, for the amounts asked. A SUCCESS
// that completes the payment's refund makes the order refunded; ABNORMAL
// asks a person; CLOSED frees the amount and asks a person or, for a late
// payment, refunds it again. A report that repeats the refund's state, or
// says PROCESSING after it ended, is a duplicate; one that contradicts
// SUCCESS or CLOSED is suspicious.
func (o *Order) ApplyRefundReport(rep RefundReport, m Merchant, now time.Time) error {
	r := o.refund(rep.OutRefundNo)
	switch {
	case r == nil:
		return suspicious("no refund %q on this order", rep.OutRefundNo)
	case rep.MchID != "" && rep.MchID != m.MchID:
		return suspicious("mchid %q is not ours", rep.MchID)
	case rep.OutTradeNo != o.outTradeNo:
		return suspicious("out_trade_no %q is not this order's", rep.OutTradeNo)
	case rep.RefundFen != r.amountFen:
		return suspicious("refund of %d fen, we asked for %d", rep.RefundFen, r.amountFen)
	case rep.TotalFen != o.totalFen:
		return suspicious("total %d fen, the order's is %d", rep.TotalFen, o.totalFen)
	case rep.Currency != "" && rep.Currency != Currency:
		return suspicious("currency %q is not %s", rep.Currency, Currency)
	case rep.Status == RefundSuccess && rep.SuccessTime.IsZero():
		return suspicious("SUCCESS without success_time")
	}
	switch rep.Status {
	case RefundProcessing, RefundSuccess, RefundClosed, RefundAbnormal:
	default:
		return suspicious("unknown refund status %q", rep.Status)
	}
	if rep.RefundID != "" && r.refundID == "" {
		r.refundID = rep.RefundID
		o.touch(r, now)
	}
	switch {
	case rep.Status == r.status:
		return errAlreadyApplied
	case rep.Status == RefundProcessing:
		// Sent before the refund ended and delivered after it (ordinary
		// reordering), or WeChat working again on an ABNORMAL one a person
		// is finishing: nothing new either way.
		return errAlreadyApplied
	case r.Settled():
		// SUCCESS and CLOSED are final; only ABNORMAL may still move (a
		// person finishes it through WeChat's abnormal-refund API).
		return suspicious("refund %s is %s, now reported %s", r.outRefundNo, r.status, rep.Status)
	}
	r.status = rep.Status
	o.touch(r, now)
	switch rep.Status {
	case RefundSuccess:
		o.refundSucceeded(r, rep.SuccessTime, now)
	case RefundClosed:
		o.refundClosed(r, "", now)
	case RefundAbnormal:
		o.flagRefund(AttentionRefundAbnormal, r, Why{Reason: ReasonRefundAbnormal, AmountFen: r.amountFen}, now)
		// WeChat sends nothing more on its own: keep asking, slowly, so that
		// the end a person brings about is seen even if its notification is lost.
		o.scheduleRefundCheck(r, now.Add(SlowRefundCheck))
	}
	return nil
}

// refundSucceeded counts a refund's money as back with the buyer. What
// asked a person about this refund is settled; a payment refunded in full
// makes the order refunded, and a late payment's item resolves itself,
// naming the refund.
func (o *Order) refundSucceeded(r *Refund, at, now time.Time) {
	late := o.status == OrderLatePaid
	r.succeededAt = at.UTC()
	o.refundedFen += r.amountFen
	if !late {
		o.tell(MessageRefunded, now)
	}
	note := fmt.Sprintf("WeChat Pay reports refund %s SUCCESS", r.outRefundNo)
	o.resolve(AttentionRefundAbnormal, r.outRefundNo, note, now)
	o.resolve(AttentionRefundUnresolved, r.outRefundNo, note, now)
	if o.refundedFen == o.totalFen {
		o.status = OrderRefunded
		if late {
			o.resolve(AttentionLatePayment, "", fmt.Sprintf("refunded in full: refund %s of %d fen succeeded", r.outRefundNo, r.amountFen), now)
		}
	}
}

// MaxLateRefundAttempts bounds how many refunds of a late payment the
// service asks for on its own when WeChat closes them; then a person is.
const MaxLateRefundAttempts = 3

// refundClosed ends a refund with no money moved, on WeChat's word only (a
// CLOSED report, or RESOURCE_NOT_EXISTS after a refusal, whose words are
// cause; "" when WeChat closed it). Its amount is refundable again, so the
// money is still with us: a late payment is refunded again with a new
// number (at most MaxLateRefundAttempts in all), and any other closed
// refund goes to a person.
func (o *Order) refundClosed(r *Refund, cause string, now time.Time) {
	r.status, r.failure = RefundClosed, cause
	o.touch(r, now)
	note := fmt.Sprintf("refund %s ended CLOSED", r.outRefundNo)
	o.resolve(AttentionRefundAbnormal, r.outRefundNo, note, now)
	o.resolve(AttentionRefundUnresolved, r.outRefundNo, note, now)
	left := o.refundable()
	if left == 0 {
		return // other refunds already cover the payment
	}
	if r.requestedBy == SystemActor && o.status == OrderLatePaid {
		tries := 0
		for _, x := range o.refunds {
			if x.requestedBy == SystemActor && x.status == RefundClosed {
				tries++
			}
		}
		if tries < MaxLateRefundAttempts {
			if _, err := o.Refund(left, lateRefundReason, SystemActor, now); err == nil {
				return
			}
		}
		o.flagRefund(AttentionRefundFailed, r, Why{Reason: ReasonLateRefundClosed, AmountFen: left, Count: tries, Cause: cause}, now)
		return
	}
	o.flagRefund(AttentionRefundFailed, r, Why{Reason: ReasonRefundClosed, AmountFen: r.amountFen, Cause: cause}, now)
}

// CloseRefundWeChatNeverHad closes a refund WeChat Pay refused to create
// and then, asked by our number, said it has never had
// (RESOURCE_NOT_EXISTS). This is the one way a refund closes without a
// CLOSED report, and it is safe: no money moved under a number WeChat does
// not know, and the number is never sent again (the submit job, its only
// sender, stops at a closed refund). Should a create still in flight from
// an earlier, timed-out attempt be accepted after that answer, its verified
// report contradicts a closed refund and goes to a person (refund_reported).
func (o *Order) CloseRefundWeChatNeverHad(outRefundNo, refusal string, now time.Time) error {
	r := o.refund(outRefundNo)
	switch {
	case r == nil:
		return suspicious("no refund %q on this order", outRefundNo)
	case r.Final():
		return errAlreadyApplied // decided meanwhile, by WeChat's word
	}
	o.refundClosed(r, refusal, now)
	return nil
}

func (o *Order) touch(r *Refund, now time.Time) {
	r.updatedAt = now.UTC()
	for _, c := range o.changedRefunds {
		if c == r {
			return
		}
	}
	o.changedRefunds = append(o.changedRefunds, r)
}
