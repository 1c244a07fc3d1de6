package domain

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestBillLinesAreComparedWithTheBooks(t *testing.T) {
	order := uuid.Must(uuid.NewV7())
	paid := &BookedPayment{OrderID: order, OutTradeNo: "T1", TransactionID: "4200001", TotalFen: 600, Status: OrderPaid}
	payLine := func(mod func(*BillLine)) *BillLine {
		l := &BillLine{LineNo: 2, Kind: BillPayment, OutTradeNo: "T1", TransactionID: "4200001", TradeState: "SUCCESS", OrderFen: 600}
		if mod != nil {
			mod(l)
		}
		return l
	}
	refund := &BookedRefund{OrderID: order, OutTradeNo: "T1", OutRefundNo: "RF1", RefundID: "5000001", AmountFen: 100, Status: RefundSuccess}
	refundLine := func(mod func(*BillLine)) *BillLine {
		l := &BillLine{LineNo: 3, Kind: BillRefund, OutTradeNo: "T1", TransactionID: "4200001", TradeState: "REFUND",
			OutRefundNo: "RF1", RefundID: "5000001", AskedFen: 100, RefundFen: 100, RefundStatus: "SUCCESS"}
		if mod != nil {
			mod(l)
		}
		return l
	}
	for _, c := range []struct {
		name string
		m    BillMatch
		want BillDiffKind // "" for none
	}{
		{"honest payment", BillMatch{Line: payLine(nil), OrderID: order, Payment: paid}, ""},
		{"honest refund", BillMatch{Line: refundLine(nil), OrderID: order, Refund: refund}, ""},
		{"refund still processing in the bill", BillMatch{Line: refundLine(func(l *BillLine) { l.RefundStatus = "PROCESSING" }), Refund: refund}, ""},
		{"refund id not yet known here", BillMatch{Line: refundLine(nil), Refund: &BookedRefund{OutTradeNo: "T1", OutRefundNo: "RF1", AmountFen: 100, Status: RefundSuccess}}, ""},
		{"no order", BillMatch{Line: payLine(nil)}, DiffMissingHere},
		{"order never seen paid", BillMatch{Line: payLine(nil), OrderID: order,
			Payment: &BookedPayment{OrderID: order, OutTradeNo: "T1", TotalFen: 600, Status: OrderExpired}}, DiffMissingHere},
		{"other transaction", BillMatch{Line: payLine(func(l *BillLine) { l.TransactionID = "4200009" }), Payment: paid}, DiffTransaction},
		{"other amount", BillMatch{Line: payLine(func(l *BillLine) { l.OrderFen = 601 }), Payment: paid}, DiffAmount},
		{"revoked", BillMatch{Line: payLine(func(l *BillLine) { l.TradeState = "REVOKED" }), Payment: paid}, DiffState},
		{"a second line", BillMatch{Line: payLine(nil), Repeat: true, Payment: paid}, DiffDuplicate},
		{"unknown refund", BillMatch{Line: refundLine(nil), OrderID: order}, DiffMissingHere},
		{"refund of another order", BillMatch{Line: refundLine(func(l *BillLine) { l.OutTradeNo = "T2" }), Refund: refund}, DiffTransaction},
		{"other refund id", BillMatch{Line: refundLine(func(l *BillLine) { l.RefundID = "5000009" }), Refund: refund}, DiffTransaction},
		{"refund amount", BillMatch{Line: refundLine(func(l *BillLine) { l.AskedFen = 90 }), Refund: refund}, DiffAmount},
		{"bill SUCCESS, ours CLOSED", BillMatch{Line: refundLine(nil), Refund: &BookedRefund{OutTradeNo: "T1", OutRefundNo: "RF1", AmountFen: 100, Status: RefundClosed}}, DiffState},
		{"bill CLOSED, ours SUCCESS", BillMatch{Line: refundLine(func(l *BillLine) { l.RefundStatus = "CLOSED" }), Refund: refund}, DiffState},
		{"duplicate refund line", BillMatch{Line: refundLine(nil), Repeat: true, Refund: refund}, DiffDuplicate},
		{"our payment the bill lacks", BillMatch{OrderID: order, Payment: paid}, DiffMissingAtWeChat},
		{"our refund the bill lacks", BillMatch{OrderID: order, Refund: refund}, DiffMissingAtWeChat},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, ok := c.m.Compare()
			switch {
			case c.want == "" && ok:
				t.Fatalf("found %s: %s", d.Kind, d.English())
			case c.want != "" && (!ok || d.Kind != c.want):
				t.Fatalf("want %s, got %v %+v", c.want, ok, d)
			case ok && d.English() == "":
				t.Fatal("a difference that says nothing")
			}
		})
	}
}

func TestAnUnexplainedDifferenceIsAboutItsSubject(t *testing.T) {
	d := BillDifference{Day: "2026-12-04", Kind: DiffMissingHere, Subject: SubjectRefund, OutTradeNo: "T1", OutRefundNo: "RF9",
		LineNo: 7, WeChatFen: 250, WeChat: "SUCCESS", Ours: "no refund"}
	a := d.attention("WeChat Pay's query says SUCCESS", t0)
	if a.Kind != AttentionBillDifference || a.OrderID != uuid.Nil || a.OutTradeNo != "T1" || a.OutRefundNo != "RF9" ||
		a.Why.AmountFen != 250 || a.Why.Reason != ReasonBillDifference || a.Detail == "" {
		t.Fatalf("item %+v", a)
	}
	if got := d.English(); got != "the bill of 2026-12-04 (line 7) shows a refund RF9 of out_trade_no T1 of ¥2.50 (SUCCESS) that our books do not have (no refund)" {
		t.Fatal(got)
	}
}

func TestBillDays(t *testing.T) {
	for _, bad := range []string{"", "2026-13-01", "2026-02-30", "20261204", "2026-12-04T00:00:00Z"} {
		if _, err := BillDayStart(bad); err == nil {
			t.Errorf("%q accepted as a day", bad)
		}
	}
	start, err := BillDayStart("2026-12-05")
	if err != nil || start.UTC().Format("2006-01-02 15:04") != "2026-12-04 16:00" {
		t.Fatalf("start %v %v", start.UTC(), err)
	}
	if BillDayOf(start.Add(-1)) != "2026-12-04" || BillDayOf(start) != "2026-12-05" {
		t.Fatal("the day cut is not Beijing midnight")
	}
}

// dueStore answers BillDays from a fixed list; nothing else is asked.
type dueStore struct {
	BillChecks
	days []BillDay
}

func (s dueStore) BillDays(_ context.Context, before string, limit int) ([]BillDay, error) {
	var out []BillDay
	for _, d := range s.days { // newest first
		if d.Day < before && len(out) < limit {
			out = append(out, d)
		}
	}
	return out, nil
}

func TestDailyRunsCatchUpOnDaysNotReconciled(t *testing.T) {
	now := time.Date(2026, 12, 10, 2, 30, 0, 0, time.UTC) // 10:30 on the 10th in Beijing
	due := func(days ...BillDay) []string {
		u := &CheckBill{store: dueStore{days: days}, now: func() time.Time { return now }}
		got, err := u.DueDays(context.Background(), 7)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := due(); !slices.Equal(got, []string{"2026-12-09"}) {
		t.Fatalf("first run ever: %v (days before it may be another system's)", got)
	}
	if got := due(BillDay{Day: "2026-12-09", Status: BillBalanced}); len(got) != 0 {
		t.Fatalf("yesterday done: %v", got)
	}
	got := due(BillDay{Day: "2026-12-08", Status: BillWaiting}, BillDay{Day: "2026-12-06", Status: BillUnbalanced},
		BillDay{Day: "2026-12-05", Status: BillFailed}, BillDay{Day: "2026-12-03", Status: BillBalanced})
	// the 4th and 7th were never run (the service was down at the hour);
	// the 6th waits for a person, not for a run; the 2nd is out of the window.
	if want := []string{"2026-12-04", "2026-12-05", "2026-12-07", "2026-12-08", "2026-12-09"}; !slices.Equal(got, want) {
		t.Fatalf("due %v, want %v", got, want)
	}
}
