package wxpay

import (
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

func TestBillFeeRounding(t *testing.T) {
	for fen, want := range map[int64]int64{1: 0, 83: 0, 84: 1, 100: 1, 250: 2, 600: 4, 10000: 60} {
		if got := BillFee(fen); got != want {
			t.Errorf("BillFee(%d) = %d, want %d", fen, got, want)
		}
	}
	for v, want := range map[int64]string{0: "0.00000", 4000: "0.04000", -4000: "-0.04000", 123456: "1.23456", -5: "-0.00005"} {
		if got := feeYuan(v); got != want {
			t.Errorf("feeYuan(%d) = %s, want %s", v, got, want)
		}
	}
	if got := yuan(-1234); got != "-12.34" {
		t.Errorf("yuan(-1234) = %s", got)
	}
}

// TestBillDayCut: payments by success time and refunds by creation time,
// the day cut at 00:00 Beijing (16:00 UTC).
func TestBillDayCut(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	late := &transaction{order: order{outTradeNo: "late", total: 100}, state: tradeRefund, transactionID: "4201", successTime: at("2025-03-01T15:59:59Z")}
	late.refunds = []*refund{{txn: late, refundID: "5001", amount: 100, status: RefundSuccess, createTime: at("2025-03-01T16:00:00Z")}}
	early := &transaction{order: order{outTradeNo: "early", total: 100}, state: tradeSuccess, transactionID: "4202", successTime: at("2025-03-01T16:00:00Z")}
	unpaid := &transaction{order: order{outTradeNo: "unpaid", total: 100}, state: tradeNotPay}
	e := &Server{txns: map[string]*transaction{"late": late, "early": early, "unpaid": unpaid}}
	day := func(date, billType string) []string {
		start, end, err := billDay(date)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range e.billLinesLocked(start, end, billType) {
			got = append(got, l.txn.outTradeNo+"/"+l.refundID())
		}
		return got
	}
	check := func(got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("lines %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("lines %v, want %v", got, want)
			}
		}
	}
	check(day("2025-03-01", BillAll), "late/")
	check(day("2025-03-02", BillAll), "early/", "late/5001")
	check(day("2025-03-02", BillSuccess), "early/")
	check(day("2025-03-02", BillRefund), "late/5001")
	check(day("2025-02-28", BillAll))
	if _, _, err := billDay("2025-2-28"); err == nil {
		t.Error("2025-2-28 accepted")
	}
}

// BillWrongAmount writes the line as a payment of one fen more, fee
// included: 0.83 pays no fee, 0.84 pays 0.01.
func TestBillWrongAmountMovesTheFee(t *testing.T) {
	paidAt := time.Date(2025, 3, 1, 12, 0, 0, 0, wxshared.CST)
	txn := &transaction{order: order{outTradeNo: "fee-0001", total: 83, currency: "CNY"}, state: tradeSuccess, transactionID: "4201", successTime: paidAt}
	lines := spoilBillLines([]billLine{{at: paidAt, txn: txn}}, wxshared.Fault{BillCorrupt: wxshared.BillWrongAmount})
	got := string(renderBill(BillSuccess, lines))
	if !strings.Contains(got, ",`0.84,`0.00,") || !strings.HasSuffix(got, "`1,`0.84,`0.01000,`0.84\r\n") {
		t.Fatalf("bill:\n%s", got)
	}
	if txn.total != 83 {
		t.Fatalf("the fault changed the transaction: %d", txn.total)
	}
}
