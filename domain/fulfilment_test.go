package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
)

var home = &ShippingAddress{Name: "张三", Phone: "138 0000 1234", Province: "广东省", City: "广州市", District: "天河区", Detail: "天河路 1 号"}

func kindOrder(t *testing.T, kind ProductKind, address *ShippingAddress) *Order {
	t.Helper()
	o, err := NewOrder(uuid.New(), "o1", NewOutTradeNo(t0), []OrderLine{{ProductID: uuid.New(), Name: "茶", UnitPriceFen: 1280, Quantity: 1, Kind: kind}},
		address, t0, 30*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.TakeEffects()
	return o
}

func paid(t *testing.T, o *Order) *Order {
	t.Helper()
	if err := o.ConfirmPaid(paidTxn(o), merchant, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestAnOrderIsFulfilledAsItsGoodsAre(t *testing.T) {
	mixed := func(kinds ...ProductKind) ProductKind { return orderKind(kinds) }
	if mixed(KindVirtual, KindPhysical) != KindPhysical || mixed(KindVirtual, KindPickup) != KindPickup ||
		mixed(KindVirtual) != KindVirtual || mixed("") != KindPickup {
		t.Fatal("order kinds")
	}
	if _, err := NewOrder(uuid.New(), "o1", "x", []OrderLine{{ProductID: uuid.New(), Name: "书", UnitPriceFen: 1, Quantity: 1, Kind: KindPhysical}},
		nil, t0, time.Minute, nil); !errors.Is(err, ErrAddressRequired) {
		t.Fatalf("physical without an address: %v", err)
	}
	var inv *InvalidError
	if _, err := NewOrder(uuid.New(), "o1", "x", []OrderLine{{ProductID: uuid.New(), Name: "码", UnitPriceFen: 1, Quantity: 1, Kind: KindVirtual}},
		home, t0, time.Minute, nil); !errors.As(err, &inv) {
		t.Fatalf("an address for virtual goods: %v", err)
	}
	for name, a := range map[string]ShippingAddress{
		"no name":     {Phone: "13800001234", Province: "p", City: "c", Detail: "d"},
		"letters":     {Name: "n", Phone: "call me", Province: "p", City: "c", Detail: "d"},
		"short phone": {Name: "n", Phone: "123", Province: "p", City: "c", Detail: "d"},
		"no detail":   {Name: "n", Phone: "13800001234", Province: "p", City: "c"},
		"postal code": {Name: "n", Phone: "13800001234", Province: "p", City: "c", Detail: "d", PostalCode: "51000"},
	} {
		if err := a.Validate(); !errors.As(err, &inv) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := home.MaskedPhone(); got != "*******1234" {
		t.Fatalf("masked %q", got)
	}
}

func TestShippingMovesAPaidOrderOnce(t *testing.T) {
	o := kindOrder(t, KindPhysical, home)
	if err := o.Ship(ShipExpress, []Parcel{{"YTO", "YT1"}}, t0); !errors.Is(err, ErrNotShippable) {
		t.Fatalf("unpaid shipped: %v", err)
	}
	paid(t, o).TakeEffects()
	var inv *InvalidError
	for name, c := range map[string]struct {
		m ShipMethod
		p []Parcel
	}{
		"pickup for goods sent": {ShipPickup, nil},
		"express, no parcels":   {ShipExpress, nil},
		"no tracking number":    {ShipExpress, []Parcel{{"YTO", ""}}},
		"same city with parcel": {ShipSameCity, []Parcel{{"YTO", "1"}}},
		"16 parcels":            {ShipExpress, make([]Parcel, MaxParcels+1)},
	} {
		if err := o.Ship(c.m, c.p, t0); !errors.As(err, &inv) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := o.Ship(ShipExpress, []Parcel{{"YTO", "YT1"}, {"YTO", "YT2"}}, t0.Add(time.Hour)); err != nil || o.Status() != OrderShipped {
		t.Fatal(o.Status(), err)
	}
	if e := o.TakeEffects(); len(e.Jobs) != 2 || e.Jobs[0].Kind != JobUploadShipping || e.Jobs[1].Kind != JobSendMessage || e.Jobs[1].Event != "shipped" {
		t.Fatalf("effects %+v", e)
	}
	// One re-ship, then no more.
	if err := o.Ship(ShipExpress, []Parcel{{"SF", "SF1"}}, t0.Add(2*time.Hour)); err != nil || o.Shipment().Reships != 1 {
		t.Fatal(err)
	}
	if err := o.Ship(ShipExpress, []Parcel{{"ZTO", "Z1"}}, t0.Add(3*time.Hour)); !errors.Is(err, ErrNotShippable) {
		t.Fatalf("second re-ship: %v", err)
	}
	// Refunds are still possible once shipped.
	if _, err := o.Refund(100, "破损", "operator:x", t0.Add(3*time.Hour)); err != nil {
		t.Fatalf("refund of a shipped order: %v", err)
	}
}

func TestWeChatsWordMovesAShippedOrderOn(t *testing.T) {
	o := paid(t, kindOrder(t, KindPickup, nil))
	if o.ApplyWeChatState(WeChatReceived, t0) {
		t.Fatal("a paid order received before it was shipped")
	}
	if err := o.Ship(ShipPickup, nil, t0); err != nil {
		t.Fatal(err)
	}
	if o.ApplyWeChatState(WeChatShipped, t0) || o.Status() != OrderShipped {
		t.Fatal("an earlier state moved the order")
	}
	if !o.ApplyWeChatState(WeChatSettling, t0.Add(time.Hour)) || o.Status() != OrderReceived || o.ReceivedAt().IsZero() {
		t.Fatal("receipt confirmed")
	}
	if o.ApplyWeChatState(WeChatReceived, t0.Add(2*time.Hour)) {
		t.Fatal("a repeated state moved the order")
	}
	if !o.ApplyWeChatState(WeChatCompleted, t0.Add(3*time.Hour)) || o.Status() != OrderCompleted {
		t.Fatal("completed")
	}
	if err := o.Ship(ShipPickup, nil, t0); !errors.Is(err, ErrNotShippable) {
		t.Fatalf("a completed order shipped again: %v", err)
	}
}

func TestVirtualGoodsShipOnPayment(t *testing.T) {
	o := paid(t, kindOrder(t, KindVirtual, nil))
	if o.Status() != OrderShipped || o.Shipment() == nil || o.Shipment().Method != ShipVirtual {
		t.Fatalf("virtual goods after payment: %s %+v", o.Status(), o.Shipment())
	}
	var upload bool
	for _, j := range o.TakeEffects().Jobs {
		upload = upload || j.Kind == JobUploadShipping
	}
	if !upload {
		t.Fatal("no upload scheduled for virtual goods")
	}
	// The same payment again is a duplicate, shipped or not.
	if err := o.ConfirmPaid(paidTxn(o), merchant, t0.Add(2*time.Minute)); !errors.Is(err, errAlreadyApplied) {
		t.Fatalf("repeat: %v", err)
	}
}

func TestAnUploadMarksOnlyTheShipmentItSent(t *testing.T) {
	o := paid(t, kindOrder(t, KindPickup, nil))
	if err := o.Ship(ShipPickup, nil, t0); err != nil {
		t.Fatal(err)
	}
	first := o.Shipment().ShippedAt
	if err := o.Ship(ShipPickup, nil, t0.Add(time.Hour)); err != nil { // re-shipped while the first upload was on its way
		t.Fatal(err)
	}
	o.ShipmentUploaded(first, t0.Add(2*time.Hour))
	if _, due := o.ShippingUpload(t0.Add(2 * time.Hour)); !due {
		t.Fatal("the re-ship was taken as uploaded by the first shipment's answer")
	}
}

// A payment refunded whole (or being refunded whole) before its shipment
// was uploaded needs no upload: WeChat holds no money for it and refuses
// (10060004). A part refunded still does.
func TestAShipmentOfAPaymentRefundedWholeIsNotUploaded(t *testing.T) {
	o := paid(t, kindOrder(t, KindVirtual, nil))
	part, err := o.Refund(100, "", "operator:a", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, due := o.ShippingUpload(t0); !due {
		t.Fatal("a part refunded: the upload is still due")
	}
	if _, err := o.Refund(o.TotalFen()-part.AmountFen(), "", "operator:a", t0); err != nil {
		t.Fatal(err)
	}
	if _, due := o.ShippingUpload(t0); due {
		t.Fatal("refunded whole: nothing to upload")
	}
}
