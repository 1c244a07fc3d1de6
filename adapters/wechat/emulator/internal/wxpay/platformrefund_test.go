package wxpay_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// A refund made by hand on the merchant platform: checked like the refund
// API's, its out_refund_no the refund_id, found by the query (signed),
// never notified, and the transaction REFUND once the parts add up.
func TestRefundOnThePlatform(t *testing.T) {
	f := startPay(t, emutest.Manual)
	rc := f.Receiver(t, nil)
	paid := f.Paid(t, "platform-0001", rc.URL) // the payment notifies rc; the refunds must not
	f.Finished(t, "platform-0001")

	v, err := f.Emu.RefundOnPlatform("platform-0001", 30, "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != emulator.RefundSuccess || !regexp.MustCompile(`^50\d{27}$`).MatchString(v.RefundID) || v.OutRefundNo != v.RefundID ||
		!v.Platform || v.NotifyURL != "" || v.Refund != 30 || v.Total != 100 || v.TransactionID != paid.TransactionID ||
		!v.CreateTime.Equal(f.Clock.Now()) || !v.SuccessTime.Equal(f.Clock.Now()) {
		t.Fatalf("platform refund %+v", v)
	}
	q, err := f.QueryRefund(t, v.OutRefundNo) // the SDK checks the answer's signature
	if err != nil || *q.RefundId != v.RefundID || *q.OutRefundNo != v.RefundID || *q.Status != refunddomestic.STATUS_SUCCESS ||
		*q.OutTradeNo != "platform-0001" || q.SuccessTime == nil || emutest.Amounts(q) != [7]int64{100, 30, 100, 30, 30, 100, 0} {
		t.Fatalf("query of the platform refund: %s %v", q, err)
	}
	if txn := f.query(t, "platform-0001"); *txn.TradeState != "SUCCESS" {
		t.Fatalf("partly refunded transaction is %s", *txn.TradeState)
	}

	// More than is left is refused, as the refund API refuses it.
	before := len(f.Emu.Refunds("platform-0001"))
	if _, err := f.Emu.RefundOnPlatform("platform-0001", 71, emulator.RefundSuccess); !errors.Is(err, emulator.ErrNotRefundable) ||
		!strings.Contains(err.Error(), "申请退款金额超过订单可退金额") {
		t.Fatalf("over-refund: %v", err)
	}
	if n := len(f.Emu.Refunds("platform-0001")); n != before {
		t.Fatalf("a refused platform refund was recorded: %d refunds", n)
	}

	// PROCESSING ends like any refund; the transaction is then refunded in full.
	p, err := f.Emu.RefundOnPlatform("platform-0001", 70, emulator.RefundProcessing)
	if err != nil || p.Status != emulator.RefundProcessing || !p.SuccessTime.IsZero() || p.OutRefundNo == v.OutRefundNo {
		t.Fatalf("PROCESSING platform refund: %+v %v", p, err)
	}
	if q, err := f.QueryRefund(t, p.OutRefundNo); err != nil || *q.Status != refunddomestic.STATUS_PROCESSING {
		t.Fatalf("query of the PROCESSING platform refund: %s %v", q, err)
	}
	if done := f.Complete(t, p.OutRefundNo); done.Status != emulator.RefundSuccess {
		t.Fatalf("completed %+v", done)
	}
	if txn := f.query(t, "platform-0001"); *txn.TradeState != "REFUND" {
		t.Fatalf("fully refunded transaction is %s", *txn.TradeState)
	}
	if _, err := f.Emu.RefundOnPlatform("platform-0001", 1, ""); !errors.Is(err, emulator.ErrNotRefundable) {
		t.Fatalf("refund of a refunded transaction: %v", err)
	}

	// Neither refund was notified: there is no notify_url to send to.
	for _, no := range []string{v.OutRefundNo, p.OutRefundNo} {
		if ds := f.Emu.RefundDeliveries(no); len(ds) != 0 {
			t.Fatalf("platform refund %s notified: %+v", no, ds)
		}
		if err := f.Emu.ResendRefundNotification(no); !errors.Is(err, emulator.ErrNoNotifyURL) {
			t.Fatalf("resending a platform refund's notification: %v", err)
		}
	}
	if got := rc.All(); len(got) != 1 || got[0].Req == nil || got[0].Req.EventType != "TRANSACTION.SUCCESS" {
		t.Fatalf("the merchant got %d notifications, want the payment's only", len(got))
	}
}

// The platform takes what the refund API takes, no more.
func TestRefundOnThePlatformRefusals(t *testing.T) {
	f := startPay(t, emutest.Manual)
	f.Paid(t, "platform-0002", emutest.DeadNotify)
	f.Prepay(t, emutest.OrderBody("platform-unpaid", emutest.DeadNotify))
	for _, c := range []struct {
		no     string
		amount int64
		status string
		want   error
	}{
		{"platform-0002", 0, "", emulator.ErrBadPlatformRefund},
		{"platform-0002", -5, "", emulator.ErrBadPlatformRefund},
		{"platform-0002", 10, "CLOSED", emulator.ErrBadPlatformRefund},
		{"platform-0002", 10, "success", emulator.ErrBadPlatformRefund},
		{"platform-none", 10, "", emulator.ErrNoTransaction},
		{"platform-unpaid", 10, "", emulator.ErrNotRefundable},
		{"platform-0002", 101, "", emulator.ErrNotRefundable},
	} {
		if v, err := f.Emu.RefundOnPlatform(c.no, c.amount, c.status); !errors.Is(err, c.want) {
			t.Errorf("RefundOnPlatform(%s, %d, %q) = %+v, %v; want %v", c.no, c.amount, c.status, v, err, c.want)
		}
	}
	if n := len(f.Emu.Refunds("platform-0002")) + len(f.Emu.Refunds("platform-unpaid")); n != 0 {
		t.Fatalf("%d refunds recorded by refusals", n)
	}
	// A PROCESSING refund holds its amount, whoever made it.
	f.MustRefund(t, emutest.RefundBody("platform-0002", "RF-api-1", 60, 100, ""))
	if _, err := f.Emu.RefundOnPlatform("platform-0002", 41, ""); !errors.Is(err, emulator.ErrNotRefundable) {
		t.Fatalf("over what the API refund left: %v", err)
	}
	if _, err := f.Emu.RefundOnPlatform("platform-0002", 40, ""); err != nil {
		t.Fatal(err)
	}
	f.RefuseRefund(t, emutest.RefundBody("platform-0002", "RF-api-2", 1, 100, ""), http.StatusBadRequest, "INVALID_REQUEST")
}

// Without ManualRefunds a PROCESSING platform refund ends on its own, still
// without a notification.
func TestRefundOnThePlatformEndsOnItsOwn(t *testing.T) {
	f := startPay(t, func(c *emulator.PayConfig) { c.TimeScale = 0.001 })
	f.Paid(t, "platform-0003", emutest.DeadNotify)
	p, err := f.Emu.RefundOnPlatform("platform-0003", 100, emulator.RefundProcessing)
	if err != nil {
		t.Fatal(err)
	}
	emutest.WaitFor(t, "the platform refund to end", func() bool {
		v, _ := f.Emu.Refund(p.OutRefundNo)
		return v.Status == emulator.RefundSuccess
	})
	if v, _ := f.Emu.Transaction("platform-0003"); v.TradeState != "REFUND" {
		t.Fatalf("transaction %s, want REFUND", v.TradeState)
	}
	if ds := f.Emu.RefundDeliveries(p.OutRefundNo); len(ds) != 0 {
		t.Fatalf("platform refund notified: %+v", ds)
	}
}
