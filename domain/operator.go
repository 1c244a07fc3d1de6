package domain

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The operator's side: a person running the shop with an API key. Every
// write they make is audited (who — the key id —, what, when) in the same
// transaction as the write.

// ErrSKUTaken: another product already has the SKU.
var ErrSKUTaken = errors.New("a product with this SKU exists")

// Audit is one operator write, for the audit table.
type Audit struct {
	KeyID  string
	Action string // e.g. "refund.create", "product.update"
	Target string // what it was done to: an order, product or item id
	Detail map[string]any
	At     time.Time
}

// OrderFilter narrows the operator's order list; zero fields match all.
type OrderFilter struct {
	Status        OrderStatus
	CreatedFrom   time.Time // inclusive
	CreatedBefore time.Time // exclusive
	OutTradeNo    string
	PayerOpenID   string
}

// LedgerRecord is one payment_ledger row, as an operator reads it.
type LedgerRecord struct {
	ID int64
	PaymentRecord
	AmountFen int64 // 0: none
}

// AttentionRecord is an attention item with its resolution.
type AttentionRecord struct {
	Attention
	ResolvedAt time.Time
	ResolvedBy string
	Note       string
}

// CatalogProduct is a product as an operator manages it.
type CatalogProduct struct {
	Product
	SKU                  string
	Active               bool
	CreatedAt, UpdatedAt time.Time
}

// ProductChange is what an operator changes about a product; nil fields
// stay as they are.
type ProductChange struct {
	Name, Description *string
	PriceFen          *int64
	Stock             *int
	Active            *bool
	Kind              *ProductKind
}

var skuShape = regexp.MustCompile(`^[0-9A-Za-z_.-]{1,64}$`)

// Validate checks a new product (or the product after a change).
func (p CatalogProduct) Validate() error {
	switch {
	case !skuShape.MatchString(p.SKU):
		return &InvalidError{What: "product", Reason: "the SKU is 1 to 64 letters, digits, '_', '.' or '-'"}
	case strings.TrimSpace(p.Name) == "" || utf8.RuneCountInString(p.Name) > 100:
		return &InvalidError{What: "product", Reason: "the name is 1 to 100 characters"}
	case utf8.RuneCountInString(p.Description) > 500:
		return &InvalidError{What: "product", Reason: "the description is at most 500 characters"}
	case p.PriceFen < 1 || p.PriceFen > 100_000_000:
		return &InvalidError{What: "product", Reason: "the price is 1 fen to ¥1,000,000"}
	case p.Stock < 0:
		return &InvalidError{What: "product", Reason: "stock cannot be negative"}
	case !p.Kind.Valid():
		return &InvalidError{What: "product", Reason: "the kind is physical, virtual or pickup"}
	}
	return nil
}

// Apply makes the change; existing orders keep the price they were placed
// at (their lines hold it), so a price change touches only new orders.
func (p *CatalogProduct) Apply(c ProductChange) {
	if c.Name != nil {
		p.Name = *c.Name
	}
	if c.Description != nil {
		p.Description = *c.Description
	}
	if c.PriceFen != nil {
		p.PriceFen = *c.PriceFen
	}
	if c.Stock != nil {
		p.Stock = *c.Stock
	}
	if c.Active != nil {
		p.Active = *c.Active
	}
	if c.Kind != nil {
		p.Kind = *c.Kind
	}
}

// Backoffice is the storage the operator's use cases need.
type Backoffice interface {
	// AdminListOrders lists orders matching f, newest first, after the cursor.
	AdminListOrders(ctx context.Context, f OrderFilter, after *OrderCursor, limit int) ([]*Order, error)
	// AdminOrder returns any order with its lines and refunds, its ledger
	// entries and its attention items (open and resolved).
	AdminOrder(ctx context.Context, id uuid.UUID) (*Order, []LedgerRecord, []AttentionRecord, error)
	// ResolveAttention marks the item resolved (keeping an earlier
	// resolution) and audits it; ErrNotFound for an unknown id.
	ResolveAttention(ctx context.Context, id int64, note string, a Audit) (AttentionRecord, error)
	// OpenAttention lists the open items, oldest first.
	OpenAttention(ctx context.Context, limit int) ([]AttentionRecord, error)
	// ListCatalog lists every product, active or not.
	ListCatalog(ctx context.Context) ([]CatalogProduct, error)
	// CreateProduct stores a new product (ErrSKUTaken) and audits it.
	CreateProduct(ctx context.Context, p CatalogProduct, a Audit) (CatalogProduct, error)
	// UpdateProduct locks the product, lets change decide, saves and audits.
	UpdateProduct(ctx context.Context, id uuid.UUID, change func(*CatalogProduct) error, a Audit) (CatalogProduct, error)
	// UnsettledRefunds lists refunds WeChat has not settled (PROCESSING or
	// ABNORMAL), oldest first, after the cursor (nil: from the oldest).
	UnsettledRefunds(ctx context.Context, after *RefundCursor, limit int) ([]UnsettledRefund, error)
	// RefundOrderID finds the order a refund belongs to; ErrNotFound.
	RefundOrderID(ctx context.Context, outRefundNo string) (uuid.UUID, error)
	// RecordAudit writes an operator action that changed nothing else of ours.
	RecordAudit(ctx context.Context, a Audit) error
	// UpdateOrder is Orders.UpdateOrder, for the operator's moves (their
	// audits are among the order's effects).
	UpdateOrder(ctx context.Context, orderID uuid.UUID, change func(*Order) error) (*Order, error)
	// QueueJob schedules a job and audits the operator's asking for it, in
	// one transaction.
	QueueJob(ctx context.Context, j Job, a Audit) error
}

// UnsettledRefund is a refund that is not settled, with its order's number.
type UnsettledRefund struct {
	*Refund
	OutTradeNo string
}

// RefundCursor continues an oldest-first listing of refunds after one: the
// same (created_at, id) position as an order's.
type RefundCursor = OrderCursor

// Operate is the operator's use cases, each a thin rule over Backoffice.
type Operate struct {
	store    Backoffice
	bills    BillChecks
	platform Platform
	requests RefundApplications
	refund   *RefundOrder
	check    *CheckRefund
	now      Clock
}

func NewOperate(store Backoffice, bills BillChecks, platform Platform, requests RefundApplications, refund *RefundOrder, check *CheckRefund, now Clock) *Operate {
	return &Operate{store: store, bills: bills, platform: platform, requests: requests, refund: refund, check: check, now: now}
}

func (op *Operate) audit(keyID, action, target string, detail map[string]any) Audit {
	return Audit{KeyID: keyID, Action: action, Target: target, Detail: detail, At: op.now().UTC()}
}

// Refund refunds amountFen of an order for the operator keyID.
func (op *Operate) Refund(ctx context.Context, keyID string, orderID uuid.UUID, amountFen int64, reason, idemKey string) (*Refund, bool, error) {
	a := op.audit(keyID, "refund.create", orderID.String(), map[string]any{"amount_fen": amountFen, "reason": reason})
	return op.refund.Execute(ctx, orderID, amountFen, reason, keyID, idemKey, &a)
}

// RecheckRefund is "re-check now": WeChat Pay is asked about the refund at
// once and its verified answer applied, exactly as a check job would; the
// operator's request is audited. Nothing here can mark a refund SUCCESS or
// CLOSED but WeChat's verified word.
func (op *Operate) RecheckRefund(ctx context.Context, keyID, outRefundNo string) (*Refund, *Order, error) {
	orderID, err := op.store.RefundOrderID(ctx, outRefundNo)
	if err != nil {
		return nil, nil, err
	}
	if err := op.store.RecordAudit(ctx, op.audit(keyID, "refund.recheck", outRefundNo, map[string]any{"order_id": orderID.String()})); err != nil {
		return nil, nil, err
	}
	o, err := op.check.Now(ctx, orderID, outRefundNo)
	if err != nil {
		return nil, nil, err
	}
	r := o.refund(outRefundNo)
	if r == nil {
		return nil, nil, ErrNotFound
	}
	return r, o, nil
}

// UnsettledRefunds is the operator's view of refunds WeChat has not
// settled yet, oldest (most likely stuck) first.
func (op *Operate) UnsettledRefunds(ctx context.Context, after *RefundCursor, limit int) ([]UnsettledRefund, error) {
	return op.store.UnsettledRefunds(ctx, after, limit)
}

func (op *Operate) Resolve(ctx context.Context, keyID string, id int64, note string) (AttentionRecord, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return AttentionRecord{}, &InvalidError{What: "resolution", Reason: "a note says how it was resolved"}
	}
	return op.store.ResolveAttention(ctx, id, note, op.audit(keyID, "attention.resolve", fmt.Sprint(id), map[string]any{"note": note}))
}

func (op *Operate) CreateProduct(ctx context.Context, keyID string, p CatalogProduct) (CatalogProduct, error) {
	if err := p.Validate(); err != nil {
		return CatalogProduct{}, err
	}
	p.ID = uuid.Must(uuid.NewV7())
	now := op.now().UTC()
	p.CreatedAt, p.UpdatedAt = now, now
	return op.store.CreateProduct(ctx, p, op.audit(keyID, "product.create", p.ID.String(),
		map[string]any{"sku": p.SKU, "price_fen": p.PriceFen, "stock": p.Stock, "active": p.Active}))
}

func (op *Operate) UpdateProduct(ctx context.Context, keyID string, id uuid.UUID, c ProductChange) (CatalogProduct, error) {
	detail := map[string]any{}
	if c.PriceFen != nil {
		detail["price_fen"] = *c.PriceFen
	}
	if c.Stock != nil {
		detail["stock"] = *c.Stock
	}
	if c.Active != nil {
		detail["active"] = *c.Active
	}
	if c.Name != nil {
		detail["name"] = *c.Name
	}
	if c.Description != nil {
		detail["description"] = *c.Description
	}
	return op.store.UpdateProduct(ctx, id, func(p *CatalogProduct) error {
		p.Apply(c)
		p.UpdatedAt = op.now().UTC()
		return p.Validate()
	}, op.audit(keyID, "product.update", id.String(), detail))
}
