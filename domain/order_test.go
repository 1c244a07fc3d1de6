package domain

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

var merchant = Merchant{AppID: "wxapp", MchID: "1900000001"}

func pendingOrder(t *testing.T) *Order {
	t.Helper()
	o, err := NewOrder(uuid.New(), NewOutTradeNo(t0), []OrderLine{
		{ProductID: uuid.New(), Name: "茶", UnitPriceFen: 1280, Quantity: 2},
		{ProductID: uuid.New(), Name: "杯", UnitPriceFen: 3500, Quantity: 1},
	}, t0, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func paidTxn(o *Order) Transaction {
	return Transaction{
		AppID: merchant.AppID, MchID: merchant.MchID, OutTradeNo: o.OutTradeNo(), TransactionID: "4200000001",
		State: TradeSuccess, TotalFen: o.TotalFen(), Currency: "CNY", PayerOpenID: "o1", SuccessTime: t0.Add(time.Minute),
	}
}

func TestNewOrderTotalsInFenAndDescribes(t *testing.T) {
	o := pendingOrder(t)
	if o.TotalFen() != 2*1280+3500 || o.Status() != OrderPending || !o.ExpiresAt().Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("order %+v", o.Snapshot())
	}
	if o.Description() != "茶 等2件商品" {
		t.Fatalf("description %q", o.Description())
	}
	long, _ := NewOrder(uuid.New(), "x", []OrderLine{{ProductID: uuid.New(), Name: strings.Repeat("长", 200), UnitPriceFen: 1, Quantity: 1}}, t0, time.Minute)
	if n := len([]rune(long.Description())); n > 127 {
		t.Fatalf("description of %d characters, WeChat allows 127", n)
	}
	if _, err := NewOrder(uuid.New(), "x", nil, t0, time.Minute); err == nil {
		t.Fatal("empty order accepted")
	}
	if _, err := NewOrder(uuid.New(), "x", []OrderLine{{UnitPriceFen: 0, Quantity: 1}}, t0, time.Minute); err == nil {
		t.Fatal("free line accepted")
	}
}

func TestConfirmPaidAppliesOnceAndOnlyWhatMatches(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Transaction)
		reason string
	}{
		{"other appid", func(x *Transaction) { x.AppID = "wxother" }, "appid"},
		{"other mchid", func(x *Transaction) { x.MchID = "1" }, "mchid"},
		{"other order", func(x *Transaction) { x.OutTradeNo = "someone-else" }, "out_trade_no"},
		{"not success", func(x *Transaction) { x.State = TradeNotPay }, "trade_state"},
		{"short amount", func(x *Transaction) { x.TotalFen-- }, "amount"},
		{"extra amount", func(x *Transaction) { x.TotalFen++ }, "amount"},
		{"other currency", func(x *Transaction) { x.Currency = "USD" }, "currency"},
		{"no transaction id", func(x *Transaction) { x.TransactionID = "" }, "transaction_id"},
	}
	for _, c := range cases {
		o := pendingOrder(t)
		txn := paidTxn(o)
		c.mutate(&txn)
		v, reason := VerdictOf(o.ConfirmPaid(txn, merchant))
		if v != VerdictSuspicious || !strings.Contains(reason, c.reason) || o.Status() != OrderPending {
			t.Errorf("%s: verdict %s %q, status %s", c.name, v, reason, o.Status())
		}
	}

	o := pendingOrder(t)
	txn := paidTxn(o)
	if v, _ := VerdictOf(o.ConfirmPaid(txn, merchant)); v != VerdictApplied || o.Status() != OrderPaid ||
		o.TransactionID() != txn.TransactionID || !o.PaidAt().Equal(txn.SuccessTime) {
		t.Fatalf("applied: %s %+v", v, o.Snapshot())
	}
	if v, _ := VerdictOf(o.ConfirmPaid(txn, merchant)); v != VerdictDuplicate {
		t.Fatalf("same transaction again: %s", v)
	}
	second := txn
	second.TransactionID = "4200000002"
	if v, _ := VerdictOf(o.ConfirmPaid(second, merchant)); v != VerdictSuspicious || o.TransactionID() != txn.TransactionID {
		t.Fatalf("second payment: %s, transaction %s", v, o.TransactionID())
	}
}

func TestPaymentForCancelledOrderIsSuspicious(t *testing.T) {
	o := pendingOrder(t)
	if err := o.Cancel(); err != nil {
		t.Fatal(err)
	}
	if v, _ := VerdictOf(o.ConfirmPaid(paidTxn(o), merchant)); v != VerdictSuspicious || o.Status() != OrderCancelled {
		t.Fatalf("verdict %s status %s", v, o.Status())
	}
}

func TestOrderTransitions(t *testing.T) {
	o := pendingOrder(t)
	if o.Payable(t0) != nil || o.Payable(o.ExpiresAt()) == nil {
		t.Fatal("payable window wrong")
	}
	if err := o.Expire(o.ExpiresAt().Add(-time.Second)); err == nil {
		t.Fatal("expired before its time")
	}
	if err := o.Expire(o.ExpiresAt()); err != nil || o.Status() != OrderExpired {
		t.Fatalf("expire: %v %s", err, o.Status())
	}
	if err := o.Cancel(); err != nil || o.Status() != OrderExpired {
		t.Fatal("cancelling an expired order changed it")
	}

	paid := pendingOrder(t)
	_ = paid.ConfirmPaid(paidTxn(paid), merchant)
	if err := paid.Cancel(); !errors.Is(err, ErrOrderNotCancellable) {
		t.Fatalf("cancel paid: %v", err)
	}
	if err := paid.Expire(paid.ExpiresAt()); err == nil || paid.Status() != OrderPaid {
		t.Fatal("a paid order expired")
	}
	if paid.Payable(t0) == nil {
		t.Fatal("a paid order is payable")
	}

	p := pendingOrder(t)
	if p.SetPrepayID("wx1") != nil || p.SetPrepayID("wx1") != nil || p.SetPrepayID("wx2") == nil {
		t.Fatal("prepay_id must be set once")
	}
}

func TestMergeLines(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	merged, err := mergeLines([]LineRequest{{a, 2}, {b, 1}, {a, 3}})
	if err != nil || len(merged) != 2 {
		t.Fatal(merged, err)
	}
	for _, l := range merged {
		if (l.ProductID == a && l.Quantity != 5) || (l.ProductID == b && l.Quantity != 1) {
			t.Fatalf("merged %+v", merged)
		}
	}
	if string(merged[0].ProductID[:]) > string(merged[1].ProductID[:]) {
		t.Fatal("lines not sorted by product id")
	}
	if h1, h2 := hashLines(merged), hashLines([]LineRequest{merged[0], {merged[1].ProductID, merged[1].Quantity + 1}}); string(h1) == string(h2) {
		t.Fatal("hash ignores quantities")
	}
	many := make([]LineRequest, MaxOrderLines+1)
	for i := range many {
		many[i] = LineRequest{uuid.New(), 1}
	}
	for name, lines := range map[string][]LineRequest{
		"empty": nil, "zero": {{a, 0}}, "too many of one": {{a, 60}, {a, 40}}, "too many lines": many,
	} {
		var inv *InvalidOrderError
		if _, err := mergeLines(lines); !errors.As(err, &inv) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestOutTradeNoShape(t *testing.T) {
	shape := regexp.MustCompile(`^20261123[0-9A-Za-z]{24}$`)
	seen := map[string]bool{}
	for range 1000 {
		n := NewOutTradeNo(t0)
		if !shape.MatchString(n) || seen[n] {
			t.Fatalf("out_trade_no %q (seen before: %v)", n, seen[n])
		}
		seen[n] = true
	}
}
