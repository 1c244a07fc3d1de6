package domain

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func paidOrder(t *testing.T) *Order {
	t.Helper()
	o := pendingOrder(t)
	if err := o.ConfirmPaid(paidTxn(o), merchant, t0); err != nil {
		t.Fatal(err)
	}
	o.TakeEffects()
	return o
}

func report(o *Order, r *Refund, status RefundStatus) RefundReport {
	rep := RefundReport{MchID: merchant.MchID, OutTradeNo: o.OutTradeNo(), TransactionID: o.TransactionID(), OutRefundNo: r.OutRefundNo(),
		RefundID: "50300000001", Status: status, RefundFen: r.AmountFen(), TotalFen: o.TotalFen(), Currency: "CNY"}
	if status == RefundSuccess {
		rep.SuccessTime = t0.Add(time.Hour)
	}
	return rep
}

func TestRefundsNeverExceedThePayment(t *testing.T) {
	if _, err := pendingOrder(t).Refund(1, "", "operator:a", t0); !errors.Is(err, ErrNotRefundable) {
		t.Fatalf("refund of an unpaid order: %v", err)
	}
	o := paidOrder(t) // 6060 fen
	first, err := o.Refund(6000, " 少发一件 ", "operator:a", t0)
	if err != nil || first.Status() != RefundProcessing || first.Reason() != "少发一件" {
		t.Fatalf("first: %v %+v", err, first)
	}
	if !regexp.MustCompile(`^RF20261123[0-9A-Za-z]{24}$`).MatchString(first.OutRefundNo()) {
		t.Fatalf("out_refund_no %q", first.OutRefundNo())
	}
	e := o.TakeEffects()
	if len(e.Refunds) != 1 || len(e.Jobs) != 1 || e.Jobs[0].Kind != JobSubmitRefund || e.Jobs[0].RefundNo != first.OutRefundNo() {
		t.Fatalf("effects %+v", e)
	}
	// PROCESSING counts against what is left.
	if _, err := o.Refund(61, "", "operator:a", t0); !errors.Is(err, ErrRefundTooLarge) {
		t.Fatalf("over-refund: %v", err)
	}
	for name, c := range map[string]struct {
		amount int64
		reason string
	}{"zero": {0, ""}, "negative": {-5, ""}, "long reason": {1, strings.Repeat("长", 81)}} {
		var inv *InvalidError
		if _, err := o.Refund(c.amount, c.reason, "operator:a", t0); !errors.As(err, &inv) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A CLOSED refund gives its amount back to what can be refunded.
	if err := o.ApplyRefundReport(report(o, first, RefundClosed), merchant, t0); err != nil || first.Status() != RefundClosed {
		t.Fatal(err, first.Status())
	}
	if _, err := o.Refund(6060, "", "operator:a", t0); err != nil {
		t.Fatalf("the closed refund still holds its amount: %v", err)
	}
}

func TestRefundReportsApplyOnceAndOnlyWhatMatches(t *testing.T) {
	o := paidOrder(t)
	r, _ := o.Refund(1000, "", "operator:a", t0)
	cases := map[string]func(*RefundReport){
		"other mchid":     func(x *RefundReport) { x.MchID = "1234567890" },
		"other order":     func(x *RefundReport) { x.OutTradeNo = "someone-else" },
		"other amount":    func(x *RefundReport) { x.RefundFen++ },
		"other total":     func(x *RefundReport) { x.TotalFen-- },
		"other currency":  func(x *RefundReport) { x.Currency = "USD" },
		"unknown refund":  func(x *RefundReport) { x.OutRefundNo = "RF-nope" },
		"no success_time": func(x *RefundReport) { x.SuccessTime = time.Time{} },
		"unknown status":  func(x *RefundReport) { x.Status = "DONE" },
	}
	for name, mutate := range cases {
		rep := report(o, r, RefundSuccess)
		mutate(&rep)
		if v, _ := VerdictOf(o.ApplyRefundReport(rep, merchant, t0)); v != VerdictSuspicious || r.Status() != RefundProcessing || o.RefundedFen() != 0 {
			t.Errorf("%s: verdict %s, refund %s, refunded %d", name, v, r.Status(), o.RefundedFen())
		}
	}
	if v, _ := VerdictOf(o.ApplyRefundReport(report(o, r, RefundProcessing), merchant, t0)); v != VerdictDuplicate {
		t.Fatalf("still processing: %s", v)
	}
	if v, _ := VerdictOf(o.ApplyRefundReport(report(o, r, RefundSuccess), merchant, t0)); v != VerdictApplied || o.RefundedFen() != 1000 || o.Status() != OrderPaid {
		t.Fatalf("success: %s, refunded %d, %s", v, o.RefundedFen(), o.Status())
	}
	if v, _ := VerdictOf(o.ApplyRefundReport(report(o, r, RefundSuccess), merchant, t0)); v != VerdictDuplicate || o.RefundedFen() != 1000 {
		t.Fatalf("success again: %s, refunded %d", v, o.RefundedFen())
	}
	if v, _ := VerdictOf(o.ApplyRefundReport(report(o, r, RefundClosed), merchant, t0)); v != VerdictSuspicious || r.Status() != RefundSuccess {
		t.Fatalf("closed after success: %s %s", v, r.Status())
	}
	// The rest, refunded in full: the order is refunded.
	rest, err := o.Refund(o.TotalFen()-1000, "", "system", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.ApplyRefundReport(report(o, rest, RefundSuccess), merchant, t0); err != nil || o.Status() != OrderRefunded || o.RefundedFen() != o.TotalFen() {
		t.Fatalf("fully refunded: %v %s %d", err, o.Status(), o.RefundedFen())
	}
	if _, err := o.Refund(1, "", "operator:a", t0); !errors.Is(err, ErrNotRefundable) {
		t.Fatalf("refund of a refunded order: %v", err)
	}
}

func TestAbnormalAndRefusedRefundsAskAPerson(t *testing.T) {
	o := paidOrder(t)
	a, _ := o.Refund(100, "", "operator:a", t0)
	b, _ := o.Refund(200, "", "operator:a", t0)
	o.TakeEffects()
	if err := o.ApplyRefundReport(report(o, a, RefundAbnormal), merchant, t0); err != nil {
		t.Fatal(err)
	}
	if err := o.CloseRefundWeChatNeverHad(b.OutRefundNo(), "INVALID_REQUEST", t0); err != nil || b.Status() != RefundClosed ||
		!strings.Contains(b.Failure(), "INVALID_REQUEST") {
		t.Fatal(err, b.Status(), b.Failure())
	}
	e := o.TakeEffects()
	if len(e.Attention) != 2 || e.Attention[0].Kind != AttentionRefundAbnormal || e.Attention[1].Kind != AttentionRefundFailed ||
		e.Attention[0].OutRefundNo != a.OutRefundNo() || e.Attention[1].OutRefundNo != b.OutRefundNo() {
		t.Fatalf("attention %+v", e.Attention)
	}
	if len(e.Refunds) != 2 {
		t.Fatalf("changed refunds %d, want 2", len(e.Refunds))
	}
	// WeChat sends nothing more about an ABNORMAL refund: it is checked daily.
	if len(e.Jobs) != 1 || e.Jobs[0].Kind != JobCheckRefund || e.Jobs[0].RefundNo != a.OutRefundNo() || !e.Jobs[0].RunAt.Equal(t0.Add(SlowRefundCheck)) {
		t.Fatalf("jobs %+v", e.Jobs)
	}
	// A person finished the ABNORMAL one through WeChat: it ends SUCCESS,
	// and its item resolves itself.
	if err := o.ApplyRefundReport(report(o, a, RefundSuccess), merchant, t0); err != nil || a.Status() != RefundSuccess || o.RefundedFen() != 100 {
		t.Fatalf("abnormal → success: %v %s %d", err, a.Status(), o.RefundedFen())
	}
	if e := o.TakeEffects(); !resolves(e, AttentionRefundAbnormal, a.OutRefundNo()) {
		t.Fatalf("abnormal item not resolved: %+v", e.Resolved)
	}
	if v, _ := VerdictOf(o.ApplyRefundReport(report(o, b, RefundSuccess), merchant, t0)); v != VerdictSuspicious {
		t.Fatalf("a refund WeChat refused reported SUCCESS: %s", v)
	}
}

func TestPaymentOfARefundedOrderIsADuplicate(t *testing.T) {
	o := paidOrder(t)
	r, _ := o.Refund(o.TotalFen(), "", "system", t0)
	if err := o.ApplyRefundReport(report(o, r, RefundSuccess), merchant, t0); err != nil {
		t.Fatal(err)
	}
	if v, _ := VerdictOf(o.ConfirmPaid(paidTxn(o), merchant, t0)); v != VerdictDuplicate || o.Status() != OrderRefunded {
		t.Fatalf("%s %s", v, o.Status())
	}
}

func resolves(e Effects, kind AttentionKind, outRefundNo string) bool {
	for _, r := range e.Resolved {
		if r.Kind == kind && r.OutRefundNo == outRefundNo {
			return true
		}
	}
	return false
}

func flags(e Effects, kind AttentionKind, outRefundNo string) bool {
	for _, a := range e.Attention {
		if a.Kind == kind && a.OutRefundNo == outRefundNo {
			return true
		}
	}
	return false
}

// Defect: a PROCESSING answer sent before the refund ended and delivered
// after it was judged suspicious and opened refund_reported.
func TestProcessingAfterTheEndIsADuplicate(t *testing.T) {
	for _, end := range []RefundStatus{RefundSuccess, RefundClosed, RefundAbnormal} {
		o := paidOrder(t)
		r, _ := o.Refund(100, "", "operator:a", t0)
		if err := o.ApplyRefundReport(report(o, r, end), merchant, t0); err != nil {
			t.Fatal(err)
		}
		o.TakeEffects()
		if v, _ := VerdictOf(o.ApplyRefundReport(report(o, r, RefundProcessing), merchant, t0)); v != VerdictDuplicate || r.Status() != end {
			t.Errorf("PROCESSING after %s: %s, refund %s", end, v, r.Status())
		}
	}
}

// Defect: two refunds' problems on one order were one item (unique per
// order and kind); each refund is its own subject.
func TestEachRefundIsItsOwnSubject(t *testing.T) {
	o := paidOrder(t)
	a, _ := o.Refund(100, "", "operator:a", t0)
	b, _ := o.Refund(200, "", "operator:a", t0)
	o.TakeEffects()
	for _, r := range []*Refund{a, b} {
		if err := o.ApplyRefundReport(report(o, r, RefundAbnormal), merchant, t0); err != nil {
			t.Fatal(err)
		}
	}
	e := o.TakeEffects()
	if !flags(e, AttentionRefundAbnormal, a.OutRefundNo()) || !flags(e, AttentionRefundAbnormal, b.OutRefundNo()) || len(e.Attention) != 2 {
		t.Fatalf("attention %+v", e.Attention)
	}
}

// Defect: an operator's refund that WeChat closed only changed its status.
func TestAClosedOperatorRefundAsksAPerson(t *testing.T) {
	o := paidOrder(t)
	r, _ := o.Refund(100, "", "operator:a", t0)
	o.TakeEffects()
	if err := o.ApplyRefundReport(report(o, r, RefundClosed), merchant, t0); err != nil {
		t.Fatal(err)
	}
	e := o.TakeEffects()
	if !flags(e, AttentionRefundFailed, r.OutRefundNo()) || len(e.Jobs) != 0 {
		t.Fatalf("effects %+v", e)
	}
}

func latePaid(t *testing.T) *Order {
	t.Helper()
	o := cancelled(t)
	o.TakeEffects()
	if v, _ := VerdictOf(o.ConfirmPaid(paidTxn(o), merchant, t0)); v != VerdictLate {
		t.Fatalf("late payment: %s", v)
	}
	return o
}

// A late payment is on the attention list from the moment it is found
// until its refund succeeds; the service's refund is audited; a refund
// WeChat closes is asked for again with a new number, a bounded number of
// times, and then a person is asked.
func TestALatePaymentEndsRefundedOrWithAPerson(t *testing.T) {
	o := latePaid(t)
	if e := o.TakeEffects(); !flags(e, AttentionLatePayment, "") {
		t.Fatalf("no late_payment item with the payment: %+v", e.Attention)
	}
	first, err := o.Refund(o.TotalFen(), lateRefundReason, SystemActor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if e := o.TakeEffects(); len(e.Audits) != 1 || e.Audits[0].KeyID != SystemActor || e.Audits[0].Detail["out_refund_no"] != first.OutRefundNo() {
		t.Fatalf("the system's refund is not audited: %+v", e.Audits)
	}
	seen := map[string]bool{first.OutRefundNo(): true}
	r := first
	for try := 1; try <= MaxLateRefundAttempts; try++ {
		if err := o.ApplyRefundReport(report(o, r, RefundClosed), merchant, t0); err != nil {
			t.Fatal(err)
		}
		e := o.TakeEffects()
		last := o.Refunds()[len(o.Refunds())-1]
		if try < MaxLateRefundAttempts {
			if seen[last.OutRefundNo()] || last.Status() != RefundProcessing || last.AmountFen() != o.TotalFen() || last.RequestedBy() != SystemActor ||
				len(e.Jobs) != 1 || e.Jobs[0].Kind != JobSubmitRefund || e.Jobs[0].RefundNo != last.OutRefundNo() || len(e.Attention) != 0 {
				t.Fatalf("try %d: no new refund with a new number: %+v %+v", try, last.Snapshot(), e)
			}
			seen[last.OutRefundNo()] = true
			r = last
			continue
		}
		if last != r || !flags(e, AttentionRefundFailed, r.OutRefundNo()) || len(e.Jobs) != 0 {
			t.Fatalf("after %d closed refunds no person is asked: %+v", try, e)
		}
	}
	// Whoever refunds it in the end, its success resolves the item.
	o2 := latePaid(t)
	o2.TakeEffects()
	r2, _ := o2.Refund(o2.TotalFen(), lateRefundReason, SystemActor, t0)
	if err := o2.ApplyRefundReport(report(o2, r2, RefundSuccess), merchant, t0); err != nil || o2.Status() != OrderRefunded {
		t.Fatal(err, o2.Status())
	}
	e := o2.TakeEffects()
	if !resolves(e, AttentionLatePayment, "") || !strings.Contains(e.Resolved[len(e.Resolved)-1].Note, r2.OutRefundNo()) {
		t.Fatalf("late_payment not resolved naming the refund: %+v", e.Resolved)
	}
}

// Defect: a REFUND trade state for an order we still thought pending made
// it paid (shippable). It was paid and refunded elsewhere: refunded, not
// payable, its stock given back, and a person asked.
func TestRefundStateForAnUnpaidOrderIsPaidThenRefunded(t *testing.T) {
	for name, o := range map[string]*Order{"pending": pendingOrder(t), "cancelled": cancelled(t)} {
		o.TakeEffects()
		before := o.Status()
		txn := paidTxn(o)
		txn.State = TradeRefund
		if v, _ := VerdictOf(o.ConfirmPaid(txn, merchant, t0)); v != VerdictApplied || o.Status() != OrderRefunded || o.TransactionID() != txn.TransactionID {
			t.Fatalf("%s: %s %s", name, v, o.Status())
		}
		e := o.TakeEffects()
		if !flags(e, AttentionRefundReported, "") || len(e.Jobs) != 0 {
			t.Fatalf("%s: effects %+v", name, e)
		}
		if o.Payable(t0) == nil || o.BeginCancel(t0) == nil {
			t.Fatalf("%s: a refunded order is payable or cancellable", name)
		}
		if _, err := o.Refund(1, "", "operator:a", t0); !errors.Is(err, ErrNotRefundable) {
			t.Fatalf("%s: refundable: %v", name, err)
		}
		if ReleasesStock(before, o.Status()) != before.Open() {
			t.Fatalf("%s: stock released %v", name, ReleasesStock(before, o.Status()))
		}
		if v, _ := VerdictOf(o.ConfirmPaid(txn, merchant, t0)); v != VerdictDuplicate {
			t.Fatalf("%s: again: %s", name, v)
		}
	}
}

func TestYuanAndTheItemsEnglish(t *testing.T) {
	for fen, want := range map[int64]string{0: "¥0.00", 5: "¥0.05", 1280: "¥12.80", 100000000: "¥1000000.00", -150: "-¥1.50"} {
		if got := Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
	o := paidOrder(t)
	r, _ := o.Refund(500, "", "operator:a", t0)
	o.TakeEffects()
	if err := o.ApplyRefundReport(report(o, r, RefundAbnormal), merchant, t0); err != nil {
		t.Fatal(err)
	}
	a := o.TakeEffects().Attention[0]
	if a.Why != (Why{Reason: ReasonRefundAbnormal, AmountFen: 500, OutRefundNo: r.OutRefundNo()}) ||
		a.Detail != "refund "+r.OutRefundNo()+" of ¥5.00 could not reach the buyer (ABNORMAL): resolve it on the merchant platform" {
		t.Fatalf("%+v", a)
	}
}
