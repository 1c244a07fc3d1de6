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
	if err := o.RefuseRefund(b.OutRefundNo(), "INVALID_REQUEST", t0); err != nil || b.Status() != RefundClosed || b.Failure() != "INVALID_REQUEST" {
		t.Fatal(err, b.Status())
	}
	e := o.TakeEffects()
	if len(e.Attention) != 2 || e.Attention[0].Kind != AttentionRefundAbnormal || e.Attention[1].Kind != AttentionRefundFailed {
		t.Fatalf("attention %+v", e.Attention)
	}
	if len(e.Refunds) != 2 {
		t.Fatalf("changed refunds %d, want 2", len(e.Refunds))
	}
	// A person finished the ABNORMAL one through WeChat: it ends SUCCESS.
	if err := o.ApplyRefundReport(report(o, a, RefundSuccess), merchant, t0); err != nil || a.Status() != RefundSuccess || o.RefundedFen() != 100 {
		t.Fatalf("abnormal → success: %v %s %d", err, a.Status(), o.RefundedFen())
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
