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
	o, err := NewOrder(uuid.New(), "o1", NewOutTradeNo(t0), []OrderLine{
		{ProductID: uuid.New(), Name: "茶", UnitPriceFen: 1280, Quantity: 2},
		{ProductID: uuid.New(), Name: "杯", UnitPriceFen: 3500, Quantity: 1},
	}, nil, t0, 30*time.Minute, DefaultReconcilePolicy().Checks)
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
	long, _ := NewOrder(uuid.New(), "o1", "x", []OrderLine{{ProductID: uuid.New(), Name: strings.Repeat("长", 200), UnitPriceFen: 1, Quantity: 1}}, nil, t0, time.Minute, nil)
	if n := len([]rune(long.Description())); n > 127 {
		t.Fatalf("description of %d characters, WeChat allows 127", n)
	}
	if _, err := NewOrder(uuid.New(), "o1", "x", nil, nil, t0, time.Minute, nil); err == nil {
		t.Fatal("empty order accepted")
	}
	if _, err := NewOrder(uuid.New(), "o1", "x", []OrderLine{{UnitPriceFen: 0, Quantity: 1}}, nil, t0, time.Minute, nil); err == nil {
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
		{"no currency", func(x *Transaction) { x.Currency = "" }, "currency"},
		{"other payer", func(x *Transaction) { x.PayerOpenID = "o-someone-else" }, "payer"},
		{"no payer", func(x *Transaction) { x.PayerOpenID = "" }, "payer"},
		{"no transaction id", func(x *Transaction) { x.TransactionID = "" }, "transaction_id"},
		{"no success_time", func(x *Transaction) { x.SuccessTime = time.Time{} }, "success_time"},
	}
	for _, c := range cases {
		o := pendingOrder(t)
		txn := paidTxn(o)
		c.mutate(&txn)
		v, reason := VerdictOf(o.ConfirmPaid(txn, merchant, t0))
		if v != VerdictSuspicious || !strings.Contains(reason, c.reason) || o.Status() != OrderPending {
			t.Errorf("%s: verdict %s %q, status %s", c.name, v, reason, o.Status())
		}
	}

	o := pendingOrder(t)
	txn := paidTxn(o)
	if v, _ := VerdictOf(o.ConfirmPaid(txn, merchant, t0)); v != VerdictApplied || o.Status() != OrderPaid ||
		o.TransactionID() != txn.TransactionID || !o.PaidAt().Equal(txn.SuccessTime) {
		t.Fatalf("applied: %s %+v", v, o.Snapshot())
	}
	if v, _ := VerdictOf(o.ConfirmPaid(txn, merchant, t0)); v != VerdictDuplicate {
		t.Fatalf("same transaction again: %s", v)
	}
	second := txn
	second.TransactionID = "4200000002"
	if v, _ := VerdictOf(o.ConfirmPaid(second, merchant, t0)); v != VerdictSuspicious || o.TransactionID() != txn.TransactionID {
		t.Fatalf("second payment: %s, transaction %s", v, o.TransactionID())
	}
}

func TestNewOrderSchedulesItsJobs(t *testing.T) {
	o := pendingOrder(t)
	e := o.TakeEffects()
	jobs, items := e.Jobs, e.Attention
	want := []Job{
		{Kind: JobCheckOrder, OrderID: o.ID(), RunAt: t0.Add(time.Minute)}, {Kind: JobCheckOrder, OrderID: o.ID(), RunAt: t0.Add(5 * time.Minute)},
		{Kind: JobCheckOrder, OrderID: o.ID(), RunAt: t0.Add(15 * time.Minute)}, {Kind: JobSettleOrder, OrderID: o.ID(), RunAt: o.ExpiresAt()},
	}
	if len(items) != 0 || len(jobs) != len(want) {
		t.Fatalf("jobs %+v, items %+v", jobs, items)
	}
	for i := range want {
		if jobs[i].Kind != want[i].Kind || jobs[i].OrderID != want[i].OrderID || !jobs[i].RunAt.Equal(want[i].RunAt) {
			t.Errorf("job %d: %+v, want %+v", i, jobs[i], want[i])
		}
	}
	if j := o.TakeEffects().Jobs; len(j) != 0 {
		t.Fatal("effects are handed out twice")
	}
	short, _ := NewOrder(uuid.New(), "o1", "x", o.Lines(), nil, t0, 3*time.Minute, DefaultReconcilePolicy().Checks)
	if j := short.TakeEffects().Jobs; len(j) != 2 || j[0].Kind != JobCheckOrder || j[1].Kind != JobSettleOrder {
		t.Fatalf("a 3-minute order: %+v (checks after expiry are pointless)", j)
	}
	if !o.NextCheckAt().Equal(o.ExpiresAt()) {
		t.Fatalf("first settle attempt at %s", o.NextCheckAt())
	}
}

func cancelled(t *testing.T) *Order {
	t.Helper()
	o := pendingOrder(t)
	if err := o.BeginCancel(t0); err != nil || o.Status() != OrderClosing {
		t.Fatalf("begin cancel: %v %s", err, o.Status())
	}
	if err := o.FinishClose(); err != nil || o.Status() != OrderCancelled {
		t.Fatalf("finish close: %v %s", err, o.Status())
	}
	return o
}

func TestLatePaymentIsRecordedAndHandedToAJob(t *testing.T) {
	for name, o := range map[string]*Order{"cancelled": cancelled(t), "expired": func() *Order {
		o := pendingOrder(t)
		if err := o.ExpireUnpaid(o.ExpiresAt()); err != nil {
			t.Fatal(err)
		}
		return o
	}()} {
		o.TakeEffects()
		txn := paidTxn(o)
		v, _ := VerdictOf(o.ConfirmPaid(txn, merchant, t0.Add(time.Hour)))
		if v != VerdictLate || o.Status() != OrderLatePaid || o.TransactionID() != txn.TransactionID || !o.PaidAt().Equal(txn.SuccessTime) {
			t.Fatalf("%s: verdict %s, %+v", name, v, o.Snapshot())
		}
		jobs := o.TakeEffects().Jobs
		if len(jobs) != 1 || jobs[0].Kind != JobLatePayment || !jobs[0].RunAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("%s: jobs %+v", name, jobs)
		}
		if v, _ := VerdictOf(o.ConfirmPaid(txn, merchant, t0)); v != VerdictDuplicate {
			t.Fatalf("%s: the same late payment again: %s", name, v)
		}
		if err := o.BeginCancel(t0); !errors.Is(err, errAlreadyEnded) {
			t.Fatalf("%s: cancel a late-paid order: %v", name, err)
		}
	}
}

func TestCancelGoesThroughClosing(t *testing.T) {
	o := pendingOrder(t)
	o.TakeEffects()
	if err := o.BeginCancel(t0); err != nil || o.Status() != OrderClosing {
		t.Fatal(err, o.Status())
	}
	if jobs := o.TakeEffects().Jobs; len(jobs) != 1 || jobs[0].Kind != JobSettleOrder || !jobs[0].RunAt.Equal(t0.Add(closingRecheck)) {
		t.Fatalf("a closing order must be looked at again if the close never finishes: %+v", jobs)
	}
	if o.Payable(t0) == nil || o.AttachPrepay("wx1", t0) == nil {
		t.Fatal("a closing order is payable")
	}
	if err := o.BeginCancel(t0); err != nil || o.Status() != OrderClosing {
		t.Fatal("cancel again while closing:", err)
	}
	// WeChat refused the close (not ORDERPAID): back to pending, payable.
	if err := o.AbortClose(); err != nil || o.Status() != OrderPending || o.Payable(t0) != nil {
		t.Fatal("abort close:", err, o.Status())
	}
	// A payment that wins the race against the close.
	if err := o.BeginCancel(t0); err != nil {
		t.Fatal(err)
	}
	if v, _ := VerdictOf(o.ConfirmPaid(paidTxn(o), merchant, t0)); v != VerdictApplied || o.Status() != OrderPaid {
		t.Fatalf("closing → paid: %s %s", v, o.Status())
	}
	if o.FinishClose() == nil || o.Status() != OrderPaid {
		t.Fatal("a paid order was closed")
	}
	if err := o.AbortClose(); err != nil || o.Status() != OrderPaid {
		t.Fatal("abort close changed a paid order")
	}
	if err := o.BeginCancel(t0); !errors.Is(err, ErrOrderNotCancellable) {
		t.Fatalf("cancel paid: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	o := pendingOrder(t)
	if o.Payable(t0) != nil || o.Payable(o.ExpiresAt()) == nil {
		t.Fatal("payable window wrong")
	}
	if err := o.ExpireUnpaid(o.ExpiresAt().Add(-time.Second)); err == nil {
		t.Fatal("expired before its time")
	}
	if err := o.beginExpire(o.ExpiresAt().Add(-time.Second)); err == nil {
		t.Fatal("closed for expiry before its time")
	}
	if err := o.beginExpire(o.ExpiresAt()); err != nil || o.Status() != OrderClosing || o.closeTo != OrderExpired {
		t.Fatal(err, o.Status())
	}
	if err := o.ExpireUnpaid(o.ExpiresAt()); err != nil || o.Status() != OrderExpired || !o.NextCheckAt().IsZero() {
		t.Fatalf("expire: %v %s", err, o.Status())
	}
	if err := o.BeginCancel(t0); !errors.Is(err, errAlreadyEnded) || o.Status() != OrderExpired {
		t.Fatal("cancelling an expired order changed it")
	}
}

func TestPrepayIsRenewedBeforeWeChatForgetsIt(t *testing.T) {
	o, err := NewOrder(uuid.New(), "o1", "x", pendingOrder(t).Lines(), nil, t0, 168*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !o.NeedsPrepay(t0, PrepayReuseWindow) {
		t.Fatal("no prepay_id yet")
	}
	if err := o.AttachPrepay("wx1", t0); err != nil || o.NeedsPrepay(t0.Add(PrepayReuseWindow-time.Second), PrepayReuseWindow) {
		t.Fatal(err)
	}
	if !o.NeedsPrepay(t0.Add(PrepayReuseWindow), PrepayReuseWindow) {
		t.Fatal("a prepay_id close to WeChat's 2 hours is handed out again")
	}
	if err := o.AttachPrepay("wx2", t0.Add(PrepayReuseWindow)); err != nil || o.PrepayID() != "wx2" {
		t.Fatal("renewal did not replace the prepay_id")
	}
	if err := o.AttachPrepay("wx3", o.ExpiresAt()); !errors.Is(err, ErrOrderNotPayable) {
		t.Fatal("prepay stored for an expired order")
	}
}

func TestSettleAttemptsBackOffThenFlagForAPerson(t *testing.T) {
	p := ReconcilePolicy{Backoff: []time.Duration{time.Minute, 10 * time.Minute}, MaxAttempts: 3}
	o := pendingOrder(t)
	o.TakeEffects()
	if err := o.BeginSettle(o.ExpiresAt().Add(-time.Second), p); !errors.Is(err, errNotDue) {
		t.Fatal("settled before expiry:", err)
	}
	now := o.ExpiresAt()
	for i, wait := range []time.Duration{time.Minute, 10 * time.Minute, 10 * time.Minute} {
		if err := o.BeginSettle(now, p); err != nil || o.CheckAttempts() != i+1 || !o.NextCheckAt().Equal(now.Add(wait)) {
			t.Fatalf("attempt %d: %v, attempts %d, next %s", i+1, err, o.CheckAttempts(), o.NextCheckAt())
		}
		if err := o.BeginSettle(now, p); !errors.Is(err, errNotDue) {
			t.Fatalf("attempt %d taken twice (the lease): %v", i+1, err)
		}
		now = o.NextCheckAt()
	}
	if err := o.BeginSettle(now, p); !errors.Is(err, errExhausted) || !o.NextCheckAt().IsZero() {
		t.Fatalf("after its attempts: %v, next %s", err, o.NextCheckAt())
	}
	items := o.TakeEffects().Attention
	if len(items) != 1 || items[0].Kind != AttentionUnresolved || items[0].OrderID != o.ID() {
		t.Fatalf("flag: %+v", items)
	}
	if err := o.BeginSettle(now.Add(time.Hour), p); !errors.Is(err, errNotDue) {
		t.Fatal("a flagged order is retried:", err)
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
	if h1, h2 := hashRequest(merged, nil), hashRequest([]LineRequest{merged[0], {merged[1].ProductID, merged[1].Quantity + 1}}, nil); string(h1) == string(h2) {
		t.Fatal("hash ignores quantities")
	}
	home := &ShippingAddress{Name: "张三", Phone: "13800001234", Province: "广东省", City: "广州市", Detail: "天河路 1 号"}
	work := *home
	work.Detail = "天河路 2 号"
	if h1, h2 := hashRequest(merged, home), hashRequest(merged, &work); string(h1) == string(h2) || string(h1) == string(hashRequest(merged, nil)) {
		t.Fatal("hash ignores the address")
	}
	many := make([]LineRequest, MaxOrderLines+1)
	for i := range many {
		many[i] = LineRequest{uuid.New(), 1}
	}
	for name, lines := range map[string][]LineRequest{
		"empty": nil, "zero": {{a, 0}}, "too many of one": {{a, 60}, {a, 40}}, "too many lines": many,
	} {
		var inv *InvalidError
		if _, err := mergeLines(lines); !errors.As(err, &inv) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestOutTradeNoShape(t *testing.T) {
	// 06:43 on the 5th in Beijing is still the 4th in UTC: the number carries
	// Beijing's day, the one WeChat Pay's bill lists it under.
	if n := NewOutTradeNo(time.Date(2026, 12, 4, 22, 43, 0, 0, time.UTC)); n[:8] != "20261205" {
		t.Fatalf("out_trade_no %q carries the UTC day", n)
	}
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
