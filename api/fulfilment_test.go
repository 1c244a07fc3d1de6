package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// kindShop seeds one product of kind and logs a buyer in.
func (h *harness) kindShop(kind domain.ProductKind) (string, uuid.UUID) {
	h.t.Helper()
	sku := string(kind) + "-" + uuid.NewString()[:8]
	if err := h.store.SeedProducts(context.Background(), []postgres.ProductSeed{{SKU: sku, Name: "货 " + sku, PriceFen: 990, Stock: 100, Kind: kind}}); err != nil {
		h.t.Fatal(err)
	}
	var list api.ProductList
	h.do("GET", "/v1/products", "", nil, &list)
	for _, p := range list.Items {
		if p.Name == "货 "+sku {
			if p.Kind != api.ProductKind(kind) {
				h.t.Fatalf("product kind %s", p.Kind)
			}
			return h.login("buyer-" + uuid.NewString()[:8]).Token, p.Id
		}
	}
	h.t.Fatal("seeded product not listed")
	return "", uuid.Nil
}

func (h *harness) ship(orderID uuid.UUID, req api.ShipRequest) (int, api.Order, api.Problem) {
	h.t.Helper()
	var raw json.RawMessage
	res := h.do("POST", "/admin/v1/orders/"+orderID.String()+"/ship", h.operatorKey, req, &raw)
	var o api.Order
	var p api.Problem
	if res.StatusCode == 200 {
		_ = json.Unmarshal(raw, &o)
	} else {
		_ = json.Unmarshal(raw, &p)
	}
	return res.StatusCode, o, p
}

func TestGoodsThatAreSentNeedAnAddressAndShipOnce(t *testing.T) {
	h := newHarness(t)
	token, product := h.kindShop(domain.KindPhysical)
	item := api.OrderItemRequest{ProductId: product, Quantity: 1}
	var p api.Problem
	res := h.do("POST", "/v1/orders", token, api.PlaceOrderRequest{Items: []api.OrderItemRequest{item}}, &p)
	wantProblem(t, res, p, 400, api.ProblemCodeAddressRequired)
	addr := api.ShippingAddress{Name: "张三", Phone: "13800001234", Province: "广东省", City: "广州市", Detail: "天河路 1 号"}
	var co api.Checkout
	if res := h.do("POST", "/v1/orders", token, api.PlaceOrderRequest{Items: []api.OrderItemRequest{item}, Address: &addr}, &co); res.StatusCode != 201 ||
		co.Order.Kind == nil || *co.Order.Kind != api.ProductKindPhysical || co.Order.Address == nil || co.Order.Address.Detail != addr.Detail {
		t.Fatalf("place: %d %+v", res.StatusCode, co.Order)
	}
	if st, _, p := h.ship(co.Order.Id, api.ShipRequest{Method: api.ShipMethodExpress, Parcels: &[]api.Parcel{{Company: "YTO", TrackingNo: "YT1"}}}); st != 409 || p.Code != api.ProblemCodeNotShippable {
		t.Fatalf("unpaid shipped: %d %+v", st, p)
	}
	h.payOnPhone(co.Payment)
	h.awaitStatus(token, co.Order.Id, api.Paid)
	if st, _, p := h.ship(co.Order.Id, api.ShipRequest{Method: api.ShipMethodPickup}); st != 400 || p.Code != api.ProblemCodeInvalidRequest {
		t.Fatalf("pickup of goods that are sent: %d %+v", st, p)
	}
	st, o, _ := h.ship(co.Order.Id, api.ShipRequest{Method: api.ShipMethodExpress, Parcels: &[]api.Parcel{{Company: "YTO", TrackingNo: "YT1"}, {Company: "YTO", TrackingNo: "YT2"}}})
	if st != 200 || o.Status != api.Shipped || o.Shipment == nil || len(o.Shipment.Parcels) != 2 || o.Shipment.UploadedAt != nil {
		t.Fatalf("ship: %d %+v", st, o)
	}
	if st, o, _ := h.ship(co.Order.Id, api.ShipRequest{Method: api.ShipMethodExpress, Parcels: &[]api.Parcel{{Company: "SF", TrackingNo: "SF1"}}}); st != 200 || o.Shipment.Reships != 1 {
		t.Fatalf("re-ship: %d %+v", st, o.Shipment)
	}
	if st, _, p := h.ship(co.Order.Id, api.ShipRequest{Method: api.ShipMethodExpress, Parcels: &[]api.Parcel{{Company: "ZTO", TrackingNo: "Z1"}}}); st != 409 || p.Code != api.ProblemCodeNotShippable {
		t.Fatalf("second re-ship: %d %+v", st, p)
	}
	if n := h.jobsOfKind("shipping_upload"); n != 2 {
		t.Fatalf("%d upload jobs, want one per shipment", n)
	}
	var audits int
	_ = h.pool.QueryRow(context.Background(), "SELECT count(*) FROM operator_audit WHERE action = 'order.ship'").Scan(&audits)
	if audits != 2 {
		t.Fatalf("%d audited shipments", audits)
	}
	var mine api.Order
	h.do("GET", "/v1/orders/"+co.Order.Id.String(), token, nil, &mine)
	if mine.Status != api.Shipped || mine.Shipment == nil || mine.Shipment.Parcels[0].Company != "SF" {
		t.Fatalf("the buyer's view: %+v", mine)
	}
}

func TestVirtualGoodsAreDeliveredOnPayment(t *testing.T) {
	h := newHarness(t)
	token, product := h.kindShop(domain.KindVirtual)
	addr := api.ShippingAddress{Name: "张三", Phone: "13800001234", Province: "广东省", City: "广州市", Detail: "天河路 1 号"}
	var p api.Problem
	res := h.do("POST", "/v1/orders", token, api.PlaceOrderRequest{Items: []api.OrderItemRequest{{ProductId: product, Quantity: 1}}, Address: &addr}, &p)
	wantProblem(t, res, p, 400, api.ProblemCodeInvalidRequest)
	_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: product, Quantity: 1})
	h.payOnPhone(co.Payment)
	o := h.awaitStatus(token, co.Order.Id, api.Shipped)
	if o.Shipment == nil || o.Shipment.Method != api.ShipMethodVirtual {
		t.Fatalf("virtual order %+v", o)
	}
}

// shippedOrder is a paid physical order, shipped by express.
func (h *harness) shippedOrder() (string, api.Checkout, string) {
	h.t.Helper()
	token, product := h.kindShop(domain.KindPhysical)
	addr := api.ShippingAddress{Name: "张三", Phone: "13800001234", Province: "广东省", City: "广州市", Detail: "天河路 1 号"}
	var co api.Checkout
	h.do("POST", "/v1/orders", token, api.PlaceOrderRequest{Items: []api.OrderItemRequest{{ProductId: product, Quantity: 2}}, Address: &addr}, &co)
	h.payOnPhone(co.Payment)
	h.awaitStatus(token, co.Order.Id, api.Paid)
	if st, _, p := h.ship(co.Order.Id, api.ShipRequest{Method: api.ShipMethodExpress, Parcels: &[]api.Parcel{{Company: "SF", TrackingNo: "SF100"}}}); st != 200 {
		h.t.Fatalf("ship: %d %+v", st, p)
	}
	txn, _ := h.emu.Transaction(co.Order.OutTradeNo)
	return token, co, txn.TransactionID
}

func TestAShipmentIsUploadedAndOnlyWeChatsWordCompletesTheOrder(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	token, co, txn := h.shippedOrder()
	if err := h.upload.Execute(ctx, co.Order.Id); err != nil {
		t.Fatal(err)
	}
	if err := h.upload.Execute(ctx, co.Order.Id); err != nil { // a retried job uploads once
		t.Fatal(err)
	}
	w, ok := h.emu.ShippingOrder(txn)
	if !ok || w.State != 2 {
		t.Fatalf("WeChat's shipping order %+v", w)
	}
	receipt := func() api.Order {
		var o api.Order
		if res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/receipt", token, nil, &o); res.StatusCode != 200 {
			t.Fatalf("receipt: %d", res.StatusCode)
		}
		return o
	}
	if o := receipt(); o.Status != api.Shipped || o.Shipment == nil || o.Shipment.UploadedAt == nil {
		t.Fatalf("before the buyer confirms: %+v", o)
	}
	if _, err := h.emu.ConfirmReceipt(txn); err != nil {
		t.Fatal(err)
	}
	if o := receipt(); o.Status != api.Received || o.ReceivedAt == nil {
		t.Fatalf("after the buyer confirmed: %s", o.Status)
	}
	if _, err := h.emu.SettleOrder(txn); err != nil {
		t.Fatal(err)
	}
	if o := receipt(); o.Status != api.Completed || o.CompletedAt == nil {
		t.Fatalf("after settlement: %s", o.Status)
	}
	// Another buyer cannot ask about it.
	other := h.login("other-" + uuid.NewString()[:8]).Token
	if res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/receipt", other, nil, nil); res.StatusCode != 404 {
		t.Fatalf("another buyer's receipt: %d", res.StatusCode)
	}
}

func TestWeChatRefusingAShipmentAsksAPerson(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, co, _ := h.shippedOrder()
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.Endpoint("upload_shipping_info"), ErrCode: 10060004}); err != nil {
		t.Fatal(err)
	}
	if err := h.upload.Execute(ctx, co.Order.Id); err != nil {
		t.Fatal(err)
	}
	if got := h.openItems(co.Order.Id, domain.AttentionShippingRefused); len(got) != 1 {
		t.Fatalf("items %v", got)
	}
	var o api.AdminOrderDetail
	h.do("GET", "/admin/v1/orders/"+co.Order.Id.String(), h.operatorKey, nil, &o)
	if o.Order.Shipment == nil || o.Order.Shipment.Refused == nil || !strings.Contains(*o.Order.Shipment.Refused, "10060004") {
		t.Fatalf("shipment %+v", o.Order.Shipment)
	}
}

func TestAnUploadWaitsForWeChatToKnowThePayment(t *testing.T) {
	h := newHarnessWith(t, harnessConfig{shippingSync: time.Hour})
	_, co, _ := h.shippedOrder()
	if err := h.upload.Execute(context.Background(), co.Order.Id); !errors.Is(err, domain.ErrShippingNotSynced) {
		t.Fatalf("before WeChat knows the payment: %v", err)
	}
	if got := h.openItems(co.Order.Id, domain.AttentionShippingRefused); len(got) != 0 {
		t.Fatalf("a person asked too early: %v", got)
	}
}

func TestWeChatsPushesAreHintsConfirmedWithGetOrder(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	token, co, txn := h.shippedOrder()
	if err := h.upload.Execute(ctx, co.Order.Id); err != nil {
		t.Fatal(err)
	}
	// The buyer confirms in WeChat: WeChat pushes, the server asks
	// get_order, and the order is received without the buyer's app.
	if _, err := h.emu.ConfirmReceipt(txn); err != nil {
		t.Fatal(err)
	}
	h.awaitStatus(token, co.Order.Id, api.Received)
	if _, err := h.emu.SettleOrder(txn); err != nil {
		t.Fatal(err)
	}
	h.awaitStatus(token, co.Order.Id, api.Completed)
	for _, p := range h.emu.Pushes() {
		if !p.Delivered {
			t.Fatalf("a push not answered success: %+v", p)
		}
	}
	// A push that is not WeChat's is refused and changes nothing.
	res := h.do("POST", "/v1/wechat/push?signature=0&timestamp=1&nonce=2&encrypt_type=aes&msg_signature=00", "", map[string]string{"ToUserName": "gh_x", "Encrypt": "AAAA"}, nil)
	if res.StatusCode != 401 {
		t.Fatalf("forged push: %d", res.StatusCode)
	}
	// The admin console's URL check.
	v, err := h.emu.VerifyPushURL(ctx)
	if err != nil || !v.OK {
		t.Fatalf("URL check: %+v %v", v, err)
	}
}
