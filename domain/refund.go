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
	failure       string // why WeChat refused it (then CLOSED)
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

// NewOutRefundNo is "RF", the UTC date and 24 random base62 characters:
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
	if o.status != OrderPaid && o.status != OrderLatePaid {
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
	o.jobs = append(o.jobs, Job{Kind: JobSubmitRefund, OrderID: o.id, RefundNo: r.outRefundNo, RunAt: now})
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
// asks a person. A report that repeats the refund's state is a duplicate;
// one that contradicts a final state is suspicious.
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
	if rep.Status == r.status {
		return errAlreadyApplied
	}
	// ABNORMAL is final for WeChat's automatic flow, but a person may still
	// finish it (WeChat's abnormal-refund API): it can then end SUCCESS or
	// CLOSED. SUCCESS and CLOSED are final.
	if r.status == RefundSuccess || r.status == RefundClosed || (r.status == RefundAbnormal && rep.Status == RefundProcessing) {
		return suspicious("refund %s is %s, now reported %s", r.outRefundNo, r.status, rep.Status)
	}
	if rep.Status == RefundProcessing {
		return errAlreadyApplied
	}
	r.status = rep.Status
	o.touch(r, now)
	switch rep.Status {
	case RefundSuccess:
		r.succeededAt = rep.SuccessTime.UTC()
		o.refundedFen += r.amountFen
		if o.refundedFen == o.totalFen {
			o.status = OrderRefunded
		}
	case RefundAbnormal:
		o.flag(AttentionRefundAbnormal, fmt.Sprintf("refund %s of %d fen could not reach the buyer (ABNORMAL): resolve it on the merchant platform",
			r.outRefundNo, r.amountFen), now)
	}
	return nil
}

// RefuseRefund closes a refund WeChat would not accept (never retried with
// another number): no money moved, and what it held is refundable again.
func (o *Order) RefuseRefund(outRefundNo, why string, now time.Time) error {
	r := o.refund(outRefundNo)
	if r == nil {
		return ErrNotFound
	}
	if r.Final() {
		return nil
	}
	r.status, r.failure = RefundClosed, why
	o.touch(r, now)
	o.flag(AttentionRefundFailed, fmt.Sprintf("WeChat Pay refused refund %s of %d fen: %s", outRefundNo, r.amountFen, why), now)
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
