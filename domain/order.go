package domain

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Order errors.
var (
	// ErrOutOfStock: a product does not have the quantity asked for.
	ErrOutOfStock = errors.New("not enough stock")
	// ErrProductUnavailable: the product does not exist or is not for sale.
	ErrProductUnavailable = errors.New("product is not for sale")
	// ErrOrderNotPayable: the order is paid, cancelled or expired.
	ErrOrderNotPayable = errors.New("order can no longer be paid")
	// ErrOrderNotCancellable: the order is paid (refunds are another story).
	ErrOrderNotCancellable = errors.New("order can no longer be cancelled")
	// ErrIdempotencyConflict: an Idempotency-Key was reused for a different request.
	ErrIdempotencyConflict = errors.New("idempotency key reused with a different request")
)

// OrderStatus is where an order is in its life. The legal moves are the
// methods of Order (README: "Order states"):
//
//	pending → paid                 a verified payment (notification or query)
//	pending → closing              cancel or expiry decided, under the row lock, before CloseOrder
//	closing → cancelled | expired  WeChat closed the transaction; stock released
//	closing → paid                 the payment won the race (close answers ORDERPAID)
//	closing → pending              close refused for another reason (cancel only)
//	pending → expired              past expiry, WeChat says CLOSED/REVOKED/PAYERROR or never saw it
//	cancelled | expired → late_paid  a verified payment after we gave up: refunded by a job
//	paid | late_paid → refunded     its refunds' SUCCESS parts add up to the payment
//	pending | closing | cancelled | expired → refunded
//	                               WeChat reports the transaction REFUND (paid, then
//	                               refunded elsewhere) before we saw it paid: a person asks
//
// and after payment, fulfilment (fulfilment.go): paid → shipped →
// received → completed, refunds still possible until completed.
type OrderStatus string

const (
	OrderPending   OrderStatus = "pending"
	OrderClosing   OrderStatus = "closing"
	OrderPaid      OrderStatus = "paid"
	OrderCancelled OrderStatus = "cancelled"
	OrderExpired   OrderStatus = "expired"
	OrderLatePaid  OrderStatus = "late_paid"
	OrderRefunded  OrderStatus = "refunded"
)

// Open says whether the order still holds stock and may yet be paid in
// time: pending or closing.
func (s OrderStatus) Open() bool { return s == OrderPending || s == OrderClosing }

// ReleasesStock says whether moving from before to after gives the order's
// reserved stock back: it leaves pending or closing without being sold
// (cancelled, expired, or refunded before we saw it paid).
func ReleasesStock(before, after OrderStatus) bool {
	return before.Open() && (after == OrderCancelled || after == OrderExpired || after == OrderRefunded)
}

// Currency is the only one JSAPI payments use.
const Currency = "CNY"

// Limits on an order request.
const (
	MaxOrderLines   = 20
	MaxLineQuantity = 99
)

// OrderLine is one product in an order, priced by the server at the moment
// the order was placed.
type OrderLine struct {
	ProductID    uuid.UUID
	Name         string
	UnitPriceFen int64
	Quantity     int
	Kind         ProductKind // how the product reaches the buyer
}

func (l OrderLine) SubtotalFen() int64 { return l.UnitPriceFen * int64(l.Quantity) }

// Order is a purchase by one user, paid through one WeChat transaction
// identified by OutTradeNo.
type Order struct {
	id             uuid.UUID
	userID         uuid.UUID
	payerOpenID    string // the openid the order is prepaid for: only they may pay it
	outTradeNo     string
	status         OrderStatus
	closeTo        OrderStatus // while closing: cancelled or expired
	lines          []OrderLine
	totalFen       int64
	description    string
	prepayID       string
	prepayIssuedAt time.Time
	transactionID  string
	createdAt      time.Time
	expiresAt      time.Time
	paidAt         time.Time
	checkAttempts  int
	nextCheckAt    time.Time // zero: nothing left to reconcile
	lastQueryAt    time.Time // the last active query at WeChat
	refundedFen    int64     // SUCCESS refunds
	refunds        []*Refund // loaded with orders that were ever paid
	kind           ProductKind
	address        *ShippingAddress // physical orders only
	shipment       *Shipment        // once shipped
	receivedAt     time.Time
	completedAt    time.Time

	// effects are what the adapter must write in the same transaction as
	// the order: jobs to schedule, items a person must look at, refunds
	// created or changed.
	jobs           []Job
	attention      []Attention
	resolved       []Resolution
	audits         []Audit
	changedRefunds []*Refund
}

// NewOrder prices an order from lines the catalog has already priced, for
// the user with payerOpenID, and schedules its reconciliation jobs. An
// order with goods that are sent needs the address (and only it has one).
func NewOrder(userID uuid.UUID, payerOpenID, outTradeNo string, lines []OrderLine, address *ShippingAddress, now time.Time, ttl time.Duration, checks []time.Duration) (*Order, error) {
	if len(lines) == 0 {
		return nil, &InvalidError{What: "order", Reason: "an order needs at least one item"}
	}
	var total int64
	kinds := make([]ProductKind, len(lines))
	for i, l := range lines {
		if l.UnitPriceFen <= 0 || l.Quantity <= 0 || l.Quantity > MaxLineQuantity {
			return nil, fmt.Errorf("order line %s: price %d quantity %d out of range", l.ProductID, l.UnitPriceFen, l.Quantity)
		}
		total += l.SubtotalFen()
		kinds[i] = l.Kind
	}
	kind := orderKind(kinds)
	switch {
	case kind == KindPhysical && address == nil:
		return nil, ErrAddressRequired
	case kind != KindPhysical && address != nil:
		return nil, &InvalidError{What: "order", Reason: "an address is only for goods that are sent; this order is " + string(kind)}
	case address != nil:
		if err := address.Validate(); err != nil {
			return nil, err
		}
	}
	now = now.UTC()
	o := &Order{
		id:          uuid.Must(uuid.NewV7()),
		userID:      userID,
		payerOpenID: payerOpenID,
		outTradeNo:  outTradeNo,
		status:      OrderPending,
		lines:       lines,
		totalFen:    total,
		description: describe(lines),
		createdAt:   now,
		expiresAt:   now.Add(ttl),
		kind:        kind,
		address:     address,
	}
	// Ask WeChat a few times while the user may be paying (a lost
	// notification should not make them wait for expiry), then settle for
	// good when the payment window ends.
	for _, d := range checks {
		if at := now.Add(d); at.Before(o.expiresAt) {
			o.schedule(JobCheckOrder, at)
		}
	}
	o.nextCheckAt = o.expiresAt
	o.schedule(JobSettleOrder, o.expiresAt)
	return o, nil
}

// describe makes WeChat's description (<= 127 characters): what the user
// sees in their payment record.
func describe(lines []OrderLine) string {
	d := lines[0].Name
	if len(lines) > 1 {
		d = fmt.Sprintf("%s 等%d件商品", d, len(lines))
	}
	if utf8.RuneCountInString(d) > 127 {
		d = string([]rune(d)[:126]) + "…"
	}
	return d
}

// OrderSnapshot is an order's stored form; adapters use it both ways.
type OrderSnapshot struct {
	ID, UserID                   uuid.UUID
	PayerOpenID                  string
	OutTradeNo                   string
	Status, CloseTo              OrderStatus
	Lines                        []OrderLine
	TotalFen                     int64
	Description                  string
	PrepayID, TransactionID      string
	PrepayIssuedAt               time.Time
	CreatedAt, ExpiresAt, PaidAt time.Time
	CheckAttempts                int
	NextCheckAt, LastQueryAt     time.Time
	RefundedFen                  int64
	Refunds                      []*Refund
	Kind                         ProductKind
	Address                      *ShippingAddress
	Shipment                     *Shipment
	ReceivedAt, CompletedAt      time.Time
}

func RestoreOrder(s OrderSnapshot) *Order {
	return &Order{
		id: s.ID, userID: s.UserID, payerOpenID: s.PayerOpenID, outTradeNo: s.OutTradeNo,
		status: s.Status, closeTo: s.CloseTo, lines: s.Lines,
		totalFen: s.TotalFen, description: s.Description, prepayID: s.PrepayID, prepayIssuedAt: s.PrepayIssuedAt.UTC(),
		transactionID: s.TransactionID, createdAt: s.CreatedAt.UTC(), expiresAt: s.ExpiresAt.UTC(), paidAt: s.PaidAt.UTC(),
		checkAttempts: s.CheckAttempts, nextCheckAt: s.NextCheckAt.UTC(), lastQueryAt: s.LastQueryAt.UTC(),
		refundedFen: s.RefundedFen, refunds: s.Refunds,
		kind: s.Kind, address: s.Address, shipment: s.Shipment, receivedAt: s.ReceivedAt.UTC(), completedAt: s.CompletedAt.UTC(),
	}
}

func (o *Order) Snapshot() OrderSnapshot {
	return OrderSnapshot{
		ID: o.id, UserID: o.userID, PayerOpenID: o.payerOpenID, OutTradeNo: o.outTradeNo,
		Status: o.status, CloseTo: o.closeTo, Lines: o.lines,
		TotalFen: o.totalFen, Description: o.description, PrepayID: o.prepayID, PrepayIssuedAt: o.prepayIssuedAt,
		TransactionID: o.transactionID, CreatedAt: o.createdAt, ExpiresAt: o.expiresAt, PaidAt: o.paidAt,
		CheckAttempts: o.checkAttempts, NextCheckAt: o.nextCheckAt, LastQueryAt: o.lastQueryAt,
		RefundedFen: o.refundedFen, Refunds: o.refunds,
		Kind: o.kind, Address: o.address, Shipment: o.shipment, ReceivedAt: o.receivedAt, CompletedAt: o.completedAt,
	}
}

func (o *Order) ID() uuid.UUID          { return o.id }
func (o *Order) UserID() uuid.UUID      { return o.userID }
func (o *Order) PayerOpenID() string    { return o.payerOpenID }
func (o *Order) OutTradeNo() string     { return o.outTradeNo }
func (o *Order) Status() OrderStatus    { return o.status }
func (o *Order) Lines() []OrderLine     { return o.lines }
func (o *Order) TotalFen() int64        { return o.totalFen }
func (o *Order) Description() string    { return o.description }
func (o *Order) PrepayID() string       { return o.prepayID }
func (o *Order) TransactionID() string  { return o.transactionID }
func (o *Order) CreatedAt() time.Time   { return o.createdAt }
func (o *Order) ExpiresAt() time.Time   { return o.expiresAt }
func (o *Order) PaidAt() time.Time      { return o.paidAt }
func (o *Order) CheckAttempts() int     { return o.checkAttempts }
func (o *Order) NextCheckAt() time.Time { return o.nextCheckAt }

// Effects are what an order's moves produced for the adapter to write in
// the same transaction as the order.
type Effects struct {
	Jobs      []Job
	Attention []Attention
	Resolved  []Resolution // open items to close, resolved by SystemActor
	Audits    []Audit      // what the service did as an operator would (its refunds)
	Refunds   []*Refund    // created or changed
}

// TakeEffects hands the adapter what the last moves produced, once.
func (o *Order) TakeEffects() Effects {
	e := Effects{Jobs: o.jobs, Attention: o.attention, Resolved: o.resolved, Audits: o.audits, Refunds: o.changedRefunds}
	o.jobs, o.attention, o.resolved, o.audits, o.changedRefunds = nil, nil, nil, nil, nil
	return e
}

func (o *Order) schedule(kind JobKind, at time.Time) {
	o.jobs = append(o.jobs, Job{Kind: kind, OrderID: o.id, RunAt: at.UTC()})
}

// flag asks a person to look at the order.
func (o *Order) flag(kind AttentionKind, why Why, now time.Time) {
	o.flagAbout(kind, "", why, now)
}

// flagRefund asks a person to look at one of the order's refunds.
func (o *Order) flagRefund(kind AttentionKind, r *Refund, why Why, now time.Time) {
	why.OutRefundNo = r.outRefundNo
	o.flagAbout(kind, r.outRefundNo, why, now)
}

func (o *Order) flagAbout(kind AttentionKind, outRefundNo string, why Why, now time.Time) {
	for _, a := range o.attention {
		if a.Kind == kind && a.OutRefundNo == outRefundNo {
			return // one item per subject and kind (the first says why)
		}
	}
	o.attention = append(o.attention, Attention{
		Kind: kind, OrderID: o.id, OutTradeNo: o.outTradeNo, OutRefundNo: outRefundNo, Why: why, Detail: why.English(), CreatedAt: now.UTC(),
	})
}

// resolve closes the open item of kind about the subject (the order when
// outRefundNo is ""), if there is one, saying what settled it.
func (o *Order) resolve(kind AttentionKind, outRefundNo, note string, now time.Time) {
	o.resolved = append(o.resolved, Resolution{Kind: kind, OrderID: o.id, OutRefundNo: outRefundNo, Note: note, At: now.UTC()})
}

// Payable says whether the user may (still) pay at now.
func (o *Order) Payable(now time.Time) error {
	if o.status != OrderPending || !now.Before(o.expiresAt) {
		return ErrOrderNotPayable
	}
	return nil
}

// PrepayReuseWindow is how long a stored prepay_id is handed out again.
// WeChat keeps one for 2 hours; past this margin /pay asks for a new one,
// so that a payment sheet opened near the end still works.
const PrepayReuseWindow = 110 * time.Minute

// NeedsPrepay says whether a (new) prepay_id must be asked for at now,
// given how long one is reused.
func (o *Order) NeedsPrepay(now time.Time, reuse time.Duration) bool {
	return o.prepayID == "" || !now.Before(o.prepayIssuedAt.Add(reuse))
}

// AttachPrepay stores WeChat's prepay_id while the order is payable; a
// cancel or expiry that won the row lock first refuses it, so no signed
// payment arguments leave for an order that is being closed.
func (o *Order) AttachPrepay(id string, now time.Time) error {
	if err := o.Payable(now); err != nil {
		return err
	}
	if id == "" {
		return errors.New("empty prepay_id")
	}
	o.prepayID, o.prepayIssuedAt = id, now.UTC()
	return nil
}

// closingRecheck is when a closing order is looked at again if the close
// never finished (the instance died between the two steps, say).
const closingRecheck = time.Minute

// BeginCancel moves a pending order to closing, before the caller asks
// WeChat to close the transaction; a successful close ends it cancelled.
// An order already closing stays so (the close may be retried); one that
// already ended gives errAlreadyEnded, a paid one ErrOrderNotCancellable.
func (o *Order) BeginCancel(now time.Time) error {
	switch o.status {
	case OrderPending:
		o.status, o.closeTo = OrderClosing, OrderCancelled
		o.nextCheckAt = now.Add(closingRecheck).UTC()
		o.schedule(JobSettleOrder, o.nextCheckAt)
		return nil
	case OrderClosing:
		return nil
	case OrderCancelled, OrderExpired, OrderLatePaid:
		return errAlreadyEnded
	default:
		return ErrOrderNotCancellable
	}
}

// beginExpire is BeginCancel for an order whose window has passed, during
// a settle attempt (which already set when the next attempt is due).
func (o *Order) beginExpire(now time.Time) error {
	switch {
	case o.status == OrderClosing:
		return nil
	case o.status != OrderPending:
		return errAlreadyEnded
	case now.Before(o.expiresAt):
		return fmt.Errorf("order %s is payable until %s", o.id, o.expiresAt)
	}
	o.status, o.closeTo = OrderClosing, OrderExpired
	return nil
}

// errAlreadyEnded: the order was already cancelled or expired.
var errAlreadyEnded = errors.New("order already ended")

// FinishClose ends a closing order where BeginClose said, after WeChat
// closed the transaction (or said it was never paid and can no longer be).
func (o *Order) FinishClose() error {
	if o.status != OrderClosing {
		return fmt.Errorf("order %s is %s, not closing", o.id, o.status)
	}
	o.status, o.closeTo, o.nextCheckAt = o.closeTo, "", time.Time{}
	return nil
}

// AbortClose puts a closing order back to pending when WeChat refused to
// close it for a reason other than its being paid: the user may still pay.
func (o *Order) AbortClose() error {
	if o.status != OrderClosing {
		return nil // a payment (or another close) got there first
	}
	o.status, o.closeTo, o.nextCheckAt = OrderPending, "", o.expiresAt
	return nil
}

// ExpireUnpaid ends a pending order past its window without asking WeChat
// to close it: WeChat has said it can no longer be paid (CLOSED, REVOKED,
// PAYERROR) or never saw it.
func (o *Order) ExpireUnpaid(now time.Time) error {
	switch {
	case o.status == OrderClosing:
		return o.FinishClose()
	case o.status != OrderPending:
		return fmt.Errorf("order %s is %s: %w", o.id, o.status, errAlreadyEnded)
	case now.Before(o.expiresAt):
		return fmt.Errorf("order %s is payable until %s", o.id, o.expiresAt)
	}
	o.status, o.nextCheckAt = OrderExpired, time.Time{}
	return nil
}

// flaggedKinds lists the kinds of attention the last moves raised (before
// the adapter takes them).
func (o *Order) flaggedKinds() []AttentionKind {
	kinds := make([]AttentionKind, 0, len(o.attention))
	for _, a := range o.attention {
		kinds = append(kinds, a.Kind)
	}
	return kinds
}
