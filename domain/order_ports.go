package domain

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// LineRequest is one line of an order as the client asks for it: which
// product and how many. Never a price.
type LineRequest struct {
	ProductID uuid.UUID
	Quantity  int
}

// NewOrderSpec is what CreateOrder needs besides the priced lines.
type NewOrderSpec struct {
	UserID         uuid.UUID
	Lines          []LineRequest // merged, sorted by product id
	IdempotencyKey string        // "" when the client sent none
	RequestHash    []byte        // of Lines, to tell a replay from a reuse
}

// OrderCursor continues a newest-first listing after an order.
type OrderCursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// PaymentRecord is one ledger entry: a notification or query result and
// what became of it.
type PaymentRecord struct {
	EventID     string // WeChat's notification id, or "query:<transaction_id>"
	Source      string // "notification" or "query"
	EventType   string
	ReceivedAt  time.Time
	Transaction Transaction // zero for rejected notifications
	OutRefundNo string      // for refund events
	Verdict     Verdict
	Reason      string
}

// Orders stores orders, their jobs and attention items, and the payment
// ledger. Each method is one transaction. Whenever a method saves an
// order, it also schedules the jobs and stores the attention items the
// order's moves produced (Order.TakeEffects), in the same transaction.
type Orders interface {
	// CreateOrder claims spec.IdempotencyKey for the user (concurrent
	// requests with one key wait for each other), reserves stock for every
	// line (ErrOutOfStock, or ErrProductUnavailable for an unknown one),
	// prices the lines from the catalog, builds the order with build and
	// stores it. If the user already placed an order with the key, it
	// returns that order and created=false, or ErrIdempotencyConflict when
	// the request hash differs.
	CreateOrder(ctx context.Context, spec NewOrderSpec, build func([]OrderLine) (*Order, error)) (o *Order, created bool, err error)
	// FindOrder returns the user's order, or ErrNotFound (also for another user's).
	FindOrder(ctx context.Context, userID, orderID uuid.UUID) (*Order, error)
	// GetOrder returns any order (for jobs), or ErrNotFound.
	GetOrder(ctx context.Context, orderID uuid.UUID) (*Order, error)
	// OrderByOutTradeNo returns the order WeChat knows by outTradeNo, or ErrNotFound.
	OrderByOutTradeNo(ctx context.Context, outTradeNo string) (*Order, error)
	// ListOrders returns the user's orders, newest first, after the cursor (nil: from the newest).
	ListOrders(ctx context.Context, userID uuid.UUID, after *OrderCursor, limit int) ([]*Order, error)
	// UpdateOrder locks the order, lets change decide, and saves the result
	// (nothing is saved when change returns an error). When the order
	// leaves pending or closing for cancelled or expired, the reserved stock
	// is released in the same transaction.
	UpdateOrder(ctx context.Context, orderID uuid.UUID, change func(*Order) error) (*Order, error)
	// RecordPayment locks the order with the record's out_trade_no (nil if
	// there is none; its refunds loaded when it was ever paid), lets decide
	// give the verdict, saves the order when it is applied or late, stores
	// its effects (refunds included), and appends the ledger entry, all in
	// one transaction. Refund notifications and answers go through it too.
	// It fails with ErrTransactionElsewhere (and saves nothing) when the
	// payment's transaction_id already belongs to another order.
	RecordPayment(ctx context.Context, r PaymentRecord, decide func(*Order) (Verdict, string, error)) (Verdict, error)
	// CreateRefund claims key (concurrent requests with one key wait for
	// each other), returns the refund already made with it (created=false;
	// ErrIdempotencyConflict when requestHash differs), or else locks the
	// order with its refunds, lets create add one, and saves it with its
	// effects, and audit (when not nil) in the same transaction. An empty
	// key claims nothing.
	CreateRefund(ctx context.Context, orderID uuid.UUID, key string, requestHash []byte, audit *Audit, create func(*Order) (*Refund, error)) (r *Refund, created bool, err error)
	// RecordRefused appends a ledger entry for a notification that failed
	// verification, unless perMinute entries of that kind were already
	// written in the record's minute; recorded says which.
	RecordRefused(ctx context.Context, r PaymentRecord, perMinute int) (recorded bool, err error)
	// DueOrders lists open (pending or closing) orders whose next settle
	// attempt is due at now, the longest due first.
	DueOrders(ctx context.Context, now time.Time, limit int) ([]uuid.UUID, error)
}
