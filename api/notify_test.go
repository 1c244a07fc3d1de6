package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// pendingCheckout places an order whose transaction WeChat knows (NOTPAY).
func (h *harness) pendingCheckout() (string, api.Checkout) {
	h.t.Helper()
	token, products := h.shop(1000) // seeds once per harness; later calls reuse the catalog
	res, c, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	if res.StatusCode != 201 {
		h.t.Fatalf("place order: %d", res.StatusCode)
	}
	return token, c
}

// asPaid makes a notification claim a successful payment of the order, so
// that each test below breaks exactly one thing about an otherwise
// believable notification.
func asPaid(extra func(map[string]any)) func(map[string]any) {
	return func(txn map[string]any) {
		txn["trade_state"] = "SUCCESS"
		txn["transaction_id"] = "4200000000202611230000000042"
		txn["success_time"] = time.Now().Format(time.RFC3339)
		if extra != nil {
			extra(txn)
		}
	}
}

func (h *harness) postNotification(header http.Header, body []byte) *http.Response {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+"/v1/wechatpay/notify", bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	return h.send(req, nil)
}

func (h *harness) ledgerReasons(verdict string) []string {
	h.t.Helper()
	rows, err := h.pool.Query(context.Background(), "SELECT reason FROM payment_ledger WHERE verdict = $1", verdict)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		_ = rows.Scan(&r)
		out = append(out, r)
	}
	return out
}

func TestForgedOrBrokenNotificationsNeverPayAnOrder(t *testing.T) {
	h := newHarness(t)
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		opts    emulator.NotificationOptions
		body    func([]byte) []byte
		status  int
		verdict string
		reason  string
	}{
		{name: "signed by another key", opts: emulator.NotificationOptions{SignWith: forger}, status: 401, verdict: "rejected", reason: "bad_signature"},
		{name: "timestamp 6 minutes old", opts: emulator.NotificationOptions{Timestamp: time.Now().Add(-6 * time.Minute)}, status: 401, verdict: "rejected", reason: "stale_timestamp"},
		{name: "timestamp 6 minutes ahead", opts: emulator.NotificationOptions{Timestamp: time.Now().Add(6 * time.Minute)}, status: 401, verdict: "rejected", reason: "stale_timestamp"},
		{name: "SIGNTEST probe", opts: emulator.NotificationOptions{SignTest: true}, status: 401, verdict: "rejected", reason: "signtest"},
		{name: "unknown serial", opts: emulator.NotificationOptions{Serial: "PUB_KEY_ID_0000000000000000000000000000"}, status: 401, verdict: "rejected", reason: "unknown_serial"},
		{name: "wrong APIv3 key", opts: emulator.NotificationOptions{APIv3Key: strings.Repeat("k", 32)}, status: 401, verdict: "rejected", reason: "decrypt"},
		{name: "body re-serialised", body: func(b []byte) []byte {
			var v any
			_ = json.Unmarshal(b, &v)
			out, _ := json.MarshalIndent(v, "", " ")
			return out
		}, status: 401, verdict: "rejected", reason: "bad_signature"},
		{name: "malformed JSON", body: func(b []byte) []byte { return b[:len(b)/2] }, status: 401, verdict: "rejected", reason: ""},
		{name: "oversized body", body: func(b []byte) []byte { return append(b, bytes.Repeat([]byte(" "), api.MaxNotifyBytes)...) }, status: 413, verdict: "rejected", reason: "oversized"},
		{name: "wrong amount", opts: emulator.NotificationOptions{Mutate: asPaid(func(m map[string]any) {
			m["amount"].(map[string]any)["total"] = 1
		})}, status: 204, verdict: "suspicious", reason: "amount"},
		{name: "other appid", opts: emulator.NotificationOptions{Mutate: asPaid(func(m map[string]any) { m["appid"] = "wxsomeoneelse" })}, status: 204, verdict: "suspicious", reason: "appid"},
		{name: "other mchid", opts: emulator.NotificationOptions{Mutate: asPaid(func(m map[string]any) { m["mchid"] = "1234567890" })}, status: 204, verdict: "suspicious", reason: "mchid"},
		{name: "unknown order", opts: emulator.NotificationOptions{Mutate: asPaid(func(m map[string]any) { m["out_trade_no"] = "20261123NoSuchOrder0000000000000" })}, status: 204, verdict: "suspicious", reason: "no order"},
		{name: "not a success", opts: emulator.NotificationOptions{}, status: 204, verdict: "suspicious", reason: "trade_state"},
		// A verified SUCCESS without success_time used to meet the orders
		// CHECK constraint first: a 500, retried by WeChat for 24 hours.
		{name: "no success_time", opts: emulator.NotificationOptions{Mutate: asPaid(func(m map[string]any) { delete(m, "success_time") })}, status: 204, verdict: "suspicious", reason: "success_time"},
		{name: "other payer", opts: emulator.NotificationOptions{Mutate: asPaid(func(m map[string]any) {
			m["payer"] = map[string]any{"openid": "o-somebody-else"}
		})}, status: 204, verdict: "suspicious", reason: "payer"},
		{name: "no currency", opts: emulator.NotificationOptions{Mutate: asPaid(func(m map[string]any) {
			delete(m["amount"].(map[string]any), "currency")
		})}, status: 204, verdict: "suspicious", reason: "currency"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token, co := h.pendingCheckout()
			if c.opts.Mutate == nil && c.reason != "trade_state" {
				c.opts.Mutate = asPaid(nil)
			}
			header, body, err := h.emu.Notification(co.Order.OutTradeNo, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if c.body != nil {
				body = c.body(body)
			}
			before := len(h.ledgerReasons(c.verdict))
			res := h.postNotification(header, body)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d", res.StatusCode, c.status)
			}
			h.awaitStatus(token, co.Order.Id, api.Pending)
			reasons := h.ledgerReasons(c.verdict)
			if len(reasons) != before+1 {
				t.Fatalf("ledger has %d %s entries, want %d", len(reasons), c.verdict, before+1)
			}
			if last := reasons[len(reasons)-1]; !strings.Contains(last, c.reason) {
				t.Fatalf("ledger reason %q, want it to mention %q", last, c.reason)
			}
		})
	}
	// Then the genuine notification still works for one of those orders.
	token, co := h.pendingCheckout()
	header, body, _ := h.emu.Notification(co.Order.OutTradeNo, emulator.NotificationOptions{SignWith: forger, Mutate: asPaid(nil)})
	h.postNotification(header, body)
	h.payOnPhone(co.Payment)
	h.awaitStatus(token, co.Order.Id, api.Paid)
}

// 100 copies of one notification at once: one transition, the rest duplicates.
func TestConcurrentDuplicateNotificationsApplyOnce(t *testing.T) {
	h := newHarness(t)
	token, co := h.pendingCheckout()
	header, body, err := h.emu.Notification(co.Order.OutTradeNo, emulator.NotificationOptions{Mutate: asPaid(nil)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	statuses := make(chan int, 100)
	for range 100 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", h.url+"/v1/wechatpay/notify", bytes.NewReader(body))
			req.Header = header.Clone()
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses <- res.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusNoContent {
			t.Fatalf("a duplicate got %d, want 204", s)
		}
	}
	h.awaitStatus(token, co.Order.Id, api.Paid)
	if l := h.ledger(co.Order.OutTradeNo); l["applied"] != 1 || l["duplicate"] != 99 {
		t.Fatalf("ledger %v, want 1 applied and 99 duplicates", l)
	}
}

// WeChat's own retries and duplicate deliveries, through the emulator's
// real delivery path (retry schedule scaled down).
func TestDeliveryFaultsStillEndPaidOnce(t *testing.T) {
	h := newHarness(t)
	for name, f := range map[string]emulator.Fault{
		"duplicates": {Endpoint: emulator.Notify, Duplicate: 3},
		"dropped":    {Endpoint: emulator.Notify, Drop: 2},
		"probe":      {Endpoint: emulator.Notify, SignTest: true},
		"delayed":    {Endpoint: emulator.Notify, Delay: 200 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			token, co := h.pendingCheckout()
			if err := h.emu.InjectFault(f); err != nil {
				t.Fatal(err)
			}
			h.payOnPhone(co.Payment)
			h.awaitStatus(token, co.Order.Id, api.Paid)
			if l := h.ledger(co.Order.OutTradeNo); l["applied"] != 1 {
				t.Fatalf("ledger %v", l)
			}
		})
	}
}

// Every delivery lost: the reconciliation job finds the payment by a
// verified query; an order nobody paid expires and gives its stock back.
func TestReconcileSettlesLostNotificationsAndExpiresUnpaidOrders(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(10)
	_, paid, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	_, unpaid, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 2})
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.Notify, Drop: 100}); err != nil {
		t.Fatal(err)
	}
	h.payOnPhone(paid.Payment)

	// Nothing is overdue yet.
	if res, err := h.reconcile.Execute(context.Background(), 10); err != nil || res != (domain.ReconcileResult{}) {
		t.Fatalf("early pass: %+v %v", res, err)
	}
	h.clock.Advance(orderTTL + time.Second)
	res, err := h.reconcile.Execute(context.Background(), 10)
	if err != nil || res.Paid != 1 || res.Expired != 1 || res.Failed != 0 {
		t.Fatalf("pass: %+v %v", res, err)
	}
	h.awaitStatus(token, paid.Order.Id, api.Paid)
	h.awaitStatus(token, unpaid.Order.Id, api.Expired)
	if txn, _ := h.emu.Transaction(unpaid.Order.OutTradeNo); txn.TradeState != "CLOSED" {
		t.Fatalf("expired order's transaction is %s at WeChat", txn.TradeState)
	}
	var list api.ProductList
	h.do("GET", "/v1/products", "", nil, &list)
	if list.Items[0].Stock != 9 {
		t.Fatalf("stock %d, want 9 (one sold, two released)", list.Items[0].Stock)
	}
	if l := h.ledger(paid.Order.OutTradeNo); l["applied"] != 1 {
		t.Fatalf("ledger %v", l)
	}
}

// With the database gone nothing can be recorded: answer FAIL so that
// WeChat Pay retries, and do not claim the notification was handled.
func TestNotificationIsRetriedWhenItCannotBeRecorded(t *testing.T) {
	h := newHarness(t)
	_, co := h.pendingCheckout()
	header, body, err := h.emu.Notification(co.Order.OutTradeNo, emulator.NotificationOptions{Mutate: asPaid(nil)})
	if err != nil {
		t.Fatal(err)
	}
	h.pool.Close()
	req, _ := http.NewRequest("POST", h.url+"/v1/wechatpay/notify", bytes.NewReader(body))
	req.Header = header.Clone()
	var fail struct{ Code, Message string }
	res := h.send(req, &fail)
	if res.StatusCode != http.StatusInternalServerError || fail.Code != "FAIL" || fail.Message == "" {
		t.Fatalf("got %d %+v, want 500 FAIL", res.StatusCode, fail)
	}
	if strings.Contains(fail.Message, "pool") || strings.Contains(fail.Message, "closed") {
		t.Errorf("message leaks internals: %q", fail.Message)
	}
}

// WeChat gives every payment its own transaction_id: a verified claim that
// one transaction paid a second order is believed for neither. It is
// answered 204 and recorded as suspicious for a person, instead of meeting
// the database's unique index and failing (and being resent) forever.
func TestOneTransactionForTwoOrdersIsSuspicious(t *testing.T) {
	h := newHarness(t)
	tokenA, a := h.pendingCheckout()
	tokenB, b := h.pendingCheckout()
	for _, co := range []api.Checkout{a, b} { // asPaid gives both the same transaction_id
		header, body, err := h.emu.Notification(co.Order.OutTradeNo, emulator.NotificationOptions{Mutate: asPaid(nil)})
		if err != nil {
			t.Fatal(err)
		}
		if res := h.postNotification(header, body); res.StatusCode != http.StatusNoContent {
			t.Fatalf("%s: answered %d, want 204", co.Order.OutTradeNo, res.StatusCode)
		}
	}
	h.awaitStatus(tokenA, a.Order.Id, api.Paid)
	var o api.Order
	h.do("GET", "/v1/orders/"+b.Order.Id.String(), tokenB, nil, &o)
	if o.Status != api.Pending {
		t.Errorf("second order: %s, want still pending", o.Status)
	}
	if got := h.ledger(b.Order.OutTradeNo); got["suspicious"] != 1 || got["applied"] != 0 {
		t.Errorf("second order's ledger: %v, want one suspicious", got)
	}
	var items int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM attention_items
		WHERE order_id = $1 AND kind = 'suspicious_payment' AND resolved_at IS NULL`, b.Order.Id).Scan(&items); err != nil {
		t.Fatal(err)
	}
	if items != 1 {
		t.Errorf("attention items for the second order: %d, want 1", items)
	}
}
