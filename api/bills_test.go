package api_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// The daily bill (README: "The daily bill"): WeChat Pay's trade bill of a
// day, from the emulator, against the books, through the real adapter,
// store and use cases.

// today is the Beijing day the emulator books today's trades under.
func today() string { return domain.BillDayOf(time.Now()) }

// billReport reads a day as the operator does.
func (h *harness) billReport(day string) api.BillDayReport {
	h.t.Helper()
	var r api.BillDayReport
	if res := h.do("GET", "/admin/v1/bills/"+day, h.operatorKey, nil, &r); res.StatusCode != 200 {
		h.t.Fatalf("GET bill day: %d", res.StatusCode)
	}
	return r
}

// diffOf finds the day's difference about out_trade_no (and refund).
func diffOf(r api.BillDayReport, outTradeNo, outRefundNo string) *api.BillDifference {
	for i, d := range r.Differences {
		if d.OutTradeNo == outTradeNo && d.OutRefundNo == outRefundNo {
			return &r.Differences[i]
		}
	}
	return nil
}

// latePaidAtWeChat leaves an order cancelled here and paid at WeChat, with
// every notification of the payment dropped: only the bill can find it.
func (h *harness) latePaidAtWeChat(token string, product uuid.UUID) api.Checkout {
	h.t.Helper()
	co := h.lateTransaction(token, product, 1)
	txn, _ := h.emu.Transaction(co.Order.OutTradeNo)
	params, err := h.pay.PaymentParams(txn.PrepayID)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.Notify, Drop: emulator.MaxFaultDrop}); err != nil {
		h.t.Fatal(err)
	}
	h.payOnPhone(&api.PaymentParams{TimeStamp: params.TimeStamp, NonceStr: params.NonceStr, Package: params.Package,
		SignType: api.PaymentParamsSignType(params.SignType), PaySign: params.PaySign})
	if v, _ := h.emu.Transaction(co.Order.OutTradeNo); v.TradeState != "SUCCESS" {
		h.t.Fatalf("WeChat's transaction: %+v", v)
	}
	return co
}

func (h *harness) jobsOfKind(kind string) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = $1`, kind).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// counts are what a run may change: ledger rows, attention items, jobs.
func (h *harness) counts() [4]int {
	h.t.Helper()
	var c [4]int
	err := h.pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM payment_ledger), (SELECT count(*) FROM attention_items),
		(SELECT count(*) FROM river_job), (SELECT count(*) FROM bill_differences WHERE outcome <> 'pending')`).Scan(&c[0], &c[1], &c[2], &c[3])
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func TestTheDailyBillFindsWhatTheBooksMissedAndTheQueryDecides(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	day := today()
	token, products := h.shop(1000)
	pay := func() api.Checkout {
		_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
		h.payOnPhone(co.Payment)
		h.awaitStatus(token, co.Order.Id, api.Paid)
		return co
	}
	// Honest: two payments, one of them partly refunded by the operator.
	honest, refunded := pay(), pay()
	_, ours, _ := h.refund(refunded.Order.Id, "", 100, "少发一件")
	if err := h.submit.Execute(ctx, refunded.Order.Id, ours.OutRefundNo); err != nil {
		t.Fatal(err)
	}
	h.awaitRefund(token, refunded.Order.Id, ours.OutRefundNo, api.SUCCESS)
	// A payment whose notifications were all lost, for an order that ended.
	late := h.latePaidAtWeChat(token, products[0].Id)
	// A refund someone made by hand on the merchant platform.
	byHand := pay()
	platform, err := h.emu.RefundOnPlatform(byHand.Order.OutTradeNo, 50, "SUCCESS")
	if err != nil {
		t.Fatal(err)
	}
	// A payment to our merchant for a number we never issued (another
	// system sharing the merchant account, say).
	stranger := "STRANGER" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	prepay, err := h.pay.Prepay(ctx, domain.PrepayRequest{OutTradeNo: stranger, Description: "elsewhere", TotalFen: 300,
		PayerOpenID: "o-stranger", ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := h.pay.PaymentParams(prepay)
	if err != nil {
		t.Fatal(err)
	}
	h.payOnPhone(&api.PaymentParams{TimeStamp: sp.TimeStamp, NonceStr: sp.NonceStr, Package: sp.Package,
		SignType: api.PaymentParamsSignType(sp.SignType), PaySign: sp.PaySign})
	// WeChat's bill says 1 fen more for the honest payment, on both runs.
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.TradeBill, BillCorrupt: emulator.BillWrongAmount,
		OutTradeNo: honest.Order.OutTradeNo, Times: 2}); err != nil {
		t.Fatal(err)
	}
	if err := h.emu.MakeBillReady(day); err != nil {
		t.Fatal(err)
	}

	d, err := h.bill.Execute(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	r := h.billReport(day)
	if d.Status != domain.BillUnbalanced || r.Day.Status != api.BillUnbalanced || r.Day.Lines != 7 || r.Day.Payments != 5 ||
		r.Day.Refunds != 2 || r.Day.Differences != 4 || r.Day.OpenDifferences != 3 || len(r.Differences) != 4 {
		t.Fatalf("day %+v, differences %+v", r.Day, r.Differences)
	}
	total := honest.Order.TotalFen // every order here is one of the same product
	if r.Day.WechatPaidFen != 5*total+300+1-total || r.Day.OursPaidFen != 4*total || r.Day.WechatRefundedFen != 150 || r.Day.OursRefundedFen != 100 {
		t.Fatalf("totals %+v (each order %d)", r.Day, total)
	}

	// The late payment: found, queried, applied as a late payment, and on
	// its way back to the buyer, with no person needed.
	lateDiff := diffOf(r, late.Order.OutTradeNo, "")
	if lateDiff == nil || lateDiff.Kind != api.DiffMissingHere || lateDiff.Ours != "cancelled" || lateDiff.Outcome != api.OutcomeApplied ||
		!strings.Contains(lateDiff.Action, "late payment") {
		t.Fatalf("late payment difference %+v", lateDiff)
	}
	var o api.Order
	h.do("GET", "/v1/orders/"+late.Order.Id.String(), token, nil, &o)
	if o.Status != api.LatePaid {
		t.Fatalf("late order %s", o.Status)
	}
	if h.jobsOfKind("late_payment") == 0 {
		t.Fatal("the late payment's refund was not scheduled")
	}
	// The refund nobody here asked for: WeChat confirms it, no refund of
	// ours explains it, a person is asked (by the refund path's own item).
	hand := diffOf(r, byHand.Order.OutTradeNo, platform.OutRefundNo)
	if hand == nil || hand.Kind != api.DiffMissingHere || hand.Subject != api.SubjectRefund || hand.Outcome != api.OutcomeAttention ||
		hand.AttentionKind == nil || *hand.AttentionKind != "refund_reported" {
		t.Fatalf("platform refund difference %+v", hand)
	}
	if got := h.attention(byHand.Order.Id); len(got) != 1 || got[0] != domain.AttentionRefundReported {
		t.Fatalf("platform refund items %v", got)
	}
	// The amount: WeChat's query and our books agree, the bill does not.
	amount := diffOf(r, honest.Order.OutTradeNo, "")
	if amount == nil || amount.Kind != api.DiffAmount || amount.WechatFen != total+1 || amount.OursFen != total ||
		amount.Outcome != api.OutcomeAttention || *amount.AttentionKind != "bill_difference" {
		t.Fatalf("amount difference %+v", amount)
	}
	if got := h.attention(honest.Order.Id); len(got) != 1 || got[0] != domain.AttentionBillDifference {
		t.Fatalf("amount items %v", got)
	}
	// The stranger's payment: no order of ours; the item is about its number.
	strange := diffOf(r, stranger, "")
	if strange == nil || strange.OrderId != nil || strange.Outcome != api.OutcomeAttention {
		t.Fatalf("stranger difference %+v", strange)
	}
	var list api.AttentionList
	h.do("GET", "/admin/v1/attention", h.operatorKey, nil, &list)
	var orderless *api.AttentionItem
	for i, it := range list.Items {
		if it.OutTradeNo == stranger {
			orderless = &list.Items[i]
		}
	}
	if orderless == nil || orderless.OrderId != nil || orderless.Kind != api.AttentionItemKindBillDifference ||
		orderless.Facts == nil || orderless.Facts.AmountFen == nil || *orderless.Facts.AmountFen != 300 {
		t.Fatalf("orderless item %+v", orderless)
	}
	if h.metric("wxmp_bill_differences_total", map[string]string{"kind": "amount", "outcome": "attention"}) != 1 ||
		h.metric("wxmp_bill_differences_total", map[string]string{"kind": "missing_here", "outcome": "applied"}) != 1 {
		t.Fatal("differences not counted")
	}

	// The same day again: the same bill, nothing new done.
	before := h.counts()
	again, err := h.bill.Execute(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if after := h.counts(); after != before || again.Runs != 2 || again.Differences != 4 || again.Status != domain.BillUnbalanced {
		t.Fatalf("a rerun changed something: %v → %v, day %+v", before, after, again)
	}

	// A person resolves what was theirs to look at; the day's next run finds
	// the bill honest again and the day balanced.
	h.do("GET", "/admin/v1/attention", h.operatorKey, nil, &list)
	for _, it := range list.Items {
		if it.Kind == api.AttentionItemKindLatePayment {
			continue // resolves itself when its refund succeeds
		}
		if res := h.do("POST", "/admin/v1/attention/"+strconv.FormatInt(it.Id, 10)+"/resolve", h.operatorKey, api.ResolveRequest{Note: "asked WeChat Pay"}, nil); res.StatusCode != 200 {
			t.Fatalf("resolve: %d", res.StatusCode)
		}
	}
	var queued api.BillRunQueued
	if res := h.do("POST", "/admin/v1/bills/"+day+"/run", h.operatorKey, nil, &queued); res.StatusCode != 202 || !queued.Queued {
		t.Fatalf("rerun: %d %+v", res.StatusCode, queued)
	}
	if h.jobsOfKind("bill_check") != 1 {
		t.Fatal("the rerun was not queued")
	}
	balanced, err := h.bill.Execute(ctx, day) // what the job does
	if err != nil || balanced.Status != domain.BillBalanced || balanced.OpenDifferences != 0 {
		t.Fatalf("after resolving: %+v %v", balanced, err)
	}
	var days api.BillDayList
	if res := h.do("GET", "/admin/v1/bills", h.operatorKey, nil, &days); res.StatusCode != 200 || len(days.Items) != 1 || days.Items[0].Runs != 3 {
		t.Fatalf("days: %+v", days)
	}
}

func TestABillNotToBeBelievedChangesNothing(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	day := today()
	token, products := h.shop(10)
	late := h.latePaidAtWeChat(token, products[0].Id)
	if err := h.emu.MakeBillReady(day); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		corrupt string
		line    int
		says    string
	}{
		{emulator.BillWrongHash, 0, "SHA1"},
		{emulator.BillMalformed, 2, "订单金额"},
		{emulator.BillTruncated, -1, ""},
	} {
		if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.TradeBill, BillCorrupt: c.corrupt}); err != nil {
			t.Fatal(err)
		}
		before := h.counts()
		d, err := h.bill.Execute(ctx, day)
		if err != nil {
			t.Fatalf("%s: %v", c.corrupt, err)
		}
		if d.Status != domain.BillFailed || d.Failure == "" || (c.line >= 0 && d.FailedLine != c.line) || !strings.Contains(d.Failure, c.says) {
			t.Fatalf("%s: day %+v", c.corrupt, d)
		}
		if after := h.counts(); after != before {
			t.Fatalf("%s: a bill not believed changed %v → %v", c.corrupt, before, after)
		}
		var o api.Order
		h.do("GET", "/v1/orders/"+late.Order.Id.String(), token, nil, &o)
		if o.Status != api.Cancelled {
			t.Fatalf("%s: the late payment was applied from a bill not believed: %s", c.corrupt, o.Status)
		}
	}
	if r := h.billReport(day); len(r.Differences) != 0 || r.Day.Status != api.BillFailed {
		t.Fatalf("report %+v", r)
	}
	if h.metric("wxmp_bill_days_total", map[string]string{"status": "failed"}) != 3 || !strings.Contains(h.logs.String(), "cannot be believed") {
		t.Fatal("no alert for a bill not believed")
	}
	// The bill as WeChat really has it finds the payment.
	if d, err := h.bill.Execute(ctx, day); err != nil || d.Status != domain.BillBalanced || d.Differences != 1 {
		t.Fatalf("honest bill: %+v %v", d, err)
	}
}

func TestABillNotMadeYetIsAskedForAgain(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	day := today()
	h.paidOrder(1)
	// Before 10:00 Beijing the next day WeChat Pay is still making it.
	_, err := h.bill.Execute(ctx, day)
	if !errors.Is(err, domain.ErrBillNotReady) {
		t.Fatalf("today's bill: %v", err)
	}
	if r := h.billReport(day); r.Day.Status != api.BillWaiting {
		t.Fatalf("day %+v", r.Day)
	}
	if err := h.emu.MakeBillReady(day); err != nil {
		t.Fatal(err)
	}
	// STATEMENT_CREATING once more, then the bill.
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.TradeBill, HTTPStatus: 400, Code: "STATEMENT_CREATING"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.bill.Execute(ctx, day); !errors.Is(err, domain.ErrBillNotReady) {
		t.Fatalf("STATEMENT_CREATING: %v", err)
	}
	d, err := h.bill.Execute(ctx, day)
	if err != nil || d.Status != domain.BillBalanced || d.Lines != 1 || d.Differences != 0 || d.Runs != 3 {
		t.Fatalf("ready: %+v %v", d, err)
	}
	// A day without trade at WeChat (NO_STATEMENT_EXIST), and none here:
	// balanced, empty.
	quiet := domain.BillDayOf(time.Now().AddDate(0, 0, -10))
	if d, err := h.bill.Execute(ctx, quiet); err != nil || d.Status != domain.BillBalanced || d.Lines != 0 {
		t.Fatalf("no trade: %+v %v", d, err)
	}
}

func TestADuplicateBillLineIsOneDifference(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	day := today()
	_, co := h.paidOrder(1)
	if err := h.emu.InjectFault(emulator.Fault{Endpoint: emulator.TradeBill, BillCorrupt: emulator.BillDuplicated}); err != nil {
		t.Fatal(err)
	}
	if err := h.emu.MakeBillReady(day); err != nil {
		t.Fatal(err)
	}
	d, err := h.bill.Execute(ctx, day)
	if err != nil || d.Lines != 2 || d.Differences != 1 || d.Status != domain.BillUnbalanced {
		t.Fatalf("day %+v %v", d, err)
	}
	r := h.billReport(day)
	dup := diffOf(r, co.Order.OutTradeNo, "")
	if dup == nil || dup.Kind != api.DiffDuplicate || dup.LineNo != 3 || dup.Outcome != api.OutcomeAttention ||
		!strings.Contains(dup.Action, "bill disagrees") {
		t.Fatalf("duplicate %+v", dup)
	}
	if got := h.attention(co.Order.Id); len(got) != 1 || got[0] != domain.AttentionBillDifference {
		t.Fatalf("items %v", got)
	}
}
