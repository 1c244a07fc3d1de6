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

// Fulfilment (README: "From paid to delivered"): what happens to an order
// after it is paid. The merchant ships; for a mini-program under WeChat's
// trade management the buyer's money stays frozen until the shipment is
// uploaded (发货信息管理) and the buyer confirms receipt (or the platform
// does, after a while); then the funds settle.
//
//	paid → shipped                 the operator ships (or, for virtual goods, payment does)
//	shipped → shipped              one re-ship (WeChat allows one per payment)
//	shipped → received             WeChat (get_order) says the buyer confirmed receipt
//	shipped | received → completed WeChat says the trade is complete (funds settled)
//	shipped | received → refunded  refunds add up to the payment, as from paid

// Statuses after payment.
const (
	OrderShipped   OrderStatus = "shipped"
	OrderReceived  OrderStatus = "received"
	OrderCompleted OrderStatus = "completed"
)

// Sold says whether the order holds a payment we keep (nothing to give
// back on its own): paid, shipped, received or completed.
func (s OrderStatus) Sold() bool {
	return s == OrderPaid || s == OrderShipped || s == OrderReceived || s == OrderCompleted
}

// ProductKind says how a product reaches the buyer.
type ProductKind string

const (
	// KindPhysical is sent to the buyer's address (express or same-city).
	KindPhysical ProductKind = "physical"
	// KindVirtual is delivered on payment (a code, a membership).
	KindVirtual ProductKind = "virtual"
	// KindPickup is collected by the buyer (self-pickup); the default,
	// because it asks nothing of the buyer at checkout.
	KindPickup ProductKind = "pickup"
)

// Valid says whether k is a kind.
func (k ProductKind) Valid() bool { return k == KindPhysical || k == KindVirtual || k == KindPickup }

// orderKind is how an order as a whole is fulfilled: sent if any line is
// physical, collected if any is picked up (a line that does not say is),
// else delivered on payment.
func orderKind(kinds []ProductKind) ProductKind {
	kind := KindVirtual
	for _, k := range kinds {
		switch k {
		case KindPhysical:
			return KindPhysical
		case KindVirtual:
		default:
			kind = KindPickup
		}
	}
	return kind
}

// ShippingAddress is where a physical order goes, as wx.chooseAddress
// gives it.
type ShippingAddress struct {
	Name       string // userName
	Phone      string // telNumber
	Province   string // provinceName
	City       string // cityName
	District   string // countyName
	Detail     string // detailInfo
	PostalCode string // postalCode, may be empty
}

// Address limits.
const (
	maxAddressName   = 40
	maxAddressPart   = 40
	maxAddressDetail = 200
)

// Validate checks an address the way a courier needs it.
func (a ShippingAddress) Validate() error {
	bad := func(reason string) error { return &InvalidError{What: "address", Reason: reason} }
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"name", a.Name, maxAddressName}, {"province", a.Province, maxAddressPart}, {"city", a.City, maxAddressPart},
		{"detail", a.Detail, maxAddressDetail},
	} {
		n := utf8.RuneCountInString(strings.TrimSpace(f.v))
		if n == 0 || n > f.max {
			return bad(fmt.Sprintf("%s must be 1 to %d characters", f.name, f.max))
		}
	}
	if utf8.RuneCountInString(a.District) > maxAddressPart {
		return bad(fmt.Sprintf("district must be at most %d characters", maxAddressPart))
	}
	if !validPhone(a.Phone) {
		return bad("phone must be a phone number (digits, optionally +, - and spaces; 5 to 20 digits)")
	}
	if a.PostalCode != "" && (len(a.PostalCode) != 6 || strings.Trim(a.PostalCode, "0123456789") != "") {
		return bad("postal code must be 6 digits")
	}
	return nil
}

func validPhone(p string) bool {
	digits := 0
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == '-', r == ' ':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}

// MaskedPhone is the phone as WeChat wants it in shipping contacts: all
// digits but the last four hidden.
func (a ShippingAddress) MaskedPhone() string {
	var digits []rune
	for _, r := range a.Phone {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) <= 4 {
		return string(digits)
	}
	return strings.Repeat("*", len(digits)-4) + string(digits[len(digits)-4:])
}

// ShipMethod is how an order is delivered; WeChat's logistics_type.
type ShipMethod string

const (
	ShipExpress  ShipMethod = "express"   // 1: a courier, with tracking numbers
	ShipSameCity ShipMethod = "same_city" // 2: a local courier
	ShipVirtual  ShipMethod = "virtual"   // 3: delivered on payment
	ShipPickup   ShipMethod = "pickup"    // 4: collected by the buyer
)

// Parcel is one express package: the courier (WeChat's delivery_id, from
// its delivery list) and the tracking number.
type Parcel struct {
	Company    string
	TrackingNo string
}

// Shipping limits (§14).
const (
	MaxParcels       = 15
	maxTrackingBytes = 128
	// MaxReships is how often WeChat lets one payment be shipped again.
	MaxReships = 1
)

// Shipment is how an order was sent, and what WeChat has been told.
type Shipment struct {
	Method    ShipMethod
	Parcels   []Parcel
	ShippedAt time.Time
	Reships   int
	// UploadedAt is when WeChat accepted the shipment (zero while the
	// upload job has not succeeded); Refused is WeChat's refusal, if any.
	UploadedAt time.Time
	Refused    string
}

// Fulfilment errors.
var (
	// ErrNotShippable: the order is not paid, or it was shipped again
	// already (WeChat allows one re-ship), or the buyer confirmed receipt.
	ErrNotShippable = errors.New("order cannot be shipped now")
	// ErrAddressRequired: a physical order needs the buyer's address.
	ErrAddressRequired = errors.New("an address is needed for goods that are sent")
)

// Ship records the merchant's shipment of a paid order, or its one
// re-ship, and schedules the upload to WeChat in the same transaction.
func (o *Order) Ship(method ShipMethod, parcels []Parcel, now time.Time) error {
	reship := o.status == OrderShipped
	switch {
	case o.status != OrderPaid && !reship:
		return fmt.Errorf("%w: the order is %s", ErrNotShippable, o.status)
	case reship && o.shipment != nil && o.shipment.Reships >= MaxReships:
		return fmt.Errorf("%w: it was shipped again already (WeChat allows one re-ship)", ErrNotShippable)
	}
	if err := o.fitsShipment(method, parcels); err != nil {
		return err
	}
	now = now.UTC()
	s := &Shipment{Method: method, Parcels: parcels, ShippedAt: now}
	if reship {
		s.Reships = o.shipment.Reships + 1
	}
	o.status, o.shipment = OrderShipped, s
	o.schedule(JobUploadShipping, now)
	o.tell(MessageShipped, now)
	return nil
}

// fitsShipment checks the method against what the order holds.
func (o *Order) fitsShipment(method ShipMethod, parcels []Parcel) error {
	bad := func(reason string) error { return &InvalidError{What: "shipment", Reason: reason} }
	allowed := map[ProductKind][]ShipMethod{
		KindPhysical: {ShipExpress, ShipSameCity},
		KindPickup:   {ShipPickup},
		KindVirtual:  {ShipVirtual},
	}[o.kind]
	ok := false
	for _, m := range allowed {
		ok = ok || m == method
	}
	if !ok {
		return bad(fmt.Sprintf("a %s order is delivered by %v, not %q", o.kind, allowed, method))
	}
	if method != ShipExpress {
		if len(parcels) != 0 {
			return bad("only express shipments have parcels")
		}
		return nil
	}
	if len(parcels) == 0 || len(parcels) > MaxParcels {
		return bad(fmt.Sprintf("an express shipment has 1 to %d parcels", MaxParcels))
	}
	for _, p := range parcels {
		if p.Company == "" || len(p.Company) > maxTrackingBytes || p.TrackingNo == "" || len(p.TrackingNo) > maxTrackingBytes {
			return bad(fmt.Sprintf("each parcel needs a courier and a tracking number of 1 to %d bytes", maxTrackingBytes))
		}
	}
	return nil
}

// shipOnPayment delivers virtual goods as soon as they are paid.
func (o *Order) shipOnPayment(now time.Time) {
	if o.kind == KindVirtual && o.status == OrderPaid {
		_ = o.Ship(ShipVirtual, nil, now) // a paid virtual order always fits
	}
}

// ShipmentUploaded records that WeChat accepted the shipment made at
// shippedAt; a re-ship made while it was on its way is not that shipment,
// and its own upload job still sends it.
func (o *Order) ShipmentUploaded(shippedAt, now time.Time) {
	if o.shipment != nil && o.shipment.ShippedAt.Equal(shippedAt) {
		o.shipment.UploadedAt, o.shipment.Refused = now.UTC(), ""
	}
}

// ShipmentRefused records WeChat's refusal of the shipment and asks a
// person, with WeChat's reason.
func (o *Order) ShipmentRefused(shippedAt time.Time, reason string, now time.Time) {
	if o.shipment == nil || !o.shipment.ShippedAt.Equal(shippedAt) {
		return
	}
	o.shipment.Refused = reason
	o.flag(AttentionShippingRefused, Why{Reason: ReasonShippingRefused, TransactionID: o.transactionID, Cause: reason}, now)
}

// WeChatOrderState is WeChat's state of a payment's shipping (get_order
// order_state).
type WeChatOrderState int

const (
	WeChatAwaitingShipment WeChatOrderState = 1 // 待发货
	WeChatShipped          WeChatOrderState = 2 // 已发货
	WeChatReceived         WeChatOrderState = 3 // 确认收货
	WeChatCompleted        WeChatOrderState = 4 // 交易完成
	WeChatRefunded         WeChatOrderState = 5 // 已退款
	WeChatSettling         WeChatOrderState = 6 // 资金待结算
)

// ApplyWeChatState moves a shipped order on WeChat's word (a verified
// get_order, never a push or the buyer's page alone): received once the
// buyer confirmed (3, 6), completed once the funds settled (4). Earlier or
// repeated states change nothing.
func (o *Order) ApplyWeChatState(s WeChatOrderState, now time.Time) bool {
	now = now.UTC()
	switch {
	case s == WeChatCompleted && (o.status == OrderShipped || o.status == OrderReceived):
		if o.receivedAt.IsZero() {
			o.receivedAt = now
		}
		o.status, o.completedAt = OrderCompleted, now
	case (s == WeChatReceived || s == WeChatSettling) && o.status == OrderShipped:
		o.status, o.receivedAt = OrderReceived, now
	default:
		return false
	}
	return true
}

// Fulfilment accessors.
func (o *Order) Kind() ProductKind         { return o.kind }
func (o *Order) Address() *ShippingAddress { return o.address }
func (o *Order) Shipment() *Shipment       { return o.shipment }
func (o *Order) ReceivedAt() time.Time     { return o.receivedAt }
func (o *Order) CompletedAt() time.Time    { return o.completedAt }

// Ship ships a paid order (or ships it again, once) for the operator
// keyID; the upload to WeChat is scheduled with it, and the audit written
// in the same transaction.
func (op *Operate) Ship(ctx context.Context, keyID string, orderID uuid.UUID, method ShipMethod, parcels []Parcel) (*Order, error) {
	now := op.now().UTC()
	return op.store.UpdateOrder(ctx, orderID, func(o *Order) error {
		if err := o.Ship(method, parcels, now); err != nil {
			return err
		}
		detail := map[string]any{"method": string(method), "parcels": len(parcels), "reships": o.shipment.Reships}
		o.audits = append(o.audits, op.audit(keyID, "order.ship", orderID.String(), detail))
		return nil
	})
}
