package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// Money's worst days: every refund settled by WeChat's word, every problem
// one item about one subject, every late payment refunded or with a person.

// ledgerRow says whether the ledger has a row about the refund with this
// event type and verdict.
func (h *harness) ledgerRow(outRefundNo, eventType, verdict string) bool {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM payment_ledger
		WHERE out_refund_no = $1 AND event_type = $2 AND verdict = $3`, outRefundNo, eventType, verdict).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n > 0
}

// openItems lists the open attention items of kind about the order, by
// subject ("" for the order itself).
func (h *harness) openItems(orderID uuid.UUID, kind domain.AttentionKind) []string {
	h.t.Helper()
	items, err := h.store.OpenAttention(context.Background(), 100)
	if err != nil {
		h.t.Fatal(err)
	}
	var subjects []string
	for _, it := range items {
		if it.OrderID == orderID && it.Kind == kind {
			subjects = append(subjects, it.OutRefundNo)
		}
	}
	return subjects
}

// Defect: the first attempt reached WeChat and only its answer was lost; the
// retry was refused (INVALID_REQUEST after a deploy changed the notify URL,
// say) and the refund was closed here while WeChat paid it: the operator
// could then refund the same money again.
func TestARefusedRetryOfARefundWeChatHasIsNotClosed(t *testing.T) {
	h := newHarness(t)
	token, co := h.paidOrder(2)
	ctx := context.Background()
	total := co.Order.TotalFen
	_, r, _ := h.refund(co.Order.Id, "", total/2, "")
	// Its notifications are lost too, so that only asking WeChat can tell.
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.RefundNotify, Drop: 100}); err != nil {
		t.Fatal(err)
	}
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.CreateRefund, HTTPStatus: 504, AnswerLost: true}); err != nil {
		t.Fatal(err)
	}
	if err := h.submit.Execute(ctx, co.Order.Id, r.OutRefundNo); err == nil {
		t.Fatal("a lost answer did not fail the job (it must be retried)")
	}
	if _, ok := h.emu.Refund(r.OutRefundNo); !ok {
		t.Fatal("WeChat has no refund: the first attempt did not reach it")
	}
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.CreateRefund, Code: "INVALID_REQUEST"}); err != nil {
		t.Fatal(err)
	}
	if err := h.submit.Execute(ctx, co.Order.Id, r.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	o := h.awaitRefund(token, co.Order.Id, r.OutRefundNo, api.SUCCESS)
	if o.RefundedFen != total/2 {
		t.Fatalf("refunded %d, want %d", o.RefundedFen, total/2)
	}
	if !h.ledgerRow(r.OutRefundNo, domain.EventRefundRefused, "refused") {
		t.Fatalf("the refusal is not in the ledger:\n%s", h.dumpLedger(co.Order.OutTradeNo))
	}
	// Only what is really left can be refunded.
	if res, _, p := h.refund(co.Order.Id, "", total/2+1, ""); res.StatusCode/100 == 2 || p.Code != api.ProblemCodeRefundTooLarge {
		t.Fatalf("refunding the same money again: %d %+v", res.StatusCode, p)
	}
	if views := h.emu.Refunds(co.Order.OutTradeNo); len(views) != 1 {
		t.Fatalf("WeChat's refunds: %+v", views)
	}
}

// The one way a refund closes without WeChat saying CLOSED: it refused it
// and, asked right after, has none with the number.
func TestARefundWeChatNeverHadIsClosedAndAPersonAsked(t *testing.T) {
	h := newHarness(t)
	token, co := h.paidOrder(2)
	ctx := context.Background()
	_, r, _ := h.refund(co.Order.Id, "", 500, "")
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.CreateRefund, Code: "INVALID_REQUEST"}); err != nil {
		t.Fatal(err)
	}
	if err := h.submit.Execute(ctx, co.Order.Id, r.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	h.awaitRefund(token, co.Order.Id, r.OutRefundNo, api.CLOSED)
	if !h.ledgerRow(r.OutRefundNo, domain.EventRefundRefused, "refused") || !h.ledgerRow(r.OutRefundNo, domain.EventRefundNotFound, "applied") {
		t.Fatal("the refusal and WeChat's not-found answer are not both in the ledger")
	}
	if got := h.openItems(co.Order.Id, domain.AttentionRefundFailed); len(got) != 1 || got[0] != r.OutRefundNo {
		t.Fatalf("refund_failed items %q", got)
	}
	// The item says why in a form a console can put in Chinese or English.
	var list api.AttentionList
	h.do("GET", "/admin/v1/attention", h.operatorKey, nil, &list)
	var item *api.AttentionItem
	for i := range list.Items {
		if list.Items[i].OrderId != nil && *list.Items[i].OrderId == co.Order.Id && list.Items[i].Kind == api.AttentionItemKindRefundFailed {
			item = &list.Items[i]
		}
	}
	if item == nil || item.Reason == nil || *item.Reason != api.AttentionItemReasonRefundClosed || item.Facts == nil ||
		item.Facts.AmountFen == nil || *item.Facts.AmountFen != 500 || item.Facts.OutRefundNo == nil || *item.Facts.OutRefundNo != r.OutRefundNo ||
		item.Facts.Cause == nil || !strings.Contains(*item.Facts.Cause, "INVALID_REQUEST") || !strings.Contains(item.Detail, "¥5.00") {
		t.Fatalf("the item's reason and facts: %+v", item)
	}
	// The operator's view of the order says who asked and what WeChat said.
	var detail api.AdminOrderDetail
	h.do("GET", "/admin/v1/orders/"+co.Order.Id.String(), h.operatorKey, nil, &detail)
	if len(detail.Refunds) != 1 || detail.Refunds[0].RequestedBy != "operator:test-ops" || !strings.Contains(detail.Refunds[0].Failure, "INVALID_REQUEST") {
		t.Fatalf("the operator's refunds: %+v", detail.Refunds)
	}
	// Its amount is refundable again.
	if res, _, p := h.refund(co.Order.Id, "", co.Order.TotalFen, ""); res.StatusCode != 201 {
		t.Fatalf("the closed refund still holds its amount: %d %+v", res.StatusCode, p)
	}
}

// Defect: a late payment's refund that WeChat closed left the buyer's money
// with us and nobody told. It is asked for again with a new number, and the
// payment's item, open since it was found, resolves itself when a refund
// succeeds. Both of the service's refunds are audited.
func TestALatePaymentWhoseRefundIsClosedIsRefundedAgain(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(5)
	co := h.lateTransaction(token, products[0].Id, 1)
	txn, _ := h.emu.Transaction(co.Order.OutTradeNo)
	params, err := h.pay.PaymentParams(txn.PrepayID)
	if err != nil {
		t.Fatal(err)
	}
	h.payOnPhone(&api.PaymentParams{TimeStamp: params.TimeStamp, NonceStr: params.NonceStr, Package: params.Package,
		SignType: api.PaymentParamsSignType(params.SignType), PaySign: params.PaySign})
	h.awaitStatus(token, co.Order.Id, api.LatePaid)
	// On the list before any job ran: whatever the job's fate, a person knows.
	if got := h.openItems(co.Order.Id, domain.AttentionLatePayment); len(got) != 1 {
		t.Fatalf("late_payment items %q", got)
	}
	ctx := context.Background()
	if err := h.late.Execute(ctx, co.Order.Id); err != nil {
		t.Fatal(err)
	}
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.CreateRefund, RefundOutcome: "CLOSED"}); err != nil {
		t.Fatal(err)
	}
	var o api.Order
	h.do("GET", "/v1/orders/"+co.Order.Id.String(), token, nil, &o)
	first := (*o.Refunds)[0]
	if err := h.submit.Execute(ctx, co.Order.Id, first.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	h.awaitRefund(token, co.Order.Id, first.OutRefundNo, api.CLOSED)
	h.do("GET", "/v1/orders/"+co.Order.Id.String(), token, nil, &o)
	if len(*o.Refunds) != 2 || (*o.Refunds)[1].Status != api.PROCESSING || (*o.Refunds)[1].AmountFen != o.TotalFen ||
		(*o.Refunds)[1].OutRefundNo == first.OutRefundNo {
		t.Fatalf("no new refund after the closed one: %+v", *o.Refunds)
	}
	if got := h.openItems(co.Order.Id, domain.AttentionRefundFailed); len(got) != 0 {
		t.Fatalf("a person was asked while the service still refunds it: %q", got)
	}
	second := (*o.Refunds)[1]
	if err := h.submit.Execute(ctx, co.Order.Id, second.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	h.awaitStatus(token, co.Order.Id, api.Refunded)
	if got := h.attention(co.Order.Id); len(got) != 0 {
		t.Fatalf("open items after the refund succeeded: %v", got)
	}
	var by, note string
	if err := h.pool.QueryRow(ctx, `SELECT resolved_by, note FROM attention_items WHERE order_id = $1 AND kind = 'late_payment'`,
		co.Order.Id).Scan(&by, &note); err != nil {
		t.Fatal(err)
	}
	if by != domain.SystemActor || !strings.Contains(note, second.OutRefundNo) {
		t.Fatalf("late_payment resolved by %q: %q", by, note)
	}
	var audits int
	if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM operator_audit WHERE key_id = 'system' AND action = 'refund.create' AND target = $1`,
		co.Order.Id.String()).Scan(&audits); err != nil || audits != 2 {
		t.Fatalf("system refunds audited: %d %v", audits, err)
	}
}

// Defect: items were unique per (order, kind), so a second refund's
// ABNORMAL on the same order was dropped.
func TestEachRefundsProblemIsItsOwnItem(t *testing.T) {
	h := newHarness(t)
	token, co := h.paidOrder(2)
	ctx := context.Background()
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.CreateRefund, RefundOutcome: "ABNORMAL", Times: 2}); err != nil {
		t.Fatal(err)
	}
	var nos []string
	for range 2 {
		_, r, _ := h.refund(co.Order.Id, "", 100, "")
		if err := h.submit.Execute(ctx, co.Order.Id, r.OutRefundNo); err != nil {
			t.Fatal(err)
		}
		h.awaitRefund(token, co.Order.Id, r.OutRefundNo, api.ABNORMAL)
		nos = append(nos, r.OutRefundNo)
	}
	got := h.openItems(co.Order.Id, domain.AttentionRefundAbnormal)
	if len(got) != 2 || !strings.Contains(strings.Join(got, " "), nos[0]) || !strings.Contains(strings.Join(got, " "), nos[1]) {
		t.Fatalf("refund_abnormal items %q, want one for each of %q", got, nos)
	}
	// A person finishes the first at WeChat: its item resolves itself, the
	// second stays.
	if _, err := h.emu.CompleteRefund(nos[0]); err != nil {
		t.Fatal(err)
	}
	h.awaitRefund(token, co.Order.Id, nos[0], api.SUCCESS)
	if got := h.openItems(co.Order.Id, domain.AttentionRefundAbnormal); len(got) != 1 || got[0] != nos[1] {
		t.Fatalf("after the first succeeded: %q", got)
	}
}

// A refund whose submit job gave up is listed for the operator, asked about
// daily, and "re-check now" asks WeChat at once: unknown there, it is
// submitted again with the same number; known, its verified state applies.
func TestAStuckRefundIsListedAndRecheckedNow(t *testing.T) {
	h := newHarness(t)
	token, co := h.paidOrder(1)
	ctx := context.Background()
	_, r, _ := h.refund(co.Order.Id, "", 500, "")
	if err := h.submit.GiveUp(ctx, co.Order.Id, r.OutRefundNo, context.DeadlineExceeded); err != nil {
		t.Fatal(err)
	}
	// River discarded the submit job; the daily check is what is left.
	if _, err := h.pool.Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now()
		WHERE kind = 'refund_submit' AND args->>'out_refund_no' = $1`, r.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	if n := h.jobs("refund_check", r.OutRefundNo); n != 1 {
		t.Fatalf("%d refund_check jobs after the submit gave up, want 1", n)
	}
	var page api.AdminRefundPage
	if res := h.do("GET", "/admin/v1/refunds", h.operatorKey, nil, &page); res.StatusCode != 200 || len(page.Items) != 1 ||
		page.Items[0].OutRefundNo != r.OutRefundNo || page.Items[0].OrderId != co.Order.Id || page.Items[0].OutTradeNo != co.Order.OutTradeNo {
		t.Fatalf("unsettled refunds: %d %+v", res.StatusCode, page)
	}
	var got api.AdminRefund
	check := "/admin/v1/refunds/" + r.OutRefundNo + "/check"
	if res := h.do("POST", check, h.operatorKey, nil, &got); res.StatusCode != 200 || got.Status != api.PROCESSING {
		t.Fatalf("re-check of a refund WeChat never saw: %d %+v", res.StatusCode, got)
	}
	if n := h.jobs("refund_submit", r.OutRefundNo); n != 1 {
		t.Fatalf("%d refund_submit jobs waiting after the re-check, want 1 (same number, never closed)", n)
	}
	if err := h.submit.Execute(ctx, co.Order.Id, r.OutRefundNo); err != nil { // what that job does
		t.Fatal(err)
	}
	waitUntil(t, func() bool { v, _ := h.emu.Refund(r.OutRefundNo); return v.Status == "SUCCESS" })
	if res := h.do("POST", check, h.operatorKey, nil, &got); res.StatusCode != 200 || got.Status != api.SUCCESS || got.CheckAttempts != 0 {
		t.Fatalf("re-check after WeChat paid it: %d %+v", res.StatusCode, got)
	}
	h.awaitRefund(token, co.Order.Id, r.OutRefundNo, api.SUCCESS)
	if items := h.openItems(co.Order.Id, domain.AttentionRefundUnresolved); len(items) != 0 {
		t.Fatalf("refund_unresolved still open: %q", items)
	}
	if res := h.do("GET", "/admin/v1/refunds", h.operatorKey, nil, &page); res.StatusCode != 200 || len(page.Items) != 0 {
		t.Fatalf("unsettled refunds after SUCCESS: %+v", page)
	}
	var audits int
	_ = h.pool.QueryRow(ctx, `SELECT count(*) FROM operator_audit WHERE action = 'refund.recheck' AND target = $1`, r.OutRefundNo).Scan(&audits)
	if audits != 2 {
		t.Fatalf("re-checks audited: %d, want 2", audits)
	}
	var p api.Problem
	if res := h.do("POST", "/admin/v1/refunds/RFnone/check", h.operatorKey, nil, &p); res.StatusCode != http.StatusNotFound {
		t.Fatalf("re-check of an unknown refund: %d", res.StatusCode)
	}
}

// A refund still PROCESSING after its checks asks a person once and is
// still asked about, daily, until WeChat settles it.
func TestARefundPastItsChecksIsStillAskedDaily(t *testing.T) {
	h := newHarness(t)
	_, co := h.paidOrder(1)
	ctx := context.Background()
	_, r, _ := h.refund(co.Order.Id, "", 500, "") // never submitted: WeChat does not know it
	const maxChecks = 3                           // the harness's policy
	for i := 1; i <= maxChecks+3; i++ {
		again, err := h.check.Execute(ctx, co.Order.Id, r.OutRefundNo)
		if err != nil {
			t.Fatal(err)
		}
		if i > maxChecks && again != domain.SlowRefundCheck {
			t.Fatalf("check %d: again in %s, want %s", i, again, domain.SlowRefundCheck)
		}
	}
	if got := h.openItems(co.Order.Id, domain.AttentionRefundUnresolved); len(got) != 1 || got[0] != r.OutRefundNo {
		t.Fatalf("refund_unresolved items %q", got)
	}
}

// Every answer that decides no money moved is a ledger row: a close WeChat
// accepted, and the query answers that expire an order.
func TestAnswersThatEndAnOrderUnpaidAreLedgered(t *testing.T) {
	h := newHarness(t)
	token, products := h.shop(5)
	_, cancelled, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	if res := h.do("POST", "/v1/orders/"+cancelled.Order.Id.String()+"/cancel", token, nil, nil); res.StatusCode != 200 {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	_, revoked, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
	if _, err := h.emu.SetTradeState(revoked.Order.OutTradeNo, "REVOKED"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(orderTTL + 1)
	if _, err := h.reconcile.Settle(context.Background(), revoked.Order.Id); err != nil {
		t.Fatal(err)
	}
	for no, want := range map[string][3]string{
		cancelled.Order.OutTradeNo: {"close", domain.EventTradeClosed, "applied"},
		revoked.Order.OutTradeNo:   {"query", "TRADE.REVOKED", "applied"},
	} {
		var n int
		if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM payment_ledger
			WHERE out_trade_no = $1 AND source = $2 AND event_type = $3 AND verdict = $4`, no, want[0], want[1], want[2]).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d ledger rows %v (%v)", no, n, want, err)
		}
	}
}

// jobs counts the refund's River jobs of kind that are waiting to run.
func (h *harness) jobs(kind, outRefundNo string) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'out_refund_no' = $2
		AND state IN ('available', 'scheduled', 'retryable', 'pending')`, kind, outRefundNo).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *harness) dumpLedger(outTradeNo string) string {
	rows, _ := h.pool.Query(context.Background(), `SELECT source, event_type, verdict, out_refund_no, reason FROM payment_ledger WHERE out_trade_no = $1 ORDER BY id`, outTradeNo)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var a, c, d, e, f string
		_ = rows.Scan(&a, &c, &d, &e, &f)
		b.WriteString(a + " " + c + " " + d + " " + e + " " + f + "\n")
	}
	return b.String()
}

// Unsettled refunds page like orders: limit, then the cursor to the rest.
func TestUnsettledRefundsPage(t *testing.T) {
	h := newHarness(t)
	_, co := h.paidOrder(2)
	var nos []string
	for range 3 {
		_, r, _ := h.refund(co.Order.Id, "", 100, "")
		nos = append(nos, r.OutRefundNo)
	}
	var got []string
	path := "/admin/v1/refunds?limit=2"
	for path != "" {
		var page api.AdminRefundPage
		if res := h.do("GET", path, h.operatorKey, nil, &page); res.StatusCode != 200 || len(page.Items) > 2 {
			t.Fatalf("%s: %d %+v", path, res.StatusCode, page)
		}
		for _, r := range page.Items {
			got = append(got, r.OutRefundNo)
		}
		path = ""
		if page.NextCursor != nil {
			path = "/admin/v1/refunds?limit=2&cursor=" + *page.NextCursor
		}
	}
	if strings.Join(got, " ") != strings.Join(nos, " ") {
		t.Fatalf("pages gave %q, want %q (oldest first)", got, nos)
	}
}
