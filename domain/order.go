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

// InvalidOrderError says what is wrong with an order request.
type InvalidOrderError struct{ Reason string }

func (e *InvalidOrderError) Error() string { return "invalid order: " + e.Reason }

// OrderStatus is where an order is in its life. The only transitions are
// pending → paid, pending → cancelled and pending → expired.
type OrderStatus string

const (
	OrderPending   OrderStatus = "pending"
	OrderPaid      OrderStatus = "paid"
	OrderCancelled OrderStatus = "cancelled"
	OrderExpired   OrderStatus = "expired"
)

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
}

func (l OrderLine) SubtotalFen() int64 { return l.UnitPriceFen * int64(l.Quantity) }

// Order is a purchase by one user, paid through one WeChat transaction
// identified by OutTradeNo.
type Order struct {
	id            uuid.UUID
	userID        uuid.UUID
	outTradeNo    string
	status        OrderStatus
	lines         []OrderLine
	totalFen      int64
	description   string
	prepayID      string
	transactionID string
	createdAt     time.Time
	expiresAt     time.Time
	paidAt        time.Time
}

// NewOrder prices an order from lines the catalog has already priced.
func NewOrder(userID uuid.UUID, outTradeNo string, lines []OrderLine, now time.Time, ttl time.Duration) (*Order, error) {
	if len(lines) == 0 {
		return nil, &InvalidOrderError{Reason: "an order needs at least one item"}
	}
	var total int64
	for _, l := range lines {
		if l.UnitPriceFen <= 0 || l.Quantity <= 0 || l.Quantity > MaxLineQuantity {
			return nil, fmt.Errorf("order line %s: price %d quantity %d out of range", l.ProductID, l.UnitPriceFen, l.Quantity)
		}
		total += l.SubtotalFen()
	}
	now = now.UTC()
	return &Order{
		id:          uuid.Must(uuid.NewV7()),
		userID:      userID,
		outTradeNo:  outTradeNo,
		status:      OrderPending,
		lines:       lines,
		totalFen:    total,
		description: describe(lines),
		createdAt:   now,
		expiresAt:   now.Add(ttl),
	}, nil
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
	OutTradeNo                   string
	Status                       OrderStatus
	Lines                        []OrderLine
	TotalFen                     int64
	Description                  string
	PrepayID, TransactionID      string
	CreatedAt, ExpiresAt, PaidAt time.Time
}

func RestoreOrder(s OrderSnapshot) *Order {
	return &Order{
		id: s.ID, userID: s.UserID, outTradeNo: s.OutTradeNo, status: s.Status, lines: s.Lines,
		totalFen: s.TotalFen, description: s.Description, prepayID: s.PrepayID, transactionID: s.TransactionID,
		createdAt: s.CreatedAt.UTC(), expiresAt: s.ExpiresAt.UTC(), paidAt: s.PaidAt.UTC(),
	}
}

func (o *Order) Snapshot() OrderSnapshot {
	return OrderSnapshot{
		ID: o.id, UserID: o.userID, OutTradeNo: o.outTradeNo, Status: o.status, Lines: o.lines,
		TotalFen: o.totalFen, Description: o.description, PrepayID: o.prepayID, TransactionID: o.transactionID,
		CreatedAt: o.createdAt, ExpiresAt: o.expiresAt, PaidAt: o.paidAt,
	}
}

func (o *Order) ID() uuid.UUID         { return o.id }
func (o *Order) UserID() uuid.UUID     { return o.userID }
func (o *Order) OutTradeNo() string    { return o.outTradeNo }
func (o *Order) Status() OrderStatus   { return o.status }
func (o *Order) Lines() []OrderLine    { return o.lines }
func (o *Order) TotalFen() int64       { return o.totalFen }
func (o *Order) Description() string   { return o.description }
func (o *Order) PrepayID() string      { return o.prepayID }
func (o *Order) TransactionID() string { return o.transactionID }
func (o *Order) CreatedAt() time.Time  { return o.createdAt }
func (o *Order) ExpiresAt() time.Time  { return o.expiresAt }
func (o *Order) PaidAt() time.Time     { return o.paidAt }

// Payable says whether the user may (still) pay at now.
func (o *Order) Payable(now time.Time) error {
	if o.status != OrderPending || !now.Before(o.expiresAt) {
		return ErrOrderNotPayable
	}
	return nil
}

// SetPrepayID records WeChat's prepay_id; it never changes afterwards,
// because the same out_trade_no with the same parameters yields the same one.
func (o *Order) SetPrepayID(id string) error {
	if o.prepayID != "" && o.prepayID != id {
		return fmt.Errorf("order %s already has prepay_id %s, WeChat returned %s", o.id, o.prepayID, id)
	}
	o.prepayID = id
	return nil
}

// Cancel ends an unpaid order. Cancelling a cancelled or expired order is
// a no-op; a paid one cannot be cancelled.
func (o *Order) Cancel() error {
	switch o.status {
	case OrderPending:
		o.status = OrderCancelled
		return nil
	case OrderCancelled, OrderExpired:
		return nil
	default:
		return ErrOrderNotCancellable
	}
}

// Expire ends an unpaid order whose payment window has passed.
func (o *Order) Expire(now time.Time) error {
	if o.status != OrderPending || now.Before(o.expiresAt) {
		return fmt.Errorf("order %s is %s until %s: %w", o.id, o.status, o.expiresAt, ErrOrderNotCancellable)
	}
	o.status = OrderExpired
	return nil
}
