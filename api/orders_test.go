package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
)

// shop seeds a catalog and logs a buyer in.
func (h *harness) shop(stock int) (token string, products []api.Product) {
	h.t.Helper()
	err := h.store.SeedProducts(context.Background(), []postgres.ProductSeed{
		{SKU: "tea", Name: "乌龙茶", PriceFen: 1280, Stock: stock},
		{SKU: "mug", Name: "马克杯", PriceFen: 3500, Stock: stock},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	var list api.ProductList
	if res := h.do("GET", "/v1/products", "", nil, &list); res.StatusCode != 200 || len(list.Items) != 2 {
		h.t.Fatalf("products: %d %+v", res.StatusCode, list)
	}
	return h.login("buyer-" + uuid.NewString()[:8]).Token, list.Items
}

func (h *harness) placeOrder(token, key string, items ...api.OrderItemRequest) (*http.Response, api.Checkout, api.Problem) {
	h.t.Helper()
	req := newJSONRequest(h.t, "POST", h.url+"/v1/orders", api.PlaceOrderRequest{Items: items})
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	var out struct {
		api.Checkout
		api.Problem
	}
	res := h.send(req, &out)
	return res, out.Checkout, out.Problem
}

// pay does what wx.requestPayment does on the phone: hand the server's
// five arguments to WeChat (the emulator verifies paySign like the client).
func (h *harness) payOnPhone(p *api.PaymentParams) emulator.TransactionView {
	h.t.Helper()
	if p == nil {
		h.t.Fatal("no payment arguments")
	}
	v, err := h.emu.RequestPayment(emulator.PaymentRequest{
		TimeStamp: p.TimeStamp, NonceStr: p.NonceStr, Package: p.Package, SignType: string(p.SignType), PaySign: p.PaySign,
	})
	if err != nil {
		h.t.Fatalf("requestPayment: %v", err)
	}
	return v
}

// awaitStatus polls the order as the mini-program does after paying.
func (h *harness) awaitStatus(token string, id uuid.UUID, want api.OrderStatus) api.Order {
	h.t.Helper()
	var o api.Order
	deadline := time.Now().Add(20 * time.Second)
	for {
		if res := h.do("GET", "/v1/orders/"+id.String(), token, nil, &o); res.StatusCode != 200 {
			h.t.Fatalf("get order: %d", res.StatusCode)
		}
		if o.Status == want || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if o.Status != want {
		h.t.Fatalf("order %s is %s, want %s", id, o.Status, want)
	}
	return o
}

func (h *harness) ledger(outTradeNo string) map[string]int {
	h.t.Helper()
	rows, err := h.pool.Query(context.Background(), "SELECT verdict FROM payment_ledger WHERE out_trade_no = $1", outTradeNo)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var v string
		_ = rows.Scan(&v)
		out[v]++
	}
	return out
}

func TestPlaceOrderPayAndTheNotificationMarksItPaid(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(10)
	res, c, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 2},
		api.OrderItemRequest{ProductId: products[1].Id, Quantity: 1})
	if res.StatusCode != 201 {
		t.Fatalf("place order: %d", res.StatusCode)
	}
	if c.Order.TotalFen != 2*products[0].PriceFen+products[1].PriceFen || c.Order.Status != api.Pending || c.Order.Currency != api.OrderCurrencyCNY || len(c.Order.Items) != 2 {
		t.Fatalf("order %+v", c.Order)
	}
	if c.Payment == nil || c.Payment.SignType != api.RSA || c.Payment.Package[:10] != "prepay_id=" {
		t.Fatalf("payment %+v", c.Payment)
	}
	// The client cannot pay its way to "paid": only WeChat's notification can.
	if o := h.awaitStatus(token, c.Order.Id, api.Pending); o.PaidAt != nil {
		t.Fatal("paid_at before payment")
	}

	txn := h.payOnPhone(c.Payment)
	if txn.Total != c.Order.TotalFen || txn.OutTradeNo != c.Order.OutTradeNo {
		t.Fatalf("WeChat charged %d for %s", txn.Total, txn.OutTradeNo)
	}
	paid := h.awaitStatus(token, c.Order.Id, api.Paid)
	if paid.PaidAt == nil {
		t.Fatal("paid without paid_at")
	}
	if l := h.ledger(c.Order.OutTradeNo); l["applied"] != 1 {
		t.Fatalf("ledger %v", l)
	}
	var p api.Problem
	res = h.do("POST", "/v1/orders/"+c.Order.Id.String()+"/pay", token, nil, &p)
	wantProblem(t, res, p, 409, api.ProblemCodeOrderNotPayable)
	res = h.do("POST", "/v1/orders/"+c.Order.Id.String()+"/cancel", token, nil, &p)
	wantProblem(t, res, p, 409, api.ProblemCodeOrderNotCancellable)
}

func TestIdempotencyKeyOverHTTP(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(10)
	item := api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1}
	_, first, _ := h.placeOrder(token, "checkout-1", item)
	res, again, _ := h.placeOrder(token, "checkout-1", item)
	if res.StatusCode != 201 || again.Order.Id != first.Order.Id || again.Payment == nil {
		t.Fatalf("replay: %d %v vs %v", res.StatusCode, again.Order.Id, first.Order.Id)
	}
	item.Quantity = 2
	res, _, p := h.placeOrder(token, "checkout-1", item)
	wantProblem(t, res, p, 409, api.ProblemCodeIdempotencyConflict)
	var list api.ProductList
	h.do("GET", "/v1/products", "", nil, &list)
	if list.Items[0].Stock != 9 {
		t.Fatalf("stock %d after one order and its replays, want 9", list.Items[0].Stock)
	}
}

func TestOrderRequestsTheCatalogCannotServe(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(1)
	res, _, p := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 2})
	wantProblem(t, res, p, 409, api.ProblemCodeOutOfStock)
	res, _, p = h.placeOrder(token, "", api.OrderItemRequest{ProductId: uuid.New(), Quantity: 1})
	wantProblem(t, res, p, 422, api.ProblemCodeProductUnavailable)
	res, _, p = h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 0})
	wantProblem(t, res, p, 400, api.ProblemCodeInvalidRequest)
	res, _, p = h.placeOrder(token, "")
	wantProblem(t, res, p, 400, api.ProblemCodeInvalidRequest)
	// A price from the client is not part of the contract.
	req := newJSONRequest(t, "POST", h.url+"/v1/orders", map[string]any{
		"items": []map[string]any{{"product_id": products[0].Id, "quantity": 1, "price_fen": 1}},
	})
	req.Header.Set("Authorization", "Bearer "+token)
	res = h.send(req, &p)
	wantProblem(t, res, p, 400, api.ProblemCodeInvalidRequest)
}

func TestOrdersAreVisibleOnlyToTheirOwner(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(10)
	_, c, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	intruder := h.login("intruder").Token
	for _, r := range []struct{ method, path string }{
		{"GET", "/v1/orders/" + c.Order.Id.String()},
		{"POST", "/v1/orders/" + c.Order.Id.String() + "/pay"},
		{"POST", "/v1/orders/" + c.Order.Id.String() + "/cancel"},
	} {
		var p api.Problem
		res := h.do(r.method, r.path, intruder, nil, &p)
		wantProblem(t, res, p, 404, api.ProblemCodeNotFound)
	}
	var page api.OrderPage
	if h.do("GET", "/v1/orders", intruder, nil, &page); len(page.Items) != 0 {
		t.Fatal("intruder lists the order")
	}
	h.awaitStatus(token, c.Order.Id, api.Pending) // untouched
}

func TestCancelClosesAtWeChatAndReleasesStock(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(5)
	_, c, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 3})
	var o api.Order
	if res := h.do("POST", "/v1/orders/"+c.Order.Id.String()+"/cancel", token, nil, &o); res.StatusCode != 200 || o.Status != api.Cancelled {
		t.Fatalf("cancel: %d %s", res.StatusCode, o.Status)
	}
	// The answer is the whole order, lines included.
	if len(o.Items) != 1 || o.Items[0].Quantity != 3 || o.TotalFen != c.Order.TotalFen {
		t.Fatalf("cancelled order: %+v", o)
	}
	if txn, _ := h.emu.Transaction(c.Order.OutTradeNo); txn.TradeState != "CLOSED" {
		t.Fatalf("WeChat transaction is %s, want CLOSED", txn.TradeState)
	}
	if _, err := h.emu.RequestPayment(emulator.PaymentRequest{
		TimeStamp: c.Payment.TimeStamp, NonceStr: c.Payment.NonceStr, Package: c.Payment.Package,
		SignType: string(c.Payment.SignType), PaySign: c.Payment.PaySign,
	}); err == nil {
		t.Fatal("the payment sheet still works after cancelling")
	}
	if res := h.do("POST", "/v1/orders/"+c.Order.Id.String()+"/cancel", token, nil, &o); res.StatusCode != 200 {
		t.Fatalf("second cancel: %d", res.StatusCode)
	}
	var list api.ProductList
	h.do("GET", "/v1/products", "", nil, &list)
	if list.Items[0].Stock != 5 {
		t.Fatalf("stock %d, want 5", list.Items[0].Stock)
	}
	var p api.Problem
	res := h.do("POST", "/v1/orders/"+c.Order.Id.String()+"/pay", token, nil, &p)
	wantProblem(t, res, p, 409, api.ProblemCodeOrderNotPayable)
}

// A failed prepay leaves a consistent, retryable order: stock reserved once,
// no payment arguments, and /pay succeeds once WeChat Pay answers again.
func TestPrepayFailureLeavesARetryableOrder(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(5)
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSAPI, HTTPStatus: 500, Code: "SYSTEM_ERROR"}); err != nil {
		t.Fatal(err)
	}
	res, _, p := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 2})
	wantProblem(t, res, p, 503, api.ProblemCodeWechatpayUnavailable)
	if p.OrderId == nil {
		t.Fatal("problem does not name the order")
	}
	o := h.awaitStatus(token, *p.OrderId, api.Pending)
	var c api.Checkout
	if res := h.do("POST", "/v1/orders/"+o.Id.String()+"/pay", token, nil, &c); res.StatusCode != 200 || c.Payment == nil {
		t.Fatalf("retry: %d", res.StatusCode)
	}
	h.payOnPhone(c.Payment)
	h.awaitStatus(token, o.Id, api.Paid)
	var list api.ProductList
	h.do("GET", "/v1/products", "", nil, &list)
	if list.Items[0].Stock != 3 {
		t.Fatalf("stock %d, want 3", list.Items[0].Stock)
	}

	// A refusal (not an outage) is a 502 that also names the order.
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSAPI, HTTPStatus: 400, Code: "PARAM_ERROR"}); err != nil {
		t.Fatal(err)
	}
	res, _, p = h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[1].Id, Quantity: 1})
	wantProblem(t, res, p, 502, api.ProblemCodeWechatpayRejected)
	if p.OrderId == nil {
		t.Fatal("problem does not name the order")
	}
}

func TestListOrdersPaginatesNewestFirst(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(10)
	var ids []uuid.UUID
	for range 3 {
		_, c, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
		ids = append(ids, c.Order.Id)
		h.clock.Advance(time.Second)
	}
	var page1, page2 api.OrderPage
	h.do("GET", "/v1/orders?limit=2", token, nil, &page1)
	if len(page1.Items) != 2 || page1.NextCursor == nil || page1.Items[0].Id != ids[2] || page1.Items[1].Id != ids[1] {
		t.Fatalf("page 1: %+v", page1)
	}
	h.do("GET", "/v1/orders?limit=2&cursor="+*page1.NextCursor, token, nil, &page2)
	if len(page2.Items) != 1 || page2.NextCursor != nil || page2.Items[0].Id != ids[0] {
		t.Fatalf("page 2: %+v", page2)
	}
	for _, q := range []string{"?cursor=not-a-cursor", "?limit=0", "?limit=101"} {
		var p api.Problem
		res := h.do("GET", "/v1/orders"+q, token, nil, &p)
		wantProblem(t, res, p, 400, api.ProblemCodeInvalidRequest)
	}
}

func newJSONRequest(t testing.TB, method, url string, body any) *http.Request {
	t.Helper()
	b, err := jsonMarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, url, b)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}
