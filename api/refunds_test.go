package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// paidOrder places and pays an order of quantity of the first product.
func (h *harness) paidOrder(quantity int) (string, api.Checkout) {
	h.t.Helper()
	token, products := h.shop(1000)
	_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: quantity})
	h.payOnPhone(co.Payment)
	h.awaitStatus(token, co.Order.Id, api.Paid)
	return token, co
}

func (h *harness) refund(orderID uuid.UUID, key string, amount int64, reason string) (*http.Response, api.Refund, api.Problem) {
	h.t.Helper()
	req := newJSONRequest(h.t, "POST", h.url+"/admin/v1/orders/"+orderID.String()+"/refunds", api.RefundRequest{AmountFen: amount, Reason: reason})
	req.Header.Set("Authorization", "Bearer "+h.operatorKey)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	var raw json.RawMessage
	res := h.send(req, &raw)
	var r api.Refund
	var p api.Problem
	if res.StatusCode/100 == 2 {
		_ = json.Unmarshal(raw, &r)
	} else {
		_ = json.Unmarshal(raw, &p)
	}
	return res, r, p
}

// awaitRefund waits for the buyer's view of the refund to reach status.
func (h *harness) awaitRefund(token string, orderID uuid.UUID, outRefundNo string, status api.RefundStatus) api.Order {
	h.t.Helper()
	var o api.Order
	waitUntil(h.t.(*testing.T), func() bool {
		h.do("GET", "/v1/orders/"+orderID.String(), token, nil, &o)
		for _, r := range *o.Refunds {
			if r.OutRefundNo == outRefundNo && r.Status == status {
				return true
			}
		}
		return false
	})
	return o
}

func TestOperatorRefundsInPartsToTheEnd(t *testing.T) {
	h := newHarness(t)
	token, co := h.paidOrder(2)
	ctx := context.Background()
	total := co.Order.TotalFen
	res, half, p := h.refund(co.Order.Id, "refund-1", total/2, "少发一件")
	if res.StatusCode != 201 || half.Status != api.PROCESSING || half.AmountFen != total/2 {
		t.Fatalf("refund: %d %+v %+v", res.StatusCode, half, p)
	}
	// The same Idempotency-Key is the same refund; another body is a conflict.
	if res, again, _ := h.refund(co.Order.Id, "refund-1", total/2, "少发一件"); res.StatusCode != 200 || again.Id != half.Id {
		t.Fatalf("replay: %d %+v", res.StatusCode, again)
	}
	res, _, p = h.refund(co.Order.Id, "refund-1", 1000, "少发一件")
	wantProblem(t, res, p, 409, api.ProblemCodeIdempotencyConflict)
	// PROCESSING holds its amount: asking for more than is left is refused.
	res, _, p = h.refund(co.Order.Id, "", total-total/2+1, "")
	wantProblem(t, res, p, 409, api.ProblemCodeRefundTooLarge)

	if err := h.submit.Execute(ctx, co.Order.Id, half.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	o := h.awaitRefund(token, co.Order.Id, half.OutRefundNo, api.SUCCESS)
	if o.Status != api.Paid || o.RefundedFen != total/2 {
		t.Fatalf("after half: %s %d", o.Status, o.RefundedFen)
	}
	_, rest, _ := h.refund(co.Order.Id, "", total-total/2, "退货")
	if err := h.submit.Execute(ctx, co.Order.Id, rest.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	o = h.awaitStatus(token, co.Order.Id, api.Refunded)
	if o.RefundedFen != total || len(*o.Refunds) != 2 {
		t.Fatalf("refunded: %+v", o)
	}
	res, _, p = h.refund(co.Order.Id, "", 1, "")
	wantProblem(t, res, p, 409, api.ProblemCodeNotRefundable)
	if l := h.ledger(co.Order.OutTradeNo); l["applied"] != 3 { // the payment and two refunds
		t.Fatalf("ledger %v", l)
	}
	var audits int
	_ = h.pool.QueryRow(ctx, "SELECT count(*) FROM operator_audit WHERE action = 'refund.create' AND key_id = 'test-ops'").Scan(&audits)
	if audits != 2 {
		t.Fatalf("%d audited refunds, want 2 (a replay is not a write)", audits)
	}
	// An unpaid order cannot be refunded.
	token2, products := h.shop(1000)
	_, unpaid, _ := h.placeOrder(token2, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	res, _, p = h.refund(unpaid.Order.Id, "", 1, "")
	wantProblem(t, res, p, 409, api.ProblemCodeNotRefundable)
}

// 20 concurrent partial refunds whose sum exceeds the payment: exactly the
// ones that fit are created.
func TestConcurrentRefundsNeverExceedThePayment(t *testing.T) {
	h := newHarness(t)
	_, co := h.paidOrder(5)
	part := co.Order.TotalFen / 6 // six fit, the seventh does not
	var created, refused atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			res, _, p := h.refund(co.Order.Id, "", part, "")
			switch {
			case res.StatusCode == 201:
				created.Add(1)
			case res.StatusCode == 409 && p.Code == api.ProblemCodeRefundTooLarge:
				refused.Add(1)
			default:
				t.Errorf("refund: %d %s", res.StatusCode, p.Code)
			}
		})
	}
	wg.Wait()
	var sum int64
	_ = h.pool.QueryRow(context.Background(), "SELECT coalesce(sum(amount_fen), 0) FROM refunds").Scan(&sum)
	if created.Load() != 6 || refused.Load() != 14 || sum != 6*part {
		t.Fatalf("%d created, %d refused, %d fen asked; want 6, 14, %d", created.Load(), refused.Load(), sum, 6*part)
	}
}

// A refund whose answer is "later" is retried with the same number; one
// that ends ABNORMAL is put in front of a person.
func TestRefundRetriesWithTheSameNumberAndAbnormalAsksAPerson(t *testing.T) {
	h := newHarness(t)
	token, co := h.paidOrder(2)
	ctx := context.Background()
	_, r, _ := h.refund(co.Order.Id, "", 500, "")
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.CreateRefund, Code: "NOT_ENOUGH"}); err != nil {
		t.Fatal(err)
	}
	if err := h.submit.Execute(ctx, co.Order.Id, r.OutRefundNo); err == nil {
		t.Fatal("NOT_ENOUGH did not fail the job (it must be retried)")
	}
	if _, ok := h.emu.Refund(r.OutRefundNo); ok {
		t.Fatal("WeChat has a refund it refused")
	}
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.CreateRefund, RefundOutcome: "ABNORMAL"}); err != nil {
		t.Fatal(err)
	}
	if err := h.submit.Execute(ctx, co.Order.Id, r.OutRefundNo); err != nil { // the retry: same out_refund_no
		t.Fatal(err)
	}
	h.awaitRefund(token, co.Order.Id, r.OutRefundNo, api.ABNORMAL)
	if got := h.attention(co.Order.Id); len(got) != 1 || got[0] != domain.AttentionRefundAbnormal {
		t.Fatalf("attention %v", got)
	}
	if views := h.emu.Refunds(co.Order.OutTradeNo); len(views) != 1 || views[0].OutRefundNo != r.OutRefundNo {
		t.Fatalf("WeChat's refunds %+v (a retry must reuse the number)", views)
	}
}

// Every refund notification lost: the check job asks and finds SUCCESS.
func TestDroppedRefundNotificationEndsThroughTheCheck(t *testing.T) {
	h := newHarness(t)
	token, co := h.paidOrder(1)
	ctx := context.Background()
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.RefundNotify, Drop: 100}); err != nil {
		t.Fatal(err)
	}
	_, r, _ := h.refund(co.Order.Id, "", co.Order.TotalFen, "")
	if err := h.submit.Execute(ctx, co.Order.Id, r.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { v, _ := h.emu.Refund(r.OutRefundNo); return v.Status == "SUCCESS" })
	var jobs int
	_ = h.pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'refund_check' AND args->>'out_refund_no' = $1", r.OutRefundNo).Scan(&jobs)
	if jobs != 1 {
		t.Fatalf("%d refund_check jobs scheduled, want 1", jobs)
	}
	again, err := h.check.Execute(ctx, co.Order.Id, r.OutRefundNo) // what the job does
	if err != nil || again != 0 {
		t.Fatalf("check: %v, again in %s", err, again)
	}
	o := h.awaitStatus(token, co.Order.Id, api.Refunded)
	if (*o.Refunds)[0].Status != api.SUCCESS {
		t.Fatalf("%+v", o.Refunds)
	}
}

// 100 copies of one refund notification at once: applied once.
func TestConcurrentDuplicateRefundNotificationsApplyOnce(t *testing.T) {
	h := newHarness(t)
	token, co := h.paidOrder(2)
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.RefundNotify, Drop: 100}); err != nil {
		t.Fatal(err)
	}
	_, r, _ := h.refund(co.Order.Id, "", 1000, "")
	if err := h.submit.Execute(context.Background(), co.Order.Id, r.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { v, _ := h.emu.Refund(r.OutRefundNo); return v.Status == "SUCCESS" })
	header, body, err := h.emu.RefundNotification(r.OutRefundNo, emulator.NotificationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if res := h.postRefundNotification(header, body); res.StatusCode != 204 {
				t.Errorf("answered %d", res.StatusCode)
			}
		})
	}
	wg.Wait()
	o := h.awaitRefund(token, co.Order.Id, r.OutRefundNo, api.SUCCESS)
	if o.RefundedFen != 1000 {
		t.Fatalf("refunded %d fen, want 1000", o.RefundedFen)
	}
	var applied, dup int
	_ = h.pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE verdict = 'applied'), count(*) FILTER (WHERE verdict = 'duplicate')
		FROM payment_ledger WHERE out_refund_no = $1 AND source = 'refund_notification'`, r.OutRefundNo).Scan(&applied, &dup)
	if applied != 1 || dup != 99 {
		t.Fatalf("ledger: %d applied, %d duplicates", applied, dup)
	}
}

func (h *harness) postRefundNotification(header http.Header, body []byte) *http.Response {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+"/v1/wechatpay/refund-notify", bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	return h.send(req, nil)
}

// Each tamper of the payment matrix, on a refund notification, changes nothing.
func TestForgedRefundNotificationsChangeNothing(t *testing.T) {
	h := newHarness(t)
	token, co := h.paidOrder(2)
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.RefundNotify, Drop: 100}); err != nil {
		t.Fatal(err)
	}
	_, r, _ := h.refund(co.Order.Id, "", 1000, "")
	if err := h.submit.Execute(context.Background(), co.Order.Id, r.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { v, _ := h.emu.Refund(r.OutRefundNo); return v.Status == "SUCCESS" })
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	amount := func(field string, v int) func(map[string]any) {
		return func(m map[string]any) { m["amount"].(map[string]any)[field] = v }
	}
	for name, c := range map[string]struct {
		opts   emulator.NotificationOptions
		body   func([]byte) []byte
		status int
	}{
		"signed by another key": {opts: emulator.NotificationOptions{SignWith: forger}, status: 401},
		"stale timestamp":       {opts: emulator.NotificationOptions{Timestamp: time.Now().Add(-6 * time.Minute)}, status: 401},
		"SIGNTEST probe":        {opts: emulator.NotificationOptions{SignTest: true}, status: 401},
		"unknown serial":        {opts: emulator.NotificationOptions{Serial: "PUB_KEY_ID_0000000000000000000000000000"}, status: 401},
		"wrong APIv3 key":       {opts: emulator.NotificationOptions{APIv3Key: strings.Repeat("k", 32)}, status: 401},
		"body re-serialised": {body: func(b []byte) []byte {
			var v any
			_ = json.Unmarshal(b, &v)
			out, _ := json.MarshalIndent(v, "", " ")
			return out
		}, status: 401},
		"other refund amount": {opts: emulator.NotificationOptions{Mutate: amount("refund", 1)}, status: 204},
		"other total":         {opts: emulator.NotificationOptions{Mutate: amount("total", 1)}, status: 204},
		"other mchid":         {opts: emulator.NotificationOptions{Mutate: func(m map[string]any) { m["mchid"] = "1234567890" }}, status: 204},
		"other order":         {opts: emulator.NotificationOptions{Mutate: func(m map[string]any) { m["out_trade_no"] = "20261123NoSuchOrder0000000000000" }}, status: 204},
		"unknown refund":      {opts: emulator.NotificationOptions{Mutate: func(m map[string]any) { m["out_refund_no"] = "RF-unknown" }}, status: 204},
	} {
		header, body, err := h.emu.RefundNotification(r.OutRefundNo, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if c.body != nil {
			body = c.body(body)
		}
		if res := h.postRefundNotification(header, body); res.StatusCode != c.status {
			t.Errorf("%s: answered %d, want %d", name, res.StatusCode, c.status)
		}
		var o api.Order
		h.do("GET", "/v1/orders/"+co.Order.Id.String(), token, nil, &o)
		if o.RefundedFen != 0 || (*o.Refunds)[0].Status != api.PROCESSING {
			t.Fatalf("%s changed the order: %d %s", name, o.RefundedFen, (*o.Refunds)[0].Status)
		}
	}
	// A payment notification posted as a refund one is refused too.
	header, body, _ := h.emu.Notification(co.Order.OutTradeNo, emulator.NotificationOptions{})
	if res := h.postRefundNotification(header, body); res.StatusCode != 401 {
		t.Fatalf("payment notification on the refund route: %d", res.StatusCode)
	}
	// The verified reports that no refund of ours explains went to a person:
	// one item about the refund (other amounts, mchid), one about the order
	// (a refund it does not have).
	var aboutRefund, aboutOrder int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE out_refund_no = $2), count(*) FILTER (WHERE out_refund_no = '')
		FROM attention_items WHERE order_id = $1 AND kind = 'refund_reported' AND resolved_at IS NULL`, co.Order.Id, r.OutRefundNo).Scan(&aboutRefund, &aboutOrder); err != nil {
		t.Fatal(err)
	}
	if aboutRefund != 1 || aboutOrder != 1 {
		t.Errorf("open refund_reported items: %d about the refund, %d about the order; want 1 and 1", aboutRefund, aboutOrder)
	}
	// Every refusal on this route is in the ledger as a refund notification's.
	var asRefund, asPayment int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE source = 'refund_notification'),
		count(*) FILTER (WHERE source = 'notification') FROM payment_ledger WHERE verdict = 'rejected'`).Scan(&asRefund, &asPayment); err != nil {
		t.Fatal(err)
	}
	if asRefund != 7 || asPayment != 0 { // six forgeries above and the payment notification
		t.Errorf("rejected rows: %d as refund notifications, %d as payment ones; want 7 and 0", asRefund, asPayment)
	}
	// The genuine one still works.
	header, body, _ = h.emu.RefundNotification(r.OutRefundNo, emulator.NotificationOptions{})
	h.postRefundNotification(header, body)
	h.awaitRefund(token, co.Order.Id, r.OutRefundNo, api.SUCCESS)
}

// A refund WeChat never accepted (the submit job used its last attempt)
// goes to a person: no check job follows an unsubmitted refund.
func TestRefundNeverSubmittedGoesToAPerson(t *testing.T) {
	h := newHarness(t)
	_, co := h.paidOrder(1)
	_, r, _ := h.refund(co.Order.Id, "", 500, "")
	if err := h.submit.GiveUp(context.Background(), co.Order.Id, r.OutRefundNo, errors.New("NOT_ENOUGH for 18 days")); err != nil {
		t.Fatal(err)
	}
	var detail string
	if err := h.pool.QueryRow(context.Background(), `SELECT detail FROM attention_items
		WHERE order_id = $1 AND kind = 'refund_unresolved' AND resolved_at IS NULL`, co.Order.Id).Scan(&detail); err != nil {
		t.Fatalf("no refund_unresolved item: %v", err)
	}
	if !strings.Contains(detail, r.OutRefundNo) || !strings.Contains(detail, "NOT_ENOUGH") {
		t.Errorf("detail %q", detail)
	}
	// A refund the order does not have is not handed over.
	if err := h.submit.GiveUp(context.Background(), co.Order.Id, "RF-none", errors.New("x")); err != nil {
		t.Fatal(err)
	}
	var n int
	_ = h.pool.QueryRow(context.Background(), `SELECT count(*) FROM attention_items WHERE order_id = $1`, co.Order.Id).Scan(&n)
	if n != 1 {
		t.Errorf("attention items: %d, want the one", n)
	}
}
