package domain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// WeChat's order shipping management (发货信息管理, README: "From paid to
// delivered"): every shipment is uploaded, by a job scheduled with it, and
// WeChat's get_order is the only word that moves an order to received or
// completed.

// ShippingUpload is what upload_shipping_info needs.
type ShippingUpload struct {
	TransactionID string
	OutTradeNo    string
	PayerOpenID   string
	Method        ShipMethod
	Parcels       []Parcel
	ItemDesc      string // the order's lines, at most 120 characters
	Contact       string // the receiver's phone, masked; for couriers that need it
	UploadTime    time.Time
}

// ShippingRefusal is WeChat refusing a shipment for good (already shipped
// again, not shippable, another payer, bad data): a person must look.
type ShippingRefusal struct{ Reason string }

func (e *ShippingRefusal) Error() string { return "WeChat refused the shipment: " + e.Reason }

// ErrShippingNotSynced: WeChat's shipping management does not know the
// payment yet (it learns of payments within a minute or so): ask again,
// for up to NotSyncedFor after shipping; then a person is asked.
var ErrShippingNotSynced = errors.New("WeChat does not know the payment yet")

// NotSyncedFor is how long an upload waits for WeChat to learn of the payment.
const NotSyncedFor = 24 * time.Hour

// WeChatShipping is WeChat's order shipping management API.
type WeChatShipping interface {
	// UploadShipping tells WeChat how a paid order was shipped. Errors:
	// ErrShippingNotSynced, *ShippingRefusal, ErrWeChatUnavailable.
	UploadShipping(ctx context.Context, u ShippingUpload) error
	// ShippingState is where WeChat has the payment's shipping (get_order).
	ShippingState(ctx context.Context, transactionID string) (WeChatOrderState, error)
}

const maxItemDesc = 120

// itemDesc says what was shipped, as WeChat shows the buyer: 乌龙茶*2 马克杯*1.
func itemDesc(lines []OrderLine, fallback string) string {
	parts := make([]string, 0, len(lines))
	for _, l := range lines {
		parts = append(parts, fmt.Sprintf("%s*%d", l.Name, l.Quantity))
	}
	d := strings.Join(parts, " ")
	if d == "" {
		d = fallback
	}
	if utf8.RuneCountInString(d) > maxItemDesc {
		d = string([]rune(d)[:maxItemDesc-1]) + "…"
	}
	return d
}

// ShippingUpload is the order's shipment as WeChat wants it uploaded.
func (o *Order) ShippingUpload(now time.Time) (ShippingUpload, bool) {
	s := o.shipment
	if s == nil || !s.UploadedAt.IsZero() && !s.UploadedAt.Before(s.ShippedAt) {
		return ShippingUpload{}, false // nothing shipped, or this shipment is uploaded
	}
	if o.refundable() == 0 {
		// Refunded whole (or being): WeChat holds no money to release and
		// refuses the upload (10060004); nobody needs to be asked.
		return ShippingUpload{}, false
	}
	u := ShippingUpload{TransactionID: o.transactionID, OutTradeNo: o.outTradeNo, PayerOpenID: o.payerOpenID,
		Method: s.Method, Parcels: s.Parcels, ItemDesc: itemDesc(o.lines, o.description), UploadTime: now.UTC()}
	if o.address != nil {
		u.Contact = o.address.MaskedPhone()
	}
	return u, true
}

// UploadShipment is the job that uploads an order's shipment to WeChat.
type UploadShipment struct {
	orders   Orders
	shipping WeChatShipping
	now      Clock
	monitor  Monitor
	log      *slog.Logger
}

func NewUploadShipment(orders Orders, shipping WeChatShipping, now Clock, monitor Monitor, log *slog.Logger) *UploadShipment {
	return &UploadShipment{orders: orders, shipping: shipping, now: now, monitor: monitor, log: log}
}

// Execute uploads the order's shipment unless it is uploaded already.
// ErrShippingNotSynced comes back for the job to ask again later; a
// refusal is recorded on the order and asks a person.
func (u *UploadShipment) Execute(ctx context.Context, orderID uuid.UUID) error {
	o, err := u.orders.GetOrder(ctx, orderID)
	if err != nil {
		return err
	}
	up, due := o.ShippingUpload(u.now())
	if !due {
		return nil
	}
	shippedAt := o.shipment.ShippedAt // the shipment this upload is about
	err = u.shipping.UploadShipping(ctx, up)
	var refusal *ShippingRefusal
	if errors.Is(err, ErrShippingNotSynced) && u.now().Sub(o.shipment.ShippedAt) > NotSyncedFor {
		// Payments WeChat never learns of (a devtools test payment, one
		// before the merchant was authorised) stay unknown for good.
		refusal = &ShippingRefusal{Reason: fmt.Sprintf("WeChat still does not know the payment %s after shipping: %v", NotSyncedFor, err)}
		err = refusal
	}
	switch {
	case err == nil:
		_, err = u.orders.UpdateOrder(ctx, orderID, func(o *Order) error { o.ShipmentUploaded(shippedAt, u.now()); return nil })
		return err
	case errors.As(err, &refusal):
		u.log.ErrorContext(ctx, "WeChat refused a shipment: the buyer's money stays frozen until it is fixed", "order_id", orderID, "reason", refusal.Reason)
		u.monitor.NeedsAttention(AttentionShippingRefused)
		_, err = u.orders.UpdateOrder(ctx, orderID, func(o *Order) error { o.ShipmentRefused(shippedAt, refusal.Reason, u.now()); return nil })
		return err
	default:
		return err
	}
}

// ConfirmReceipt asks WeChat where a shipped order stands and applies its
// word (get_order): what a push from WeChat, the buyer's return from the
// confirm-receipt page, or a person asks for. Nothing else moves an order
// to received or completed.
type ConfirmReceipt struct {
	orders   Orders
	shipping WeChatShipping
	now      Clock
	log      *slog.Logger
}

func NewConfirmReceipt(orders Orders, shipping WeChatShipping, now Clock, log *slog.Logger) *ConfirmReceipt {
	return &ConfirmReceipt{orders: orders, shipping: shipping, now: now, log: log}
}

// FromPush takes a push from WeChat's shipping management as the hint it
// is: the order it names is asked about (get_order), and WeChat's answer
// applied; a repeat, a push out of order, or one about an order we do not
// have changes nothing.
func (c *ConfirmReceipt) FromPush(ctx context.Context, ev PlatformEvent) error {
	switch ev.Event {
	case EventOrderSettlement:
	case EventRemindShipping:
		c.log.WarnContext(ctx, "WeChat reminds: an order paid 48 hours ago is not shipped; the buyer's money stays frozen",
			"out_trade_no", ev.OutTradeNo, "transaction_id", ev.TransactionID)
		return nil
	default:
		return nil // not an event of ours
	}
	o, err := c.orders.OrderByOutTradeNo(ctx, ev.OutTradeNo)
	if errors.Is(err, ErrNotFound) || err == nil && o.TransactionID() != ev.TransactionID {
		c.log.WarnContext(ctx, "a shipping push about no order of ours", "out_trade_no", ev.OutTradeNo, "transaction_id", ev.TransactionID)
		return nil
	}
	if err != nil {
		return err
	}
	_, err = c.refresh(ctx, o)
	return err
}

// Execute refreshes the buyer's order from WeChat's shipping state and
// returns it.
func (c *ConfirmReceipt) Execute(ctx context.Context, s Session, orderID uuid.UUID) (*Order, error) {
	o, err := c.orders.FindOrder(ctx, s.User().ID(), orderID)
	if err != nil {
		return nil, err
	}
	return c.refresh(ctx, o)
}

func (c *ConfirmReceipt) refresh(ctx context.Context, o *Order) (*Order, error) {
	orderID := o.ID()
	if o.Status() != OrderShipped && o.Status() != OrderReceived {
		return o, nil // nothing WeChat could say moves it
	}
	state, err := c.shipping.ShippingState(ctx, o.TransactionID())
	if err != nil {
		return nil, err
	}
	return c.orders.UpdateOrder(ctx, orderID, func(o *Order) error {
		o.ApplyWeChatState(state, c.now())
		return nil
	})
}
