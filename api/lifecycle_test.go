package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// The unhappy paths of money: cancel races, late payments, stuck orders,
// lapsed prepay_ids, lost notifications, garbage on the notify URL.

// metric reads a counter from the service's registry (0 if never counted).
func (h *harness) metric(name string, labels map[string]string) float64 {
	h.t.Helper()
	families, err := h.registry.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func (h *harness) attention(orderID uuid.UUID) []domain.AttentionKind {
	h.t.Helper()
	items, err := h.store.OpenAttention(context.Background(), 100)
	if err != nil {
		h.t.Fatal(err)
	}
	var kinds []domain.AttentionKind
	for _, it := range items {
		if it.OrderID == orderID {
			kinds = append(kinds, it.Kind)
		}
	}
	return kinds
}

func (h *harness) stock(i int) int {
	h.t.Helper()
	var list api.ProductList
	h.do("GET", "/v1/products", "", nil, &list)
	return list.Items[i].Stock
}

// Reproduction of "paid for a cancelled order": the first prepay fails,
// /pay is slow at WeChat, and /cancel runs meanwhile. The cancel must win
// outright: /pay hands out no signed arguments, nothing can be paid, and
// the ledger stays clean.
func TestCancelDuringASlowPayWins(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(5)
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSAPI, HTTPStatus: 500, Code: "SYSTEM_ERROR"}); err != nil {
		t.Fatal(err)
	}
	_, _, p := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 2})
	if p.OrderId == nil {
		t.Fatal("the failed prepay did not name the order")
	}
	id := *p.OrderId
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSAPI, Delay: 800 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	type payResult struct {
		res *http.Response
		c   api.Checkout
		p   api.Problem
	}
	paid := make(chan payResult, 1)
	go func() {
		var out struct {
			api.Checkout
			api.Problem
		}
		res := h.do("POST", "/v1/orders/"+id.String()+"/pay", token, nil, &out)
		paid <- payResult{res, out.Checkout, out.Problem}
	}()
	time.Sleep(200 * time.Millisecond) // /pay is waiting at WeChat now
	var cancelled api.Order
	if res := h.do("POST", "/v1/orders/"+id.String()+"/cancel", token, nil, &cancelled); res.StatusCode != 200 || cancelled.Status != api.Cancelled {
		t.Fatalf("cancel: %d %s", res.StatusCode, cancelled.Status)
	}
	r := <-paid
	if r.c.Payment != nil {
		// The old behaviour: a valid paySign for a cancelled order.
		if _, err := h.emu.RequestPayment(emulator.PaymentRequest{TimeStamp: r.c.Payment.TimeStamp, NonceStr: r.c.Payment.NonceStr,
			Package: r.c.Payment.Package, SignType: string(r.c.Payment.SignType), PaySign: r.c.Payment.PaySign}); err == nil {
			t.Fatal("a cancelled order was paid")
		}
		t.Fatal("/pay returned payment arguments for a cancelled order")
	}
	wantProblem(t, r.res, r.p, 409, api.ProblemCodeOrderNotPayable)
	h.awaitStatus(token, id, api.Cancelled)
	if s := h.stock(0); s != 5 {
		t.Fatalf("stock %d, want 5", s)
	}
	if l := h.ledger(""); l["suspicious"] != 0 {
		t.Fatalf("ledger %v", l)
	}
}

// Only ORDERPAID means paid; any other refusal to close leaves the order
// pending (and its stock reserved) with a clear problem.
func TestCancelKeepsTheOrderWhenWeChatWillNotClose(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(5)
	for _, c := range []struct {
		fault  emulator.Fault
		status int
		code   api.ProblemCode
	}{
		{emulator.Fault{Endpoint: emulator.CloseOrder, HTTPStatus: 500, Code: "SYSTEM_ERROR"}, 503, api.ProblemCodeWechatpayUnavailable},
		{emulator.Fault{Endpoint: emulator.CloseOrder, HTTPStatus: 400, Code: "PARAM_ERROR"}, 502, api.ProblemCodeWechatpayRejected},
		{emulator.Fault{Endpoint: emulator.CloseOrder, HTTPStatus: 403, Code: "NO_AUTH"}, 502, api.ProblemCodeWechatpayRejected},
	} {
		_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
		if err := h.emu.InjectFault(c.fault); err != nil {
			t.Fatal(err)
		}
		var p api.Problem
		res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/cancel", token, nil, &p)
		wantProblem(t, res, p, c.status, c.code)
		h.awaitStatus(token, co.Order.Id, api.Pending)
		// Still payable: the user may pay after all.
		var again api.Checkout
		if res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/pay", token, nil, &again); res.StatusCode != 200 || again.Payment == nil {
			t.Fatalf("%s: /pay after a refused close: %d", c.fault.Code, res.StatusCode)
		}
	}
	if s := h.stock(0); s != 2 {
		t.Fatalf("stock %d, want 2 (three orders still reserve theirs)", s)
	}

	// ORDERPAID: the user paid while we were cancelling. Believe WeChat.
	_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[1].Id, Quantity: 1})
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.Notify, Drop: 100}); err != nil {
		t.Fatal(err)
	}
	h.payOnPhone(co.Payment)
	var p api.Problem
	res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/cancel", token, nil, &p)
	wantProblem(t, res, p, 409, api.ProblemCodeOrderNotCancellable)
	h.awaitStatus(token, co.Order.Id, api.Paid)
}

// A verified payment for an order that had ended is money received: the
// order becomes late_paid, the ledger and the metric say so, and the job it
// hands the money to puts it in front of a person.
func TestLatePaymentIsRecordedAndHandedOn(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(5)
	co := h.lateTransaction(token, products[0].Id, 2)
	// The buyer pays on a sheet for it (WeChat still has the transaction
	// open); WeChat notifies, and repeats itself.
	txn, _ := h.emu.Transaction(co.Order.OutTradeNo)
	params, err := h.pay.PaymentParams(txn.PrepayID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.Notify, Duplicate: 1}); err != nil {
		t.Fatal(err)
	}
	h.payOnPhone(&api.PaymentParams{TimeStamp: params.TimeStamp, NonceStr: params.NonceStr, Package: params.Package,
		SignType: api.PaymentParamsSignType(params.SignType), PaySign: params.PaySign})
	o := h.awaitStatus(token, co.Order.Id, api.LatePaid)
	if o.PaidAt == nil {
		t.Fatal("a late payment without its time")
	}
	waitUntil(t, func() bool { return h.ledger(co.Order.OutTradeNo)["duplicate"] == 1 })
	if l := h.ledger(co.Order.OutTradeNo); l["late"] != 1 || l["duplicate"] != 1 || l["suspicious"] != 0 {
		t.Fatalf("ledger %v", l)
	}
	if n := h.metric("wxmp_late_payments_total", nil); n != 1 {
		t.Fatalf("late payments metric %v", n)
	}
	if !strings.Contains(h.logs.String(), "late payment") {
		t.Fatal("no error log for the late payment")
	}
	if s := h.stock(0); s != 5 {
		t.Fatalf("stock %d: a late payment must not take stock again", s)
	}
	var jobs int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'late_payment' AND args->>'order_id' = $1`,
		co.Order.Id.String()).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("late_payment jobs: %d %v", jobs, err)
	}
	// What the job does with it: refund it in full, with no person involved,
	// through WeChat Pay (the emulator), to the end.
	ctx := context.Background()
	if err := h.late.Execute(ctx, co.Order.Id); err != nil {
		t.Fatal(err)
	}
	if err := h.late.Execute(ctx, co.Order.Id); err != nil { // a retried job refunds once
		t.Fatal(err)
	}
	h.do("GET", "/v1/orders/"+co.Order.Id.String(), token, nil, &o)
	if o.Refunds == nil || len(*o.Refunds) != 1 || (*o.Refunds)[0].AmountFen != o.TotalFen || (*o.Refunds)[0].Status != api.PROCESSING ||
		!strings.Contains((*o.Refunds)[0].Reason, "原路退回") {
		t.Fatalf("refunds %+v", o.Refunds)
	}
	r := (*o.Refunds)[0]
	if err := h.submit.Execute(ctx, co.Order.Id, r.OutRefundNo); err != nil { // the refund_submit job
		t.Fatal(err)
	}
	done := h.awaitStatus(token, co.Order.Id, api.Refunded)
	if done.RefundedFen != done.TotalFen || (*done.Refunds)[0].Status != api.SUCCESS || (*done.Refunds)[0].SucceededAt == nil {
		t.Fatalf("refunded order %+v", done)
	}
	if got := h.attention(co.Order.Id); len(got) != 0 {
		t.Fatalf("an automatic refund asked a person: %v", got)
	}
	if v, ok := h.emu.Refund(r.OutRefundNo); !ok || v.Status != "SUCCESS" {
		t.Fatalf("WeChat's refund: %+v", v)
	}
}

// lateTransaction leaves an order cancelled here while WeChat Pay still has
// a payable transaction for it: its first prepay fails, a second is slow
// at WeChat, and the buyer cancels meanwhile. (That is how a late payment
// can happen: a sheet opened just before the order ended.)
func (h *harness) lateTransaction(token string, product uuid.UUID, quantity int) api.Checkout {
	h.t.Helper()
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSAPI, HTTPStatus: 500, Code: "SYSTEM_ERROR"}); err != nil {
		h.t.Fatal(err)
	}
	_, _, p := h.placeOrder(token, "", api.OrderItemRequest{ProductId: product, Quantity: quantity})
	if p.OrderId == nil {
		h.t.Fatal("the failed prepay did not name the order")
	}
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.JSAPI, Delay: 900 * time.Millisecond}); err != nil {
		h.t.Fatal(err)
	}
	paid := make(chan int, 1)
	go func() { paid <- h.do("POST", "/v1/orders/"+p.OrderId.String()+"/pay", token, nil, nil).StatusCode }()
	time.Sleep(200 * time.Millisecond) // /pay is waiting at WeChat now (or, if slower, finds the order closing)
	var o api.Order
	if res := h.do("POST", "/v1/orders/"+p.OrderId.String()+"/cancel", token, nil, &o); res.StatusCode != 200 || o.Status != api.Cancelled {
		h.t.Fatalf("cancel: %d %s", res.StatusCode, o.Status)
	}
	if st := <-paid; st != http.StatusConflict {
		h.t.Fatalf("/pay for the cancelled order: %d", st)
	}
	if txn, ok := h.emu.Transaction(o.OutTradeNo); !ok || txn.TradeState != "NOTPAY" {
		h.t.Fatalf("WeChat's transaction: %+v", txn)
	}
	return api.Checkout{Order: o}
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A stuck order used to be picked first by every pass (the oldest overdue),
// so a pass limited to three never reached the fourth.
func TestReconcileNeverStallsOnStuckOrders(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(20)
	var stuck []api.Checkout
	for range 3 {
		_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
		if _, err := h.emu.SetTradeState(co.Order.OutTradeNo, "USERPAYING"); err != nil {
			t.Fatal(err)
		}
		stuck = append(stuck, co)
	}
	h.clock.Advance(time.Second)
	_, normal, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	h.clock.Advance(orderTTL + time.Second)

	ctx := context.Background()
	res, err := h.reconcile.Execute(ctx, 3)
	if err != nil || res != (domain.ReconcileResult{Waiting: 3}) {
		t.Fatalf("first pass: %+v %v", res, err)
	}
	res, err = h.reconcile.Execute(ctx, 3)
	if err != nil || res != (domain.ReconcileResult{Expired: 1}) {
		t.Fatalf("second pass: %+v %v (the stuck orders must wait their back-off)", res, err)
	}
	h.awaitStatus(token, normal.Order.Id, api.Expired)
	for _, co := range stuck {
		h.awaitStatus(token, co.Order.Id, api.Pending)
	}
	if res, _ := h.reconcile.Execute(ctx, 3); res != (domain.ReconcileResult{}) {
		t.Fatalf("third pass did something: %+v", res)
	}
	if n := h.metric("wxmp_reconcile_attempts_total", map[string]string{"outcome": "waiting"}); n != 3 {
		t.Fatalf("waiting attempts metric %v", n)
	}
}

// WeChat's final states are taken as they are: CLOSED, REVOKED and
// PAYERROR expire without another close; REFUND is settled as paid and
// flagged (no refund of ours explains it).
func TestReconcileTakesWeChatsFinalStates(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(20)
	states := map[string]api.Checkout{}
	for _, s := range []string{"REVOKED", "PAYERROR", "REFUND"} {
		_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
		if s == "REFUND" {
			if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.Notify, Drop: 100}); err != nil {
				t.Fatal(err)
			}
			h.payOnPhone(co.Payment)
		}
		if _, err := h.emu.SetTradeState(co.Order.OutTradeNo, s); err != nil {
			t.Fatal(err)
		}
		states[s] = co
	}
	h.clock.Advance(orderTTL + time.Second)
	res, err := h.reconcile.Execute(context.Background(), 10)
	if err != nil || res != (domain.ReconcileResult{Expired: 2, Paid: 1}) {
		t.Fatalf("pass: %+v %v", res, err)
	}
	for _, s := range []string{"REVOKED", "PAYERROR"} {
		h.awaitStatus(token, states[s].Order.Id, api.Expired)
		if n := h.emu.CloseCount(states[s].Order.OutTradeNo); n != 0 {
			t.Fatalf("%s: closed %d times", s, n)
		}
	}
	// Paid and refunded elsewhere before we saw it paid: not paid (nothing
	// may ship), not payable, its stock back, and a person asked.
	refund := states["REFUND"]
	h.awaitStatus(token, refund.Order.Id, api.Refunded)
	if got := h.attention(refund.Order.Id); len(got) != 1 || got[0] != domain.AttentionRefundReported {
		t.Fatalf("attention %v", got)
	}
	if s := h.stock(0); s != 20 {
		t.Fatalf("stock %d, want 20 (none sold: all three released)", s)
	}
}

// An order that will not settle is retried on its back-off, then handed to
// a person and never retried again.
func TestReconcileHandsAnUnsettledOrderToAPerson(t *testing.T) {
	policy := domain.ReconcilePolicy{Backoff: []time.Duration{time.Minute}, MaxAttempts: 2}
	h := newHarnessWith(t, harnessConfig{policy: &policy})
	token, products := h.shop(5)
	_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	if _, err := h.emu.SetTradeState(co.Order.OutTradeNo, "USERPAYING"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(orderTTL)
	ctx := context.Background()
	var outcomes []string
	for range 4 {
		o, _ := h.reconcile.Settle(ctx, co.Order.Id)
		outcomes = append(outcomes, o)
		h.clock.Advance(time.Minute)
	}
	if strings.Join(outcomes, " ") != "waiting waiting flagged not_due" {
		t.Fatalf("outcomes %v", outcomes)
	}
	if n := h.emu.QueryCount(co.Order.OutTradeNo); n != 2 {
		t.Fatalf("WeChat asked %d times, want 2", n)
	}
	if got := h.attention(co.Order.Id); len(got) != 1 || got[0] != domain.AttentionUnresolved {
		t.Fatalf("attention %v", got)
	}
	if n := h.metric("wxmp_attention_items_total", map[string]string{"kind": "unresolved_order"}); n != 1 {
		t.Fatalf("metric %v", n)
	}
	if !strings.Contains(h.logs.String(), "needs a person") {
		t.Fatal("no error log")
	}
	if due, _ := h.store.DueOrders(ctx, h.clock.Now().Add(24*time.Hour), 10); len(due) != 0 {
		t.Fatalf("a flagged order is still due: %v", due)
	}
}

// WeChat keeps a prepay_id for 2 hours; an order payable for longer gets a
// new one from /pay once the old is near its end, and the payment works.
func TestPrepayIDIsRenewedBeforeWeChatForgetsIt(t *testing.T) {
	// The emulator's 2 hours shrink to 300 ms of real time (its signatures
	// follow the real clock); the service's 110 minutes pass on its clock.
	h := newHarnessWith(t, harnessConfig{orderTTL: 6 * time.Hour, sessionTTL: 24 * time.Hour, prepayIDValidity: 300 * time.Millisecond})
	token, products := h.shop(5)
	_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	time.Sleep(400 * time.Millisecond)
	h.clock.Advance(domain.PrepayReuseWindow)
	stale := co.Payment
	if _, err := h.emu.RequestPayment(emulator.PaymentRequest{TimeStamp: stale.TimeStamp, NonceStr: stale.NonceStr,
		Package: stale.Package, SignType: string(stale.SignType), PaySign: stale.PaySign}); err == nil {
		t.Fatal("the emulator accepted a lapsed prepay_id")
	}
	var fresh api.Checkout
	if res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/pay", token, nil, &fresh); res.StatusCode != 200 || fresh.Payment == nil {
		t.Fatalf("/pay: %d", res.StatusCode)
	}
	if fresh.Payment.Package == stale.Package {
		t.Fatal("/pay handed out the lapsed prepay_id again")
	}
	if v := h.payOnPhone(fresh.Payment); v.TradeState != "SUCCESS" {
		t.Fatalf("paid with the new prepay_id: %s", v.TradeState)
	}
}

// Every notification lost: one active query makes the order paid.
func TestRefreshAppliesAPaymentWhoseNotificationsWereLost(t *testing.T) {
	h := newHarness(t)
	token, co := h.pendingCheckout()
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.Notify, Drop: 100}); err != nil {
		t.Fatal(err)
	}
	var before api.Order
	if res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/refresh", token, nil, &before); res.StatusCode != 200 || before.Status != api.Pending {
		t.Fatalf("refresh before paying: %d %s", res.StatusCode, before.Status)
	}
	h.payOnPhone(co.Payment)
	h.clock.Advance(5 * time.Second) // past the per-order query interval
	var after api.Order
	if res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/refresh", token, nil, &after); res.StatusCode != 200 || after.Status != api.Paid {
		t.Fatalf("refresh after paying: %d %s", res.StatusCode, after.Status)
	}
	if l := h.ledger(co.Order.OutTradeNo); l["applied"] != 1 {
		t.Fatalf("ledger %v", l)
	}
	var p api.Problem
	other := h.login("someone-else").Token
	res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/refresh", other, nil, &p)
	wantProblem(t, res, p, 404, api.ProblemCodeNotFound)
}

// However many callers refresh at once, WeChat is asked once.
func TestConcurrentRefreshesAskWeChatOnce(t *testing.T) {
	h := newHarness(t)
	token, co := h.pendingCheckout()
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.Notify, Drop: 100}); err != nil {
		t.Fatal(err)
	}
	h.payOnPhone(co.Payment)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			var o api.Order
			if res := h.do("POST", "/v1/orders/"+co.Order.Id.String()+"/refresh", token, nil, &o); res.StatusCode != 200 {
				t.Errorf("refresh: %d", res.StatusCode)
			}
		})
	}
	wg.Wait()
	if n := h.emu.QueryCount(co.Order.OutTradeNo); n != 1 {
		t.Fatalf("WeChat was asked %d times", n)
	}
	h.awaitStatus(token, co.Order.Id, api.Paid)
}

// Anyone can POST to the notify URL. Refusals are kept for forensics, but
// only up to the minute's budget; the rest are counted.
func TestGarbageNotificationsCannotGrowTheLedger(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range 5000 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			header := http.Header{"Wechatpay-Serial": {"PUB_KEY_ID_garbage"}, "Wechatpay-Signature": {"AAAA"},
				"Wechatpay-Timestamp": {"1"}, "Wechatpay-Nonce": {"n"}}
			res := h.postNotification(header, []byte(`{"id":"EV-`+uuid.NewString()+`","n":`+string(rune('0'+i%10))+`}`))
			if res.StatusCode != 401 {
				t.Errorf("garbage answered %d", res.StatusCode)
			}
		})
	}
	wg.Wait()
	var rows int
	if err := h.pool.QueryRow(context.Background(), "SELECT count(*) FROM payment_ledger").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	bound := domain.DefaultLedgerPolicy().RefusalsPerMinute
	if rows > bound || rows == 0 {
		t.Fatalf("the ledger grew by %d rows, bound %d", rows, bound)
	}
	if n := h.metric("wxmp_refused_notifications_unrecorded_total", nil); int(n) != 5000-rows {
		t.Fatalf("%v refusals counted but not recorded, want %d", n, 5000-rows)
	}
}
