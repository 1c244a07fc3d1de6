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

// A buyer's request for their money back (售后, README: "The buyer's
// side"). The request is its own object with its own states; the money
// moves only through a refund the operator's approval creates, exactly
// once, through the path every refund takes.
//
//	requested → refunding   the operator approves: its refund is created, in the same transaction
//	requested → rejected    the operator rejects, with a note the buyer sees
//	requested → withdrawn   the buyer withdraws it
//	refunding → refunded    its refund ended SUCCESS
//	refunding → requested   its refund ended CLOSED (no money moved): back in the queue

// ApplicationStatus is where a request stands.
type ApplicationStatus string

const (
	RequestRequested ApplicationStatus = "requested"
	RequestRefunding ApplicationStatus = "refunding"
	RequestRefunded  ApplicationStatus = "refunded"
	RequestRejected  ApplicationStatus = "rejected"
	RequestWithdrawn ApplicationStatus = "withdrawn"
)

// ErrRequestNotOpen: the order has an open request already, or the
// request is not requested any more (decided, or withdrawn).
var ErrRequestNotOpen = errors.New("refund request is not open")

// RefundApplication is a buyer's request for (part of) a payment back.
type RefundApplication struct {
	ID          uuid.UUID
	OrderID     uuid.UUID
	UserID      uuid.UUID
	OutTradeNo  string
	AmountFen   int64
	Reason      string
	Status      ApplicationStatus
	Note        string // the operator's, on a rejection
	OutRefundNo string // the refund an approval created
	Approvals   int    // how often it was approved (a CLOSED refund sends it back)
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Open says whether the request still waits for a decision or its refund.
func (r *RefundApplication) Open() bool {
	return r.Status == RequestRequested || r.Status == RequestRefunding
}

// NewRefundApplication is the buyer's request about their order.
func NewRefundApplication(o *Order, amountFen int64, reason string, now time.Time) (*RefundApplication, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case o.status != OrderPaid && o.status != OrderShipped && o.status != OrderReceived:
		return nil, ErrNotRefundable
	case amountFen <= 0:
		return nil, &InvalidError{What: "refund request", Reason: "the amount must be at least 1 fen"}
	case reason == "" || utf8.RuneCountInString(reason) > MaxRefundReason:
		return nil, &InvalidError{What: "refund request", Reason: fmt.Sprintf("the reason is 1 to %d characters", MaxRefundReason)}
	case amountFen > o.refundable():
		return nil, fmt.Errorf("%w: %d fen asked, %d fen left", ErrRefundTooLarge, amountFen, o.refundable())
	}
	now = now.UTC()
	return &RefundApplication{ID: uuid.Must(uuid.NewV7()), OrderID: o.id, UserID: o.userID, OutTradeNo: o.outTradeNo,
		AmountFen: amountFen, Reason: reason, Status: RequestRequested, CreatedAt: now, UpdatedAt: now}, nil
}

// Withdraw is the buyer's, while the request waits for a decision.
func (r *RefundApplication) Withdraw(now time.Time) error {
	if r.Status != RequestRequested {
		return fmt.Errorf("%w: it is %s", ErrRequestNotOpen, r.Status)
	}
	r.Status, r.UpdatedAt = RequestWithdrawn, now.UTC()
	return nil
}

// Reject is the operator's, with a note the buyer sees.
func (r *RefundApplication) Reject(note string, now time.Time) error {
	note = strings.TrimSpace(note)
	switch {
	case r.Status != RequestRequested:
		return fmt.Errorf("%w: it is %s", ErrRequestNotOpen, r.Status)
	case note == "" || utf8.RuneCountInString(note) > 200:
		return &InvalidError{What: "rejection", Reason: "a note of 1 to 200 characters tells the buyer why"}
	}
	r.Status, r.Note, r.UpdatedAt = RequestRejected, note, now.UTC()
	return nil
}

// Approve is the operator's: the refund of the request's amount is added
// to the order (under the order's lock, with its submit job), and the
// request waits for it. The order's refund rules apply as to any refund.
func (r *RefundApplication) Approve(o *Order, operator string, now time.Time) (*Refund, error) {
	if r.Status != RequestRequested {
		return nil, fmt.Errorf("%w: it is %s", ErrRequestNotOpen, r.Status)
	}
	refund, err := o.Refund(r.AmountFen, r.Reason, operator, now)
	if err != nil {
		return nil, err
	}
	r.Status, r.OutRefundNo, r.UpdatedAt = RequestRefunding, refund.outRefundNo, now.UTC()
	r.Approvals++
	return refund, nil
}

// Follow brings a refunding request in line with its refund as WeChat
// settled it: refunded on SUCCESS, back to requested on CLOSED.
func (r *RefundApplication) Follow(refund *Refund) bool {
	if refund == nil || refund.outRefundNo != r.OutRefundNo {
		return false
	}
	return r.FollowStatus(refund.status, refund.updatedAt)
}

// FollowStatus is Follow for a refund read apart from its order.
func (r *RefundApplication) FollowStatus(status RefundStatus, at time.Time) bool {
	if r.Status != RequestRefunding {
		return false
	}
	switch status {
	case RefundSuccess:
		r.Status = RequestRefunded
	case RefundClosed:
		r.Status, r.OutRefundNo = RequestRequested, ""
	default:
		return false
	}
	r.UpdatedAt = at.UTC()
	return true
}

// RefundApplications stores the requests.
type RefundApplications interface {
	// CreateRefundApplication locks the buyer's order, lets create decide
	// (ErrRequestNotOpen when an open request exists) and stores it.
	CreateRefundApplication(ctx context.Context, userID, orderID uuid.UUID, create func(*Order, []*RefundApplication) (*RefundApplication, error)) (*RefundApplication, error)
	// RefundApplicationsOf lists the order's requests, oldest first: the
	// buyer's (ErrNotFound for another's order), or with userID Nil any
	// order's (the operator's).
	RefundApplicationsOf(ctx context.Context, userID, orderID uuid.UUID) ([]*RefundApplication, error)
	// DecideRefundApplication locks the request's order, then the request, lets
	// decide move either, and saves both with the order's effects and
	// audit (when not nil), in one transaction. userID (when not Nil)
	// limits it to the buyer's own request.
	DecideRefundApplication(ctx context.Context, id, userID uuid.UUID, audit *Audit, decide func(*RefundApplication, *Order) error) (*RefundApplication, error)
	// OpenRefundApplications lists requests waiting for a decision, oldest first.
	OpenRefundApplications(ctx context.Context, limit int) ([]*RefundApplication, error)
}

// AskRefund is the buyer's side of refund requests.
type AskRefund struct {
	store RefundApplications
	now   Clock
}

func NewAskRefund(store RefundApplications, now Clock) *AskRefund {
	return &AskRefund{store: store, now: now}
}

// Request asks for amountFen of the buyer's order back.
func (u *AskRefund) Request(ctx context.Context, s Session, orderID uuid.UUID, amountFen int64, reason string) (*RefundApplication, error) {
	return u.store.CreateRefundApplication(ctx, s.User().ID(), orderID, func(o *Order, existing []*RefundApplication) (*RefundApplication, error) {
		for _, r := range existing {
			r.Follow(o.refund(r.OutRefundNo))
			if r.Open() {
				return nil, fmt.Errorf("%w: the order has an open request already", ErrRequestNotOpen)
			}
		}
		return NewRefundApplication(o, amountFen, reason, u.now())
	})
}

// List is the buyer's requests of one order, each in line with its refund.
func (u *AskRefund) List(ctx context.Context, s Session, orderID uuid.UUID) ([]*RefundApplication, error) {
	return u.store.RefundApplicationsOf(ctx, s.User().ID(), orderID)
}

// Withdraw is the buyer's withdrawal.
func (u *AskRefund) Withdraw(ctx context.Context, s Session, id uuid.UUID) (*RefundApplication, error) {
	return u.store.DecideRefundApplication(ctx, id, s.User().ID(), nil, func(r *RefundApplication, o *Order) error {
		r.Follow(o.refund(r.OutRefundNo))
		return r.Withdraw(u.now())
	})
}

// ApproveRefundApplication is the operator's approval, audited.
func (op *Operate) ApproveRefundApplication(ctx context.Context, keyID string, id uuid.UUID) (*RefundApplication, error) {
	a := op.audit(keyID, "refund_request.approve", id.String(), nil)
	return op.requests.DecideRefundApplication(ctx, id, uuid.Nil, &a, func(r *RefundApplication, o *Order) error {
		r.Follow(o.refund(r.OutRefundNo))
		if _, err := r.Approve(o, OperatorActor(keyID), op.now()); err != nil {
			return err
		}
		o.tell(MessageRefundRequest, op.now())
		return nil
	})
}

// RejectRefundApplication is the operator's rejection with a note, audited.
func (op *Operate) RejectRefundApplication(ctx context.Context, keyID string, id uuid.UUID, note string) (*RefundApplication, error) {
	a := op.audit(keyID, "refund_request.reject", id.String(), map[string]any{"note": note})
	return op.requests.DecideRefundApplication(ctx, id, uuid.Nil, &a, func(r *RefundApplication, o *Order) error {
		r.Follow(o.refund(r.OutRefundNo))
		if err := r.Reject(note, op.now()); err != nil {
			return err
		}
		o.tell(MessageRefundRequest, op.now())
		return nil
	})
}

// OrderRefundApplications are an order's requests, decided ones too, for
// the operator's view of the order.
func (op *Operate) OrderRefundApplications(ctx context.Context, orderID uuid.UUID) ([]*RefundApplication, error) {
	return op.requests.RefundApplicationsOf(ctx, uuid.Nil, orderID)
}

// OpenRefundApplications is the operator's queue.
func (op *Operate) OpenRefundApplications(ctx context.Context, limit int) ([]*RefundApplication, error) {
	return op.requests.OpenRefundApplications(ctx, limit)
}
