package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/token"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// Operator keys and buyer tokens never stand in for each other.
func TestOperatorAuthMatrix(t *testing.T) {
	h := newHarness(t)
	buyer, _ := h.shop(5)
	other, _, _, err := token.MintOperatorKey("test-ops") // same id, another secret
	if err != nil {
		t.Fatal(err)
	}
	revoked, _, _, _ := token.MintOperatorKey("gone")
	for name, c := range map[string]struct {
		path, bearer string
		want         int
	}{
		"no key":                  {"/admin/v1/orders", "", 401},
		"wrong key":               {"/admin/v1/orders", other, 401},
		"revoked (unconfigured)":  {"/admin/v1/orders", revoked, 401},
		"garbage":                 {"/admin/v1/orders", "wxop_test-ops_nope", 401},
		"buyer token on admin":    {"/admin/v1/products", buyer, 401},
		"operator key on buyer":   {"/v1/me", h.operatorKey, 401},
		"operator key on orders":  {"/v1/orders", h.operatorKey, 401},
		"operator key":            {"/admin/v1/orders", h.operatorKey, 200},
		"buyer token on buyer":    {"/v1/me", buyer, 200},
		"operator key, attention": {"/admin/v1/attention", h.operatorKey, 200},
		"operator key, products":  {"/admin/v1/products", h.operatorKey, 200},
	} {
		var p api.Problem
		res := h.do("GET", c.path, c.bearer, nil, &p)
		if res.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", name, res.StatusCode, c.want)
			continue
		}
		if c.want == 401 && p.Code != api.ProblemCodeUnauthorized {
			t.Errorf("%s: code %q", name, p.Code)
		}
	}
}

func TestOperatorRunsTheCatalog(t *testing.T) {
	h := newHarness(t)
	var p api.AdminProduct
	res := h.do("POST", "/admin/v1/products", h.operatorKey, map[string]any{
		"sku": "green-tea", "name": "绿茶 Green tea", "price_fen": 1500, "stock": 3,
	}, &p)
	if res.StatusCode != 201 || p.PriceFen != 1500 || !p.Active || p.Sku != "green-tea" {
		t.Fatalf("create: %d %+v", res.StatusCode, p)
	}
	var prob api.Problem
	res = h.do("POST", "/admin/v1/products", h.operatorKey, map[string]any{"sku": "green-tea", "name": "x", "price_fen": 1, "stock": 1}, &prob)
	wantProblem(t, res, prob, 409, api.ProblemCodeSkuTaken)
	res = h.do("POST", "/admin/v1/products", h.operatorKey, map[string]any{"sku": "free", "name": "x", "price_fen": 0, "stock": 1}, &prob)
	wantProblem(t, res, prob, 400, api.ProblemCodeInvalidRequest)

	// A buyer orders at ¥15.00; then the price goes up: the order keeps its price.
	buyer := h.login("catalog-buyer").Token
	_, co, _ := h.placeOrder(buyer, "", api.OrderItemRequest{ProductId: p.Id, Quantity: 2})
	var changed api.AdminProduct
	if res := h.do("PATCH", "/admin/v1/products/"+p.Id.String(), h.operatorKey, map[string]any{"price_fen": 1800, "stock": 10}, &changed); res.StatusCode != 200 ||
		changed.PriceFen != 1800 || changed.Stock != 10 {
		t.Fatalf("update: %d %+v", res.StatusCode, changed)
	}
	var o api.Order
	h.do("GET", "/v1/orders/"+co.Order.Id.String(), buyer, nil, &o)
	if o.TotalFen != 3000 || o.Items[0].UnitPriceFen != 1500 {
		t.Fatalf("the price change touched an existing order: %+v", o)
	}
	// Taken off sale: not in the buyers' catalog, still in the operator's.
	h.do("PATCH", "/admin/v1/products/"+p.Id.String(), h.operatorKey, map[string]any{"active": false}, &changed)
	var list api.ProductList
	h.do("GET", "/v1/products", "", nil, &list)
	for _, it := range list.Items {
		if it.Id == p.Id {
			t.Fatal("an inactive product is for sale")
		}
	}
	var all api.AdminProductList
	if h.do("GET", "/admin/v1/products", h.operatorKey, nil, &all); len(all.Items) != 1 || all.Items[0].Active {
		t.Fatalf("operator catalog %+v", all)
	}
	res = h.do("PATCH", "/admin/v1/products/"+co.Order.Id.String(), h.operatorKey, map[string]any{"stock": 1}, &prob)
	wantProblem(t, res, prob, 404, api.ProblemCodeNotFound)

	// Every write is audited with the key id.
	rows, err := h.pool.Query(context.Background(), "SELECT key_id, action FROM operator_audit ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var k, a string
		_ = rows.Scan(&k, &a)
		got = append(got, k+" "+a)
	}
	if strings.Join(got, ", ") != "test-ops product.create, test-ops product.update, test-ops product.update" {
		t.Fatalf("audit %v", got)
	}
}

func TestOperatorListsOrdersWithFilters(t *testing.T) {
	h := newHarness(t)
	alice, products := h.shop(50)
	bob := h.login("bob").Token
	var made []api.Checkout
	for i := range 3 {
		_, c, _ := h.placeOrder(alice, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
		made = append(made, c)
		if i == 0 {
			h.payOnPhone(c.Payment)
			h.awaitStatus(alice, c.Order.Id, api.Paid)
		}
	}
	_, bobs, _ := h.placeOrder(bob, "", api.OrderItemRequest{ProductId: products[1].Id, Quantity: 1})
	var me api.User
	h.do("GET", "/v1/me", bob, nil, &me)

	page := func(query string) api.AdminOrderPage {
		t.Helper()
		var p api.AdminOrderPage
		if res := h.do("GET", "/admin/v1/orders"+query, h.operatorKey, nil, &p); res.StatusCode != 200 {
			t.Fatalf("%s: %d", query, res.StatusCode)
		}
		return p
	}
	if p := page(""); len(p.Items) != 4 || p.Items[0].Id != bobs.Order.Id {
		t.Fatalf("all: %d, first %v", len(p.Items), p.Items[0].Id)
	}
	if p := page("?status=paid"); len(p.Items) != 1 || p.Items[0].Id != made[0].Order.Id || p.Items[0].TransactionId == nil {
		t.Fatalf("paid: %+v", p.Items)
	}
	if p := page("?openid=" + me.Openid); len(p.Items) != 1 || p.Items[0].PayerOpenid != me.Openid {
		t.Fatalf("bob's: %+v", p.Items)
	}
	if p := page("?out_trade_no=" + made[1].Order.OutTradeNo); len(p.Items) != 1 || p.Items[0].Id != made[1].Order.Id {
		t.Fatalf("by out_trade_no: %+v", p.Items)
	}
	future := h.clock.Now().Add(3600e9).Format("2006-01-02T15:04:05Z")
	if p := page("?created_from=" + future); len(p.Items) != 0 {
		t.Fatalf("from the future: %d", len(p.Items))
	}
	first := page("?limit=3")
	if len(first.Items) != 3 || first.NextCursor == nil {
		t.Fatalf("page 1: %d %v", len(first.Items), first.NextCursor)
	}
	if rest := page("?limit=3&cursor=" + *first.NextCursor); len(rest.Items) != 1 || rest.NextCursor != nil {
		t.Fatalf("page 2: %d", len(rest.Items))
	}
	var detail api.AdminOrderDetail
	if res := h.do("GET", "/admin/v1/orders/"+made[0].Order.Id.String(), h.operatorKey, nil, &detail); res.StatusCode != 200 ||
		len(detail.Ledger) == 0 || detail.Ledger[0].Verdict != "applied" || len(detail.Order.Items) != 1 || detail.Order.Refunds == nil {
		t.Fatalf("detail: %d %+v", res.StatusCode, detail)
	}
	var p api.Problem
	res := h.do("GET", "/admin/v1/orders?cursor=bogus", h.operatorKey, nil, &p)
	wantProblem(t, res, p, http.StatusBadRequest, api.ProblemCodeInvalidRequest)
}

// What needs a person is listed, and resolved with a note, once.
func TestOperatorResolvesWhatNeedsAPerson(t *testing.T) {
	policy := domain.ReconcilePolicy{Backoff: []time.Duration{time.Minute}, MaxAttempts: 1}
	h := newHarnessWith(t, harnessConfig{policy: &policy})
	token, products := h.shop(5)
	_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	if _, err := h.emu.SetTradeState(co.Order.OutTradeNo, "USERPAYING"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(orderTTL)
	for range 2 { // one attempt, then flagged
		h.reconcile.Settle(context.Background(), co.Order.Id)
		h.clock.Advance(time.Minute)
	}
	var list api.AttentionList
	if res := h.do("GET", "/admin/v1/attention", h.operatorKey, nil, &list); res.StatusCode != 200 || len(list.Items) != 1 ||
		list.Items[0].Kind != "unresolved_order" || list.Items[0].OrderId == nil || *list.Items[0].OrderId != co.Order.Id {
		t.Fatalf("attention: %d %+v", res.StatusCode, list)
	}
	item := list.Items[0]
	var p api.Problem
	res := h.do("POST", "/admin/v1/attention/"+strconv.FormatInt(item.Id, 10)+"/resolve", h.operatorKey, map[string]any{"note": ""}, &p)
	wantProblem(t, res, p, 400, api.ProblemCodeInvalidRequest)
	var resolved api.AttentionItem
	if res := h.do("POST", "/admin/v1/attention/"+strconv.FormatInt(item.Id, 10)+"/resolve", h.operatorKey,
		map[string]any{"note": "checked on the merchant platform: never paid"}, &resolved); res.StatusCode != 200 ||
		resolved.ResolvedAt == nil || *resolved.ResolvedBy != "operator:test-ops" || *resolved.Note != "checked on the merchant platform: never paid" {
		t.Fatalf("resolve: %d %+v", res.StatusCode, resolved)
	}
	var again api.AttentionItem
	h.do("POST", "/admin/v1/attention/"+strconv.FormatInt(item.Id, 10)+"/resolve", h.operatorKey, map[string]any{"note": "second"}, &again)
	if *again.Note != *resolved.Note || !again.ResolvedAt.Equal(*resolved.ResolvedAt) {
		t.Fatalf("a second resolution replaced the first: %+v", again)
	}
	if h.do("GET", "/admin/v1/attention", h.operatorKey, nil, &list); len(list.Items) != 0 {
		t.Fatalf("still open: %+v", list.Items)
	}
	var detail api.AdminOrderDetail
	h.do("GET", "/admin/v1/orders/"+co.Order.Id.String(), h.operatorKey, nil, &detail)
	if len(detail.Attention) != 1 || detail.Attention[0].ResolvedAt == nil {
		t.Fatalf("the order's items: %+v", detail.Attention)
	}
	res = h.do("POST", "/admin/v1/attention/999999/resolve", h.operatorKey, map[string]any{"note": "x"}, &p)
	wantProblem(t, res, p, 404, api.ProblemCodeNotFound)
	var audits int
	_ = h.pool.QueryRow(context.Background(), "SELECT count(*) FROM operator_audit WHERE action = 'attention.resolve'").Scan(&audits)
	if audits != 2 {
		t.Fatalf("%d audited resolutions, want 2 (every write is recorded, also a repeated one)", audits)
	}
}
