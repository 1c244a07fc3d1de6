package wechat

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

// The adapter reads the bill the emulator writes: two implementations of
// §15, built apart, agree on a day with a payment, a refunded payment and
// its refund, and a corrupted bill is refused.
func TestTradeBillFromEmulator(t *testing.T) {
	env := newPayEnvWith(t, emulator.SignWithPublicKey, func(c *emulator.PayConfig) { c.ManualRefunds = true })
	// The adapter asks once the Beijing day is over; the emulator is told
	// the day's bill is ready (its clock is real: signatures are checked
	// against the system clock).
	tomorrow := time.Now().Add(24 * time.Hour)
	p := env.pay(t, "public_key", func(c *PayConfig) { c.Now = time.Now })
	bills := env.pay(t, "public_key", func(c *PayConfig) { c.Now = func() time.Time { return tomorrow } })
	// Two payments on one Beijing day (a second pair if the first straddles
	// midnight there).
	var paid, refunded emulator.TransactionView
	var day string
	for try := 1; ; try++ {
		paid = env.paidOrder(t, p, fmt.Sprintf("ORDER_bill-%d-1", try))
		refunded = env.paidOrder(t, p, fmt.Sprintf("ORDER_bill-%d-2", try))
		day = paid.SuccessTime.In(domain.Beijing).Format(time.DateOnly)
		if refunded.SuccessTime.In(domain.Beijing).Format(time.DateOnly) == day {
			break
		}
	}
	if _, err := bills.TradeBill(t.Context(), day, func(domain.BillLine) error { return nil }); !errors.Is(err, domain.ErrBillNotReady) {
		t.Fatalf("before the bill is made: %v", err)
	}
	rep, err := p.CreateRefund(t.Context(), domain.RefundRequest{OutTradeNo: refunded.OutTradeNo, OutRefundNo: "RF_bill-1", RefundFen: 500, TotalFen: refunded.Total})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.emu.MakeBillReady(day); err != nil {
		t.Fatal(err)
	}
	var lines []domain.BillLine
	sum, err := bills.TradeBill(t.Context(), day, func(l domain.BillLine) error { lines = append(lines, l); return nil })
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]domain.BillLine{}
	for _, l := range lines {
		byKey[string(l.Kind)+" "+l.OutTradeNo+" "+l.OutRefundNo] = l
	}
	for _, want := range []domain.BillLine{
		{Kind: domain.BillPayment, OutTradeNo: paid.OutTradeNo, TransactionID: paid.TransactionID, SettledFen: paid.Total, OrderFen: paid.Total},
		{Kind: domain.BillPayment, OutTradeNo: refunded.OutTradeNo, TransactionID: refunded.TransactionID, SettledFen: refunded.Total, OrderFen: refunded.Total},
		{Kind: domain.BillRefund, OutTradeNo: refunded.OutTradeNo, TransactionID: refunded.TransactionID, OutRefundNo: "RF_bill-1", RefundID: rep.RefundID, AskedFen: 500},
	} {
		got, ok := byKey[string(want.Kind)+" "+want.OutTradeNo+" "+want.OutRefundNo]
		if !ok || got.TransactionID != want.TransactionID || got.SettledFen != want.SettledFen || got.OrderFen != want.OrderFen ||
			got.RefundID != want.RefundID || got.AskedFen != want.AskedFen || got.MchID != env.keys.MchID || got.AppID != testAppID {
			t.Errorf("line %s %s %s: %+v (found %v)", want.Kind, want.OutTradeNo, want.OutRefundNo, got, ok)
		}
	}
	if len(lines) != 3 || sum.Trades != 3 || sum.SettledFen != paid.Total+refunded.Total {
		t.Fatalf("%d lines, summary %+v", len(lines), sum)
	}

	if err := env.emu.InjectFault(emulator.Fault{Endpoint: emulator.TradeBill, BillCorrupt: emulator.BillWrongHash}); err != nil {
		t.Fatal(err)
	}
	var be *domain.BillError
	if _, err := bills.TradeBill(t.Context(), day, func(domain.BillLine) error { return nil }); !errors.As(err, &be) || be.LineNo != 0 {
		t.Fatalf("a bill whose SHA1 does not match: %v", err)
	}
}
