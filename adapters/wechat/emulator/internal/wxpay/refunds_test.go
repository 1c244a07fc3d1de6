package wxpay_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// A refund in two parts, with the SDK as the merchant: PROCESSING when
// created, SUCCESS when it ends, notified, and the transaction REFUND once
// the parts add up to its total.
func TestRefundLifecycle(t *testing.T) {
	for _, mode := range []emulator.SignMode{emulator.SignWithPublicKey, emulator.SignWithPlatformCert} {
		t.Run(string(mode), func(t *testing.T) {
			f := startPay(t, func(c *emulator.PayConfig) { c.SignMode = mode; c.ManualRefunds = true })
			rc := f.Receiver(t, nil)
			paid := f.Paid(t, "refund-0001", emutest.DeadNotify)

			r := f.MustRefund(t, emutest.RefundBody("refund-0001", "RF-0001", 30, 100, rc.URL))
			created := f.Clock.Now().In(time.FixedZone("", 8*3600)).Format(time.RFC3339)
			if *r.Status != refunddomestic.STATUS_PROCESSING || *r.OutRefundNo != "RF-0001" || *r.OutTradeNo != "refund-0001" ||
				*r.TransactionId != paid.TransactionID || !regexp.MustCompile(`^50\d{27}$`).MatchString(*r.RefundId) ||
				*r.Channel != refunddomestic.CHANNEL_ORIGINAL || *r.UserReceivedAccount != "支付用户零钱" ||
				*r.FundsAccount != refunddomestic.FUNDSACCOUNT_AVAILABLE || r.SuccessTime != nil ||
				r.CreateTime.Format(time.RFC3339) != created || emutest.Amounts(r) != [7]int64{100, 30, 100, 30, 30, 100, 0} || *r.Amount.Currency != "CNY" {
				t.Fatalf("created refund %s", r)
			}
			if q, err := f.QueryRefund(t, "RF-0001"); err != nil || *q.Status != refunddomestic.STATUS_PROCESSING || *q.RefundId != *r.RefundId {
				t.Fatalf("query of a processing refund: %s %v", q, err)
			}
			if ds := f.Emu.RefundDeliveries("RF-0001"); len(ds) != 0 {
				t.Fatalf("a PROCESSING refund notified: %+v", ds)
			}

			v := f.Complete(t, "RF-0001")
			if v.Status != emulator.RefundSuccess || !v.SuccessTime.Equal(f.Clock.Now()) || v.Refund != 30 || v.Total != 100 ||
				v.RefundID != *r.RefundId || v.Reason != "商品已售完" || v.NotifyURL != rc.URL {
				t.Fatalf("completed refund %+v", v)
			}
			q, err := f.QueryRefund(t, "RF-0001")
			if err != nil || *q.Status != refunddomestic.STATUS_SUCCESS || q.SuccessTime == nil || !q.SuccessTime.Equal(v.SuccessTime.Truncate(time.Second)) {
				t.Fatalf("query of a successful refund: %s %v", q, err)
			}
			if txn := f.query(t, "refund-0001"); *txn.TradeState != "SUCCESS" {
				t.Fatalf("partly refunded transaction is %s, want SUCCESS", *txn.TradeState)
			}

			ds := f.RefundFinished(t, "RF-0001")
			got := rc.All()
			if len(ds) != 1 || ds[0].Status != http.StatusNoContent || ds[0].Attempt != 1 || len(got) != 1 {
				t.Fatalf("deliveries %+v, %d received", ds, len(got))
			}
			n := got[0].Req
			if got[0].Err != nil || n.ID != ds[0].NotificationID || n.EventType != "REFUND.SUCCESS" || n.Summary != "退款成功" ||
				n.ResourceType != "encrypt-resource" || n.Resource.OriginalType != "refund" || n.Resource.AssociatedData != "refund" ||
				n.Resource.Algorithm != "AEAD_AES_256_GCM" || got[0].Header.Get("Wechatpay-Serial") == "" {
				t.Fatalf("refund notification %s (%v)", got[0].Body, got[0].Err)
			}
			res := emutest.RefundOf(t, got[0])
			if res.MchID != emutest.TestMchID || res.OutTradeNo != "refund-0001" || res.TransactionID != paid.TransactionID ||
				res.OutRefundNo != "RF-0001" || res.RefundID != *r.RefundId || res.RefundStatus != "SUCCESS" ||
				res.SuccessTime != q.SuccessTime.In(time.FixedZone("", 8*3600)).Format(time.RFC3339) || !strings.HasSuffix(res.SuccessTime, "+08:00") ||
				res.UserReceivedAccount != "支付用户零钱" || res.Amount.Total != 100 || res.Amount.Refund != 30 ||
				res.Amount.PayerTotal != 100 || res.Amount.PayerRefund != 30 {
				t.Fatalf("refund resource %s", n.Resource.Plaintext)
			}

			f.MustRefund(t, emutest.RefundBody("refund-0001", "RF-0002", 70, 100, "")) // no notify_url: no notification
			f.Complete(t, "RF-0002")
			if txn := f.query(t, "refund-0001"); *txn.TradeState != "REFUND" || *txn.TransactionId != paid.TransactionID {
				t.Fatalf("fully refunded transaction: %s", txn)
			}
			if ds := f.Emu.RefundDeliveries("RF-0002"); len(ds) != 0 {
				t.Fatalf("a refund without notify_url notified: %+v", ds)
			}
			if vs := f.Emu.Refunds("refund-0001"); len(vs) != 2 || vs[0].OutRefundNo != "RF-0001" || vs[1].OutRefundNo != "RF-0002" {
				t.Fatalf("Refunds = %+v", vs)
			}
			ae := f.RefuseRefund(t, emutest.RefundBody("refund-0001", "RF-0003", 1, 100, ""), http.StatusBadRequest, "INVALID_REQUEST")
			if ae.Message != "订单已全额退款" {
				t.Errorf("refund of a refunded transaction: %q", ae.Message)
			}
			if v, err := f.Emu.CompleteRefund("RF-0001"); !errors.Is(err, emulator.ErrRefundFinal) || v.Status != emulator.RefundSuccess {
				t.Fatalf("completing twice: %+v %v", v, err)
			}
			if _, err := f.Emu.CompleteRefund("RF-none"); !errors.Is(err, emulator.ErrNoRefund) {
				t.Fatalf("completing an unknown refund: %v", err)
			}
		})
	}
}

// Without ManualRefunds a refund ends by itself, RefundDelay (scaled by
// TimeScale) after it was created.
func TestRefundEndsAfterRefundDelay(t *testing.T) {
	f := startPay(t, func(c *emulator.PayConfig) { c.TimeScale = 0.001 }) // the default 1s becomes 1ms
	rc := f.Receiver(t, nil)
	f.Paid(t, "auto-0001", emutest.DeadNotify)
	if r := f.MustRefund(t, emutest.RefundBody("auto-0001", "RF-auto-1", 100, 100, rc.URL)); *r.Status != refunddomestic.STATUS_PROCESSING {
		t.Fatalf("created %s", *r.Status)
	}
	ds := f.RefundFinished(t, "RF-auto-1")
	if v, _ := f.Emu.Refund("RF-auto-1"); v.Status != emulator.RefundSuccess || len(ds) != 1 || emutest.RefundOf(t, rc.All()[0]).RefundStatus != "SUCCESS" {
		t.Fatalf("refund %+v, deliveries %+v", v, ds)
	}
	if v, _ := f.Emu.Transaction("auto-0001"); v.TradeState != "REFUND" {
		t.Fatalf("transaction %s, want REFUND", v.TradeState)
	}
	if _, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret,
		Pay: &emulator.PayConfig{Keys: f.Keys, RefundDelay: -time.Second}}); err == nil || !strings.Contains(err.Error(), "RefundDelay") {
		t.Fatalf("negative RefundDelay: %v", err)
	}
}

// out_refund_no is the idempotency key: the same request again gets the
// same refund as it is now; another request with the number is refused.
func TestRefundIdempotency(t *testing.T) {
	f := startPay(t, emutest.Manual)
	paid := f.Paid(t, "idem-0001", emutest.DeadNotify)
	first := f.MustRefund(t, emutest.RefundBody("idem-0001", "RF|idem*1@x", 40, 100, emutest.HTTPSNotify))
	again := f.MustRefund(t, emutest.RefundBody("idem-0001", "RF|idem*1@x", 40, 100, emutest.HTTPSNotify))
	if *again.RefundId != *first.RefundId || *again.Status != refunddomestic.STATUS_PROCESSING || !again.CreateTime.Equal(*first.CreateTime) {
		t.Fatalf("repeat gave %s, want %s", again, first)
	}
	f.Complete(t, "RF|idem*1@x")
	byID := emutest.RefundBody("", "RF|idem*1@x", 40, 100, emutest.HTTPSNotify)
	delete(byID, "out_trade_no")
	byID["transaction_id"] = paid.TransactionID
	if r := f.MustRefund(t, byID); *r.RefundId != *first.RefundId || *r.Status != refunddomestic.STATUS_SUCCESS {
		t.Fatalf("repeat by transaction_id after success: %s", r)
	}
	if q, err := f.QueryRefund(t, "RF|idem*1@x"); err != nil || *q.RefundId != *first.RefundId {
		t.Fatalf("query of an escaped out_refund_no: %s %v", q, err)
	}
	for name, edit := range map[string]func(map[string]any){
		"amount":     func(b map[string]any) { b["amount"].(map[string]any)["refund"] = 41 },
		"reason":     func(b map[string]any) { b["reason"] = "另一个原因" },
		"notify_url": func(b map[string]any) { b["notify_url"] = emutest.HTTPSNotify + "2" },
	} {
		b := emutest.RefundBody("idem-0001", "RF|idem*1@x", 40, 100, emutest.HTTPSNotify)
		edit(b)
		t.Run(name, func(t *testing.T) { f.RefuseRefund(t, b, http.StatusBadRequest, "INVALID_REQUEST") })
	}
	f.Paid(t, "idem-0002", emutest.DeadNotify)
	f.RefuseRefund(t, emutest.RefundBody("idem-0002", "RF|idem*1@x", 40, 100, emutest.HTTPSNotify), http.StatusBadRequest, "INVALID_REQUEST")
	if n := len(f.Emu.Refunds("idem-0001")); n != 1 {
		t.Fatalf("%d refunds, want 1", n)
	}
}

// What a transaction can still give back: its total less every refund
// that is not CLOSED (an ABNORMAL one holds its money), in at most 50
// refunds.
func TestRefundLimits(t *testing.T) {
	f := startPay(t, emutest.Manual)
	f.Paid(t, "limit-0001", emutest.DeadNotify)
	f.Inject(t, emulator.Fault{Endpoint: emulator.CreateRefund, RefundOutcome: emulator.RefundClosed})
	f.MustRefund(t, emutest.RefundBody("limit-0001", "RF-closed", 100, 100, ""))
	if v := f.Complete(t, "RF-closed"); v.Status != emulator.RefundClosed || !v.SuccessTime.IsZero() {
		t.Fatalf("closed refund %+v", v)
	}
	f.Inject(t, emulator.Fault{Endpoint: emulator.CreateRefund, RefundOutcome: emulator.RefundAbnormal})
	f.MustRefund(t, emutest.RefundBody("limit-0001", "RF-abnormal", 60, 100, ""))
	if v := f.Complete(t, "RF-abnormal"); v.Status != emulator.RefundAbnormal {
		t.Fatalf("abnormal refund %+v", v)
	}
	ae := f.RefuseRefund(t, emutest.RefundBody("limit-0001", "RF-over", 41, 100, ""), http.StatusBadRequest, "INVALID_REQUEST")
	if ae.Message != "申请退款金额超过订单可退金额" {
		t.Errorf("over-refund message %q", ae.Message)
	}
	f.MustRefund(t, emutest.RefundBody("limit-0001", "RF-rest", 40, 100, "")) // still PROCESSING: it holds its 40
	f.RefuseRefund(t, emutest.RefundBody("limit-0001", "RF-over2", 1, 100, ""), http.StatusBadRequest, "INVALID_REQUEST")
	if v, _ := f.Emu.Transaction("limit-0001"); v.TradeState != "SUCCESS" {
		t.Fatalf("transaction %s, want SUCCESS", v.TradeState)
	}

	f.Paid(t, "limit-0002", emutest.DeadNotify)
	for i := range 50 {
		f.MustRefund(t, emutest.RefundBody("limit-0002", "RF-part-"+string(rune('A'+i/26))+string(rune('a'+i%26)), 1, 100, ""))
	}
	ae = f.RefuseRefund(t, emutest.RefundBody("limit-0002", "RF-part-51", 1, 100, ""), http.StatusBadRequest, "INVALID_REQUEST")
	if !strings.Contains(ae.Message, "50") {
		t.Errorf("51st refund message %q", ae.Message)
	}
}

// Concurrent refunds of one transaction: one refund per out_refund_no, and
// never more refunded than paid.
func TestRefundRace(t *testing.T) {
	f := startPay(t, emutest.Manual)
	f.Paid(t, "race-0001", emutest.DeadNotify)
	c := f.SDK(t) // t.Fatal belongs to the test's goroutine
	var wg sync.WaitGroup
	ids := make([]string, 20)
	for i := range ids {
		no := "RF-race-" + strconv.Itoa(i%10) // each number twice
		wg.Go(func() {
			res, err := c.Post(context.Background(), f.Srv.URL+"/v3/refund/domestic/refunds", emutest.RefundBody("race-0001", no, 15, 100, ""))
			var r refunddomestic.Refund
			if err == nil && core.UnMarshalResponse(res.Response, &r) == nil {
				ids[i] = *r.RefundId
			}
		})
	}
	wg.Wait()
	var sum int64
	byNo := map[string]string{}
	for _, v := range f.Emu.Refunds("race-0001") {
		sum += v.Refund
		byNo[v.OutRefundNo] = v.RefundID
	}
	if sum > 100 || len(byNo) != 6 { // 6 × 15 fits in 100, a 7th does not
		t.Fatalf("%d refunds adding up to %d: %v", len(byNo), sum, byNo)
	}
	for i, id := range ids {
		if no := "RF-race-" + strconv.Itoa(i%10); id != "" && id != byNo[no] {
			t.Fatalf("%s answered refund_id %s, holds %s", no, id, byNo[no])
		}
	}
}
