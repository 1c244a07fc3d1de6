package domain

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// OrderPolicy says how long a placed order can be paid (time_expire), and
// how long a prepay_id is handed out again (zero: PrepayReuseWindow).
type OrderPolicy struct {
	TTL         time.Duration
	PrepayReuse time.Duration
}

func (p OrderPolicy) prepayReuse() time.Duration {
	if p.PrepayReuse <= 0 {
		return PrepayReuseWindow
	}
	return p.PrepayReuse
}

// DefaultOrderTTL is the payment window when none is configured.
const DefaultOrderTTL = 30 * time.Minute

// Checkout is a payable order: the order and the signed arguments for
// wx.requestPayment. Payment is nil when the order is no longer payable
// (an idempotent replay of a paid order, say).
type Checkout struct {
	Order   *Order
	Payment *PaymentParams
}

// PrepayError means the order exists (stock reserved, retryable with
// PayOrder until it expires) but WeChat Pay did not give a prepay_id.
type PrepayError struct {
	OrderID uuid.UUID
	Err     error
}

func (e *PrepayError) Error() string { return fmt.Sprintf("order %s: prepay: %v", e.OrderID, e.Err) }
func (e *PrepayError) Unwrap() error { return e.Err }

// PlaceOrder creates an order priced by the server, reserves its stock and
// obtains the payment arguments (seed part 2).
type PlaceOrder struct {
	orders Orders
	prepay prepayer
	now    Clock
	ttl    time.Duration
	checks []time.Duration
}

func NewPlaceOrder(orders Orders, pay WeChatPay, now Clock, policy OrderPolicy, reconcile ReconcilePolicy) *PlaceOrder {
	ttl := policy.TTL
	if ttl <= 0 {
		ttl = DefaultOrderTTL
	}
	return &PlaceOrder{orders: orders, prepay: prepayer{orders: orders, pay: pay, now: now, reuse: policy.prepayReuse()}, now: now, ttl: ttl, checks: reconcile.Checks}
}

// Execute places the order; address is the buyer's (wx.chooseAddress),
// needed when goods are sent and refused otherwise.
func (p *PlaceOrder) Execute(ctx context.Context, s Session, lines []LineRequest, address *ShippingAddress, idempotencyKey string) (Checkout, error) {
	merged, err := mergeLines(lines)
	if err != nil {
		return Checkout{}, err
	}
	spec := NewOrderSpec{UserID: s.User().ID(), Lines: merged, IdempotencyKey: idempotencyKey, RequestHash: hashRequest(merged, address)}
	now := p.now()
	order, _, err := p.orders.CreateOrder(ctx, spec, func(priced []OrderLine) (*Order, error) {
		return NewOrder(spec.UserID, s.User().OpenID(), NewOutTradeNo(now), priced, address, now, p.ttl, p.checks)
	})
	if err != nil {
		return Checkout{}, fmt.Errorf("place order: %w", err)
	}
	if order.Payable(now) != nil {
		return Checkout{Order: order}, nil
	}
	return p.prepay.checkout(ctx, order)
}

// PayOrder gives fresh payment arguments for an unpaid, unexpired order,
// e.g. after the user dismissed the payment sheet or prepay failed.
type PayOrder struct {
	orders Orders
	prepay prepayer
	now    Clock
}

func NewPayOrder(orders Orders, pay WeChatPay, now Clock, policy OrderPolicy) *PayOrder {
	return &PayOrder{orders: orders, prepay: prepayer{orders: orders, pay: pay, now: now, reuse: policy.prepayReuse()}, now: now}
}

func (p *PayOrder) Execute(ctx context.Context, s Session, orderID uuid.UUID) (Checkout, error) {
	order, err := p.orders.FindOrder(ctx, s.User().ID(), orderID)
	if err != nil {
		return Checkout{}, err
	}
	if err := order.Payable(p.now()); err != nil {
		return Checkout{}, err
	}
	return p.prepay.checkout(ctx, order)
}

// prepayer is the shared tail of PlaceOrder and PayOrder: make sure the
// order has a live prepay_id, then sign the wx.requestPayment arguments,
// both under the order's row lock and only while it is payable. A cancel
// that reached the lock first (the order is closing) wins: no signed
// arguments leave for an order that is being closed.
type prepayer struct {
	orders Orders
	pay    WeChatPay
	now    Clock
	reuse  time.Duration
}

func (p prepayer) checkout(ctx context.Context, order *Order) (Checkout, error) {
	var fresh string
	if order.NeedsPrepay(p.now(), p.reuse) {
		// The same out_trade_no and parameters: WeChat answers with the
		// current prepay_id, or a new one once the old is 2 hours old.
		id, err := p.pay.Prepay(ctx, PrepayRequest{
			OutTradeNo:  order.OutTradeNo(),
			Description: order.Description(),
			TotalFen:    order.TotalFen(),
			PayerOpenID: order.PayerOpenID(),
			ExpiresAt:   order.ExpiresAt(),
		})
		if err != nil {
			return Checkout{}, &PrepayError{OrderID: order.ID(), Err: err}
		}
		fresh = id
	}
	var params PaymentParams
	order, err := p.orders.UpdateOrder(ctx, order.ID(), func(o *Order) error {
		now := p.now()
		if fresh != "" {
			if err := o.AttachPrepay(fresh, now); err != nil {
				return err
			}
		} else if err := o.Payable(now); err != nil {
			return err
		}
		var err error
		if params, err = p.pay.PaymentParams(o.PrepayID()); err != nil {
			return fmt.Errorf("sign payment: %w", err)
		}
		return nil
	})
	if err != nil {
		return Checkout{}, err
	}
	return Checkout{Order: order, Payment: &params}, nil
}

// mergeLines validates the client's lines, adds up repeats of a product and
// sorts by product id (which also fixes the order rows are locked in).
func mergeLines(lines []LineRequest) ([]LineRequest, error) {
	if len(lines) == 0 {
		return nil, &InvalidError{What: "order", Reason: "an order needs at least one item"}
	}
	byProduct := map[uuid.UUID]int{}
	for _, l := range lines {
		if l.Quantity < 1 || l.Quantity > MaxLineQuantity {
			return nil, &InvalidError{What: "order", Reason: fmt.Sprintf("quantity must be between 1 and %d", MaxLineQuantity)}
		}
		byProduct[l.ProductID] += l.Quantity
		if byProduct[l.ProductID] > MaxLineQuantity {
			return nil, &InvalidError{What: "order", Reason: fmt.Sprintf("at most %d of one product", MaxLineQuantity)}
		}
	}
	if len(byProduct) > MaxOrderLines {
		return nil, &InvalidError{What: "order", Reason: fmt.Sprintf("at most %d different products", MaxOrderLines)}
	}
	merged := make([]LineRequest, 0, len(byProduct))
	for id, q := range byProduct {
		merged = append(merged, LineRequest{ProductID: id, Quantity: q})
	}
	slices.SortFunc(merged, func(a, b LineRequest) int { return bytes.Compare(a.ProductID[:], b.ProductID[:]) })
	return merged, nil
}

// hashRequest tells a replay of an order request from a reuse of its key
// for another: the lines and, when there is one, the address. An order
// without an address hashes as it always has.
func hashRequest(lines []LineRequest, address *ShippingAddress) []byte {
	h := sha256.New()
	for _, l := range lines {
		h.Write(l.ProductID[:])
		_ = binary.Write(h, binary.BigEndian, int64(l.Quantity))
	}
	if a := address; a != nil {
		for _, f := range []string{a.Name, a.Phone, a.Province, a.City, a.District, a.Detail, a.PostalCode} {
			_ = binary.Write(h, binary.BigEndian, int64(len(f)))
			h.Write([]byte(f))
		}
	}
	return h.Sum(nil)
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewOutTradeNo makes the merchant order number WeChat sees: the Beijing
// date (the day WeChat Pay's bill puts it in, for people reading
// statements) and 24 random base62 characters (~142 bits, so numbers
// cannot be guessed). 32 characters in all.
func NewOutTradeNo(now time.Time) string {
	b := make([]byte, 0, 32)
	b = now.In(Beijing).AppendFormat(b, "20060102")
	var r [24]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails on supported platforms
	for _, x := range r {
		// 248 = 4*62: rejection-free mapping would bias; resample instead.
		for x >= 248 {
			var one [1]byte
			_, _ = rand.Read(one[:])
			x = one[0]
		}
		b = append(b, base62[x%62])
	}
	return string(b)
}
