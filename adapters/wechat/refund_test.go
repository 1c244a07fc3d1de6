package wechat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

// paidOrder runs prepay and payment on the emulator for no.
func (env *payEnv) paidOrder(t *testing.T, p *Pay, no string) emulator.TransactionView {
	t.Helper()
	id, err := p.Prepay(t.Context(), order(no))
	if err != nil {
		t.Fatal(err)
	}
	params, err := p.PaymentParams(id)
	if err != nil {
		t.Fatal(err)
	}
	v, err := env.emu.RequestPayment(emulator.PaymentRequest{TimeStamp: params.TimeStamp, NonceStr: params.NonceStr,
		Package: params.Package, SignType: params.SignType, PaySign: params.PaySign})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// next returns the next delivery to path, skipping others (the payment's).
func (env *payEnv) next(t *testing.T, path string) delivery {
	t.Helper()
	for {
		select {
		case d := <-env.notified:
			if d.path == path {
				return d
			}
		case <-time.After(10 * time.Second): // only a bound for "did not hang"
			t.Fatalf("no delivery to %s", path)
		}
	}
}

func refundOf(no, refundNo string, fen int64) domain.RefundRequest {
	return domain.RefundRequest{OutTradeNo: no, OutRefundNo: refundNo, Reason: "商品已售完", RefundFen: fen, TotalFen: 1999}
}

// The whole refund, in each SignMode: create (PROCESSING), again (the
// same refund), query, completion at WeChat, query (SUCCESS), the verified
// notification, and the transaction REFUND.
func TestRefundFlow(t *testing.T) {
	for _, mode := range []emulator.SignMode{emulator.SignWithPublicKey, emulator.SignWithPlatformCert} {
		t.Run(string(mode), func(t *testing.T) {
			env := newPayEnvWith(t, mode, func(c *emulator.PayConfig) { c.ManualRefunds = true })
			p := env.pay(t, string(mode), nil)
			ctx := t.Context()
			paid := env.paidOrder(t, p, "ORDER_refund-01")
			req := refundOf("ORDER_refund-01", "RF_flow|01*@x", 1999)

			rep, err := p.CreateRefund(ctx, req)
			want := domain.RefundReport{OutTradeNo: req.OutTradeNo, TransactionID: paid.TransactionID, OutRefundNo: req.OutRefundNo,
				RefundID: rep.RefundID, Status: domain.RefundProcessing, RefundFen: 1999, TotalFen: 1999, Currency: "CNY",
				UserReceivedAccount: "支付用户零钱"}
			if err != nil || rep != want || rep.RefundID == "" {
				t.Fatalf("CreateRefund = %+v, %v\nwant %+v", rep, err, want)
			}
			if v, _ := env.emu.Refund(req.OutRefundNo); v.NotifyURL != env.refundNotifyURL || v.Reason != req.Reason {
				t.Errorf("emulator holds %+v", v)
			}
			if again, err := p.CreateRefund(ctx, req); err != nil || again != rep {
				t.Errorf("repeat CreateRefund = %+v, %v", again, err)
			}
			if q, err := p.QueryRefund(ctx, req.OutRefundNo); err != nil || q != rep {
				t.Errorf("QueryRefund while processing = %+v, %v", q, err)
			}

			done, err := env.emu.CompleteRefund(req.OutRefundNo)
			if err != nil {
				t.Fatal(err)
			}
			q, err := p.QueryRefund(ctx, req.OutRefundNo)
			want.Status, want.SuccessTime = domain.RefundSuccess, done.SuccessTime.Truncate(time.Second)
			if err != nil || !sameRefund(q, want) {
				t.Fatalf("QueryRefund after success = %+v, %v\nwant %+v", q, err, want)
			}
			if again, err := p.CreateRefund(ctx, req); err != nil || !sameRefund(again, want) {
				t.Errorf("repeat CreateRefund after success = %+v, %v", again, err)
			}

			d := env.next(t, "/pay/refund-notify")
			n, err := p.ParseRefundNotification(ctx, d.h, d.body)
			want.MchID, want.Currency = testMchID, "" // the notification names the merchant, not the currency
			if err != nil || n.EventType != domain.EventRefundSuccess || !strings.HasPrefix(n.ID, "EV-") || !sameRefund(n.Refund, want) {
				t.Fatalf("ParseRefundNotification = %+v, %v\nwant %+v", n, err, want)
			}
			// Posted to the payment URL, it is not a payment.
			if pn, err := p.ParseNotification(ctx, d.h, d.body); err != nil || pn.EventType != domain.EventRefundSuccess || pn.Transaction != (domain.Transaction{}) {
				t.Errorf("refund notification through ParseNotification = %+v, %v", pn, err)
			}
			if tx, err := p.QueryOrder(ctx, req.OutTradeNo); err != nil || tx.State != domain.TradeRefund {
				t.Errorf("QueryOrder after the full refund = %+v, %v", tx, err)
			}
		})
	}
}

// sameRefund compares reports, times by instant.
func sameRefund(a, b domain.RefundReport) bool {
	if !a.SuccessTime.Equal(b.SuccessTime) {
		return false
	}
	a.SuccessTime, b.SuccessTime = time.Time{}, time.Time{}
	return a == b
}

func TestRefundErrors(t *testing.T) {
	env := newPayEnv(t, emulator.SignWithPublicKey)
	p := env.pay(t, "public_key", nil)
	ctx := t.Context()
	env.paidOrder(t, p, "ORDER_rerr-0001")
	if _, err := p.CreateRefund(ctx, refundOf("ORDER_rerr-0001", "RF-part-1", 1500)); err != nil {
		t.Fatal(err)
	}
	rejected := []struct {
		name     string
		r        domain.RefundRequest
		mentions string
	}{
		{"over-refund", refundOf("ORDER_rerr-0001", "RF-part-2", 500), "INVALID_REQUEST (申请退款金额超过订单可退金额)"},
		{"unknown order", refundOf("ORDER_rerr-none", "RF-none-1", 1), "RESOURCE_NOT_EXISTS"},
		{"another total", domain.RefundRequest{OutTradeNo: "ORDER_rerr-0001", OutRefundNo: "RF-part-3", RefundFen: 1, TotalFen: 2000}, "INVALID_REQUEST"},
		{"the number again, another amount", refundOf("ORDER_rerr-0001", "RF-part-1", 1501), "INVALID_REQUEST"},
	}
	for _, c := range rejected {
		_, err := p.CreateRefund(ctx, c.r)
		if errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: a create answered ErrNotFound: %v", c.name, err)
		}
		wantErr(t, err, domain.ErrPaymentRejected, c.mentions)
	}

	faults := []struct {
		fault    emulator.Fault
		mentions string
	}{
		{emulator.Fault{Endpoint: emulator.CreateRefund, Code: "NOT_ENOUGH"}, "HTTP 403 NOT_ENOUGH"},
		{emulator.Fault{Endpoint: emulator.CreateRefund, Code: "SYSTEM_ERROR"}, "HTTP 500 SYSTEM_ERROR"},
		{emulator.Fault{Endpoint: emulator.CreateRefund, Code: "FREQUENCY_LIMITED"}, "HTTP 429"},
		{emulator.Fault{Endpoint: emulator.CreateRefund, HTTPStatus: 502}, "502"},
		{emulator.Fault{Endpoint: emulator.QueryRefund, Code: "SYSTEM_ERROR"}, "SYSTEM_ERROR"},
	}
	for _, c := range faults {
		if err := env.emu.InjectFault(c.fault); err != nil {
			t.Fatal(err)
		}
		var err error
		if c.fault.Endpoint == emulator.CreateRefund {
			_, err = p.CreateRefund(ctx, refundOf("ORDER_rerr-0001", "RF-part-4", 1))
		} else {
			_, err = p.QueryRefund(ctx, "RF-part-1")
		}
		wantErr(t, err, domain.ErrPaymentUnavailable, c.mentions)
	}
	if !strings.Contains(env.logs.String(), `"level":"ERROR","msg":"WeChat Pay cannot pay a refund: the merchant's balance is too low`) {
		t.Errorf("NOT_ENOUGH not logged as an error:\n%s", env.logs.String())
	}
	// The retried request, with the same number, goes through.
	if rep, err := p.CreateRefund(ctx, refundOf("ORDER_rerr-0001", "RF-part-4", 1)); err != nil || rep.OutRefundNo != "RF-part-4" {
		t.Errorf("retry after the faults: %+v, %v", rep, err)
	}

	_, err := p.QueryRefund(ctx, "RF-never-made")
	wantErr(t, err, domain.ErrNotFound, "RESOURCE_NOT_EXISTS")
	if strings.Contains(env.logs.String(), env.keys.APIv3Key) {
		t.Error("logs hold the APIv3 key")
	}
}

// A bad request is refused before anything is sent.
func TestRefundRefusesBadRequestsWithoutCalling(t *testing.T) {
	env := newPayEnv(t, emulator.SignWithPublicKey)
	p := env.pay(t, "public_key", nil)
	edits := map[string]func(*domain.RefundRequest){
		"out_trade_no too short":     func(r *domain.RefundRequest) { r.OutTradeNo = "A1234" },
		"no out_refund_no":           func(r *domain.RefundRequest) { r.OutRefundNo = "" },
		"65-character out_refund_no": func(r *domain.RefundRequest) { r.OutRefundNo = strings.Repeat("R", 65) },
		"out_refund_no with /":       func(r *domain.RefundRequest) { r.OutRefundNo = "RF/../1" },
		"81-character reason":        func(r *domain.RefundRequest) { r.Reason = strings.Repeat("退", 81) },
		"reason not UTF-8":           func(r *domain.RefundRequest) { r.Reason = "\xff" },
		"zero refund":                func(r *domain.RefundRequest) { r.RefundFen = 0 },
		"negative total":             func(r *domain.RefundRequest) { r.TotalFen = -1 },
		"refund above total":         func(r *domain.RefundRequest) { r.RefundFen = r.TotalFen + 1 },
	}
	for name, edit := range edits {
		r := refundOf("ORDER_rbad-0001", "RF-bad-1", 1)
		edit(&r)
		if _, err := p.CreateRefund(t.Context(), r); !errors.Is(err, domain.ErrPaymentRejected) {
			t.Errorf("%s: error %v, want ErrPaymentRejected", name, err)
		}
	}
	if _, err := p.QueryRefund(t.Context(), "RF 1"); !errors.Is(err, domain.ErrPaymentRejected) {
		t.Errorf("query of a malformed number: %v", err)
	}
	noURL := env.pay(t, "public_key", func(c *PayConfig) { c.RefundNotifyURL = "" })
	_, err := noURL.CreateRefund(t.Context(), refundOf("ORDER_rbad-0001", "RF-ok-1", 1))
	wantErr(t, err, domain.ErrPaymentUnavailable, "RefundNotifyURL")
	if n := env.calls.Load(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	r := refundOf("ORDER_rbad-0001", strings.Repeat("R", 64), 1)
	r.Reason = strings.Repeat("退", 80) // characters, not bytes
	if _, err := p.CreateRefund(t.Context(), r); !errors.Is(err, domain.ErrPaymentRejected) || !strings.Contains(err.Error(), "RESOURCE_NOT_EXISTS") {
		t.Errorf("a valid request for an unknown order: %v", err)
	}
}

func TestNewPayValidatesRefundNotifyURL(t *testing.T) {
	k := testKeys()
	for url, mentions := range map[string]string{
		"http://shop.example.com/pay/refund":                   "must be https",
		"https://shop.example.com/pay/refund?x=1":              "query string",
		"shop.example.com/pay/refund":                          "absolute https URL",
		"https://shop.example.com/" + strings.Repeat("r", 240): "255",
		"https://shop.example.com/pay/notify":                  "must differ from NotifyURL",
	} {
		cfg := PayConfig{BaseURL: "https://api.mch.weixin.qq.com", AppID: testAppID, MchID: testMchID,
			MchCertSerial: "3775B6A45ACD588826D15E583A95F5DD3B1E7F2A", MchPrivateKey: k.mch, APIv3Key: k.apiV3,
			PublicKeyID: k.pubID, PublicKey: &k.pub.PublicKey, NotifyURL: "https://shop.example.com/pay/notify", RefundNotifyURL: url}
		_, err := NewPay(cfg, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "RefundNotifyURL") || !strings.Contains(err.Error(), mentions) {
			t.Errorf("%s: error %v, want one about RefundNotifyURL: %s", url, err, mentions)
		}
	}
}

// An answer WeChat could not have meant is not used.
func TestToRefundReportRefusesUnknownStatus(t *testing.T) {
	w := refunddomestic.Refund{OutRefundNo: core.String("RF-1"), Status: refunddomestic.Status("REFUNDING").Ptr()}
	if _, err := toRefundReport(w); err == nil || !strings.Contains(err.Error(), "REFUNDING") {
		t.Errorf("unknown status: %v", err)
	}
	w.Status, w.OutRefundNo = refunddomestic.STATUS_CLOSED.Ptr(), nil
	if _, err := toRefundReport(w); err == nil {
		t.Error("a refund without out_refund_no was accepted")
	}
}
