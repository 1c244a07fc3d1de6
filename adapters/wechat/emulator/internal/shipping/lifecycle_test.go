package shipping_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// The buyer confirms (3, a push with confirm_receive_method 2), a minute
// later the funds wait (6), then they settle (4, a push with
// settlement_time): three pushes in all with the shipping one.
func TestConfirmThenSettle(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "ship-life-1")
	unshipped := f.Paid(t, "ship-life-2", emutest.DeadNotify)
	if _, err := f.Emu.ConfirmReceipt(unshipped.TransactionID); !errors.Is(err, emulator.ErrNoShippingOrder) {
		t.Fatalf("confirm within the sync delay: %v", err)
	}
	shipped := f.Clock.Now()
	f.MustAPI(t, upload, emutest.ShipBody(txn, "YT0301", shipped))
	f.Push.Wait(t, 1) // pushes of separate events may overtake each other, as WeChat's do
	if _, err := f.Emu.SettleOrder("4200000000000000000000000000"); !errors.Is(err, emulator.ErrNoShippingOrder) {
		t.Fatalf("settle an unknown order: %v", err)
	}
	f.Clock.Advance(time.Hour)
	confirmedAt := f.Clock.Now()
	o, err := f.Emu.ConfirmReceipt(txn.TransactionID)
	if err != nil || o.State != emulator.ShippingConfirmed || o.ConfirmReceiveMethod != emulator.ConfirmReceiveManual || !o.ConfirmedAt.Equal(confirmedAt) {
		t.Fatalf("confirm: %+v %v", o, err)
	}
	if got := getOrder(t, f, txn.TransactionID); got.OrderState != 3 {
		t.Fatalf("get_order after the confirmation: %d, want 3", got.OrderState)
	}
	p := f.Push.Wait(t, 2)[1]
	if p.Event() != "trade_manage_order_settlement" || p.Int("confirm_receive_method") != 2 || p.Int("confirm_receive_time") != confirmedAt.Unix() ||
		p.Int("shipped_time") != shipped.Unix() || p.Msg["settlement_time"] != nil || p.Msg["estimated_settlement_time"] != nil {
		t.Fatalf("the confirmation's push: %v", p.Msg)
	}
	if _, err := f.Emu.ConfirmReceipt(txn.TransactionID); !errors.Is(err, emulator.ErrShippingState) {
		t.Fatalf("confirm twice: %v", err)
	}
	f.Push.Wait(t, 2)
	f.Clock.Advance(emulator.PendingSettlementAfter)
	if got := getOrder(t, f, txn.TransactionID); got.OrderState != 6 {
		t.Fatalf("a minute after the confirmation: %d, want 6 资金待结算", got.OrderState)
	}
	settledAt := f.Clock.Now()
	o, err = f.Emu.SettleOrder(txn.TransactionID)
	if err != nil || o.State != emulator.ShippingCompleted || o.StateDesc != "交易完成" || !o.SettledAt.Equal(settledAt) {
		t.Fatalf("settle: %+v %v", o, err)
	}
	p = f.Push.Wait(t, 3)[2]
	if p.Int("confirm_receive_method") != 2 || p.Int("confirm_receive_time") != confirmedAt.Unix() || p.Int("settlement_time") != settledAt.Unix() ||
		p.Int("pay_time") != txn.SuccessTime.Unix() || p.Msg["merchant_trade_no"] != "ship-life-1" {
		t.Fatalf("the settlement's push: %v", p.Msg)
	}
	if got := getOrder(t, f, txn.TransactionID); got.OrderState != 4 {
		t.Fatalf("get_order after the settlement: %d", got.OrderState)
	}
	if _, err := f.Emu.SettleOrder(txn.TransactionID); !errors.Is(err, emulator.ErrShippingState) {
		t.Fatalf("settle twice: %v", err)
	}
	for _, move := range []func(string) (emulator.ShippingOrder, error){f.Emu.ConfirmReceipt, f.Emu.SettleOrder} {
		if _, err := move(unshipped.TransactionID); !errors.Is(err, emulator.ErrShippingState) {
			t.Fatalf("an unshipped order: %v", err)
		}
	}
	for _, p := range f.Emu.Pushes() {
		if !p.Delivered || !p.Final || p.Attempt != 1 {
			t.Fatalf("push attempts %+v: each delivered at once", f.Emu.Pushes())
		}
	}
}

// Settling a shipped order the buyer never confirmed confirms it
// automatically: confirm_receive_method 1.
func TestSettlingAShippedOrderConfirmsItAutomatically(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "ship-auto-1")
	f.MustAPI(t, upload, emutest.ShipBody(txn, "YT0302", f.Clock.Now()))
	f.Push.Wait(t, 1)
	o, err := f.Emu.SettleOrder(txn.TransactionID)
	if err != nil || o.State != emulator.ShippingCompleted || o.ConfirmReceiveMethod != emulator.ConfirmReceiveAuto || !o.ConfirmedAt.Equal(o.SettledAt) {
		t.Fatalf("settle: %+v %v", o, err)
	}
	if p := f.Push.Wait(t, 2)[1]; p.Int("confirm_receive_method") != 1 || p.Int("settlement_time") != f.Clock.Now().Unix() {
		t.Fatalf("push %v", p.Msg)
	}
}

// Nobody confirms: at the estimated settlement time (T+2 for virtual
// goods) the funds settle on their own, the receipt confirmed
// automatically, whatever asks first.
func TestFundsSettleOnTheirOwnAtTheEstimatedTime(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "ship-due-1")
	f.MustAPI(t, upload, `{"order_key":{"order_number_type":2,"transaction_id":"`+txn.TransactionID+`"},"logistics_type":4,"delivery_mode":1,`+
		`"shipping_list":[{"item_desc":"到店自提"}],"upload_time":"`+f.Clock.Now().Format(time.RFC3339)+`","payer":{"openid":"`+txn.PayerOpenID+`"}}`)
	due := f.Clock.Now().Add(emulator.SettleAfterOther)
	f.Push.Wait(t, 1)
	f.Clock.Advance(emulator.SettleAfterOther - time.Second)
	if o := getOrder(t, f, txn.TransactionID); o.OrderState != 2 {
		t.Fatalf("a second before: %d", o.OrderState)
	}
	f.Clock.Advance(time.Second)
	if o := getOrder(t, f, txn.TransactionID); o.OrderState != 4 {
		t.Fatalf("at the estimated time: %d, want 4", o.OrderState)
	}
	p := f.Push.Wait(t, 2)[1]
	if p.Int("settlement_time") != due.Unix() || p.Int("confirm_receive_time") != due.Unix() || p.Int("confirm_receive_method") != 1 {
		t.Fatalf("the settlement's push: %v", p.Msg)
	}
}

// 48 hours unshipped, WeChat reminds: once, by itself, and only once the
// mini-program has shipped something before.
func TestRemindShipping(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	waiting := f.PaidSynced(t, "ship-remind-1")
	other := f.PaidSynced(t, "ship-remind-2")
	f.Clock.Advance(emulator.ShippingRemindAfter)
	time.Sleep(1200 * time.Millisecond) // the background sweeps every second
	if ps := f.Push.All(); len(ps) != 0 {
		t.Fatalf("reminded before the mini-program ever shipped: %v", ps[0].Msg)
	}
	f.MustAPI(t, upload, emutest.ShipBody(other, "YT0303", f.Clock.Now()))
	ps := f.Push.Wait(t, 2)
	remind := ps[0]
	if remind.Event() == "trade_manage_order_settlement" {
		remind = ps[1]
	}
	if remind.Event() != "trade_manage_remind_shipping" || remind.Msg["transaction_id"] != waiting.TransactionID ||
		remind.Int("pay_time") != waiting.SuccessTime.Unix() || remind.Msg["msg"] == "" || remind.Msg["merchant_trade_no"] != "ship-remind-1" {
		t.Fatalf("the reminder: %v", remind.Msg)
	}
	time.Sleep(1200 * time.Millisecond)
	if n := len(f.Push.All()); n != 2 {
		t.Fatalf("%d pushes, want the reminder once", n)
	}
	if o, _ := f.Emu.ShippingOrder(waiting.TransactionID); o.RemindedAt.IsZero() || o.State != emulator.ShippingToShip {
		t.Fatalf("the reminded order: %+v", o)
	}
	// The console's reminder sends one now; a shipped order is not reminded.
	if _, err := f.Emu.RemindShipping(waiting.TransactionID); err != nil {
		t.Fatal(err)
	}
	f.Push.Wait(t, 3)
	if _, err := f.Emu.RemindShipping(other.TransactionID); !errors.Is(err, emulator.ErrShippingState) {
		t.Fatalf("remind a shipped order: %v", err)
	}
}

func TestARefundedOrderIsRefunded(t *testing.T) {
	f := emutest.StartShipping(t, nil, func(c *emulator.Config) { emutest.Manual(c.Pay) })
	full := f.PaidSynced(t, "ship-ref-1")
	partly := f.PaidSynced(t, "ship-ref-2")
	f.MustAPI(t, upload, emutest.ShipBody(full, "YT0304", f.Clock.Now()))
	f.MustRefund(t, emutest.RefundBody("ship-ref-1", "RF-ship-1", full.Total, full.Total, ""))
	if o := getOrder(t, f, full.TransactionID); o.OrderState != 2 {
		t.Fatalf("while the refund is PROCESSING: %d", o.OrderState)
	}
	f.Complete(t, "RF-ship-1")
	f.MustRefund(t, emutest.RefundBody("ship-ref-2", "RF-ship-2", 1, partly.Total, ""))
	f.Complete(t, "RF-ship-2")
	if o := getOrder(t, f, full.TransactionID); o.OrderState != 5 || o.Shipping == nil {
		t.Fatalf("refunded in full: %+v", o)
	}
	if o := getOrder(t, f, partly.TransactionID); o.OrderState != 1 {
		t.Fatalf("refunded in part: %d", o.OrderState)
	}
	for _, move := range []func(string) (emulator.ShippingOrder, error){f.Emu.ConfirmReceipt, f.Emu.SettleOrder} {
		if o, err := move(full.TransactionID); !errors.Is(err, emulator.ErrShippingState) || o.StateDesc != "已退款" {
			t.Fatalf("a refunded order: %+v %v", o, err)
		}
	}
	// Its estimated settlement time passes: nothing settles.
	f.Clock.Advance(emulator.SettleAfterExpress)
	if o := getOrder(t, f, full.TransactionID); o.OrderState != 5 {
		t.Fatalf("past its settlement time: %d", o.OrderState)
	}
	if ps := f.Push.Wait(t, 1); len(ps) != 1 {
		t.Fatalf("%d pushes, want only the shipping one", len(ps))
	}
}

func TestAnUnmanagedMiniProgramIsPushedNothing(t *testing.T) {
	f := emutest.StartShipping(t, nil, func(c *emulator.Config) { c.Shipping.Unmanaged = true })
	txn := f.PaidSynced(t, "ship-unmanaged-1")
	f.MustAPI(t, upload, emutest.ShipBody(txn, "YT0305", f.Clock.Now()))
	if _, err := f.Emu.ConfirmReceipt(txn.TransactionID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Emu.SettleOrder(txn.TransactionID); err != nil {
		t.Fatal(err)
	}
	other := f.PaidSynced(t, "ship-unmanaged-2")
	if _, err := f.Emu.RemindShipping(other.TransactionID); !errors.Is(err, emulator.ErrNotTradeManaged) {
		t.Fatalf("remind: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if ps := f.Push.All(); len(ps) != 0 || len(f.Emu.Pushes()) != 0 {
		t.Fatalf("pushed %d messages", len(ps))
	}
}

// A server that does not take a push gets it again, three more times,
// each sealed afresh and each recorded.
func TestAFailedPushIsRetriedAndRecorded(t *testing.T) {
	f := emutest.StartShipping(t, func(n int) (int, string) {
		if n < 3 {
			return http.StatusInternalServerError, "busy"
		}
		return http.StatusOK, ""
	}, nil)
	txn := f.PaidSynced(t, "ship-retry-1")
	f.MustAPI(t, upload, emutest.ShipBody(txn, "YT0306", f.Clock.Now()))
	ps := f.Push.Wait(t, 3)
	if ps[0].Query.Get("nonce") == ps[1].Query.Get("nonce") {
		t.Fatal("a retry repeated the nonce")
	}
	emutest.WaitFor(t, "the third attempt's record", func() bool { return len(f.Emu.Pushes()) == 3 })
	as := f.Emu.Pushes()
	if as[0].Status != 500 || as[0].Answer != "busy" || as[0].Final || as[1].Final || !as[2].Delivered || !as[2].Final ||
		as[0].PushID != as[2].PushID || as[2].TransactionID != txn.TransactionID || as[2].Event != "trade_manage_order_settlement" {
		t.Fatalf("attempts %+v", as)
	}

	g := emutest.StartShipping(t, func(int) (int, string) { return http.StatusOK, "fail" }, nil)
	txn = g.PaidSynced(t, "ship-retry-2")
	g.MustAPI(t, upload, emutest.ShipBody(txn, "YT0307", g.Clock.Now()))
	g.Push.Wait(t, 1+emulator.PushRetries)
	emutest.WaitFor(t, "the last attempt", func() bool { as := g.Emu.Pushes(); return len(as) == 4 && as[3].Final })
	if as := g.Emu.Pushes(); as[3].Delivered || as[3].Attempt != 4 {
		t.Fatalf("attempts %+v", as)
	}
}

func TestShippingWithoutAPushTarget(t *testing.T) {
	f := &emutest.ShipFixture{PayFixture: emutest.StartPay(t, nil)}
	txn := f.PaidSynced(t, "ship-nopush-1")
	f.MustAPI(t, upload, emutest.ShipBody(txn, "YT0308", f.Clock.Now()))
	if o, err := f.Emu.SettleOrder(txn.TransactionID); err != nil || o.State != emulator.ShippingCompleted {
		t.Fatalf("%+v %v", o, err)
	}
	if f.Emu.Pushes() != nil {
		t.Fatal("pushes without a target")
	}
	if _, err := f.Emu.VerifyPushURL(t.Context()); !errors.Is(err, emulator.ErrPushDisabled) {
		t.Fatalf("verify without a target: %v", err)
	}
}
