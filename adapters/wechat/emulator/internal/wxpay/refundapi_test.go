package wxpay_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestRefundParameterErrors(t *testing.T) {
	f := startPay(t, func(c *emulator.PayConfig) { c.ManualRefunds = true; c.AllowHTTPNotify = false })
	f.Paid(t, "param-0001", emutest.HTTPSNotify)
	cases := map[string]func(map[string]any){
		"neither transaction_id nor out_trade_no": func(b map[string]any) { delete(b, "out_trade_no") },
		"malformed out_trade_no":                  func(b map[string]any) { b["out_trade_no"] = "param/0001" },
		"transaction_id too long":                 func(b map[string]any) { b["transaction_id"] = strings.Repeat("4", 33) },
		"no out_refund_no":                        func(b map[string]any) { delete(b, "out_refund_no") },
		"out_refund_no with /":                    func(b map[string]any) { b["out_refund_no"] = "RF/1" },
		"out_refund_no with a space":              func(b map[string]any) { b["out_refund_no"] = "RF 1" },
		"65-character out_refund_no":              func(b map[string]any) { b["out_refund_no"] = strings.Repeat("R", 65) },
		"81-character reason":                     func(b map[string]any) { b["reason"] = strings.Repeat("退", 81) },
		"http notify_url":                         func(b map[string]any) { b["notify_url"] = "http://merchant.example/refund" },
		"notify_url with a query":                 func(b map[string]any) { b["notify_url"] = emutest.HTTPSNotify + "?x=1" },
		"funds_account":                           func(b map[string]any) { b["funds_account"] = "UNSETTLED" },
		"no amount":                               func(b map[string]any) { delete(b, "amount") },
		"no amount.refund":                        func(b map[string]any) { delete(b["amount"].(map[string]any), "refund") },
		"zero refund":                             func(b map[string]any) { b["amount"].(map[string]any)["refund"] = 0 },
		"no amount.total":                         func(b map[string]any) { delete(b["amount"].(map[string]any), "total") },
		"negative total":                          func(b map[string]any) { b["amount"].(map[string]any)["total"] = -100 },
		"refund above total":                      func(b map[string]any) { b["amount"].(map[string]any)["refund"] = 101 },
		"no currency":                             func(b map[string]any) { delete(b["amount"].(map[string]any), "currency") },
		"USD":                                     func(b map[string]any) { b["amount"].(map[string]any)["currency"] = "USD" },
		"refund as a string":                      func(b map[string]any) { b["amount"].(map[string]any)["refund"] = "10" },
	}
	for name, edit := range cases {
		b := emutest.RefundBody("param-0001", "RF-param-1", 10, 100, emutest.HTTPSNotify)
		edit(b)
		t.Run(name, func(t *testing.T) { f.RefuseRefund(t, b, http.StatusBadRequest, "PARAM_ERROR") })
	}
	ok := emutest.RefundBody("param-0001", "RF_0-9|*@AZaz", 10, 100, "")
	ok["reason"] = strings.Repeat("退", 80) // characters, not bytes
	if r := f.MustRefund(t, ok); *r.OutRefundNo != "RF_0-9|*@AZaz" {
		t.Fatalf("refund %s", r)
	}
	f.MustRefund(t, emutest.RefundBody("param-0001", strings.Repeat("R", 64), 10, 100, emutest.HTTPSNotify))
}

func TestRefundRefusals(t *testing.T) {
	f := startPay(t, emutest.Manual)
	paid := f.Paid(t, "refuse-0001", emutest.DeadNotify)
	other := f.Paid(t, "refuse-0002", emutest.DeadNotify)
	f.Prepay(t, emutest.OrderBody("refuse-0003", emutest.DeadNotify)) // NOTPAY
	f.Prepay(t, emutest.OrderBody("refuse-0004", emutest.DeadNotify))
	if _, err := f.SDK(t).Post(context.Background(), f.CloseURL("refuse-0004"), map[string]string{"mchid": emutest.TestMchID}); err != nil {
		t.Fatal(err)
	}

	ae := f.RefuseRefund(t, emutest.RefundBody("never-paid", "RF-r1", 10, 100, ""), http.StatusNotFound, "RESOURCE_NOT_EXISTS")
	if ae.Message != "订单不存在" {
		t.Errorf("unknown order: %q", ae.Message)
	}
	byID := emutest.RefundBody("", "RF-r2", 10, 100, "")
	delete(byID, "out_trade_no")
	byID["transaction_id"] = "4200000000000000000000000000"
	f.RefuseRefund(t, byID, http.StatusNotFound, "RESOURCE_NOT_EXISTS")
	for _, no := range []string{"refuse-0003", "refuse-0004"} {
		ae = f.RefuseRefund(t, emutest.RefundBody(no, "RF-r3", 10, 100, ""), http.StatusBadRequest, "INVALID_REQUEST")
		if !strings.HasPrefix(ae.Message, "订单未支付") {
			t.Errorf("%s: %q", no, ae.Message)
		}
	}
	f.RefuseRefund(t, emutest.RefundBody("refuse-0001", "RF-r4", 10, 99, ""), http.StatusBadRequest, "INVALID_REQUEST")
	mixed := emutest.RefundBody("refuse-0001", "RF-r5", 10, 100, "")
	mixed["transaction_id"] = other.TransactionID
	f.RefuseRefund(t, mixed, http.StatusBadRequest, "INVALID_REQUEST")

	both := emutest.RefundBody("refuse-0001", "RF-r6", 10, 100, "")
	both["transaction_id"] = paid.TransactionID
	if r := f.MustRefund(t, both); *r.OutTradeNo != "refuse-0001" {
		t.Fatalf("refund naming both numbers: %s", r)
	}

	// The merchant's signature is checked like on every /v3 route.
	body := `{"out_trade_no":"refuse-0001","out_refund_no":"RF-r7","amount":{"refund":1,"total":100,"currency":"CNY"}}`
	resp, b := f.raw(t, http.MethodPost, "/v3/refund/domestic/refunds", body, "")
	want401(t, resp, b)
	resp, b = f.raw(t, http.MethodPost, "/v3/refund/domestic/refunds", body,
		f.authorization(t, http.MethodPost, "/v3/refund/domestic/refunds", body+" ", time.Now()))
	want401(t, resp, b)
	resp, b = f.raw(t, http.MethodGet, "/v3/refund/domestic/refunds/RF-r6", "", "")
	want401(t, resp, b)
	if _, ok := f.Emu.Refund("RF-r7"); ok {
		t.Fatal("an unauthenticated request created a refund")
	}

	_, err := f.QueryRefund(t, "RF-none")
	if ae := f.APIError(t, err, http.StatusNotFound, "RESOURCE_NOT_EXISTS"); ae.Message == "" {
		t.Error("no message")
	}
}

func TestRefundFaults(t *testing.T) {
	f := startPay(t, emutest.Manual)
	rc := f.Receiver(t, nil)
	f.Paid(t, "rfault-0001", emutest.DeadNotify)
	body := emutest.RefundBody("rfault-0001", "RF-f1", 10, 100, rc.URL)

	for _, c := range []struct {
		fault  string
		status int
		code   string
	}{
		{`{"endpoint":"refund","code":"NOT_ENOUGH"}`, http.StatusForbidden, "NOT_ENOUGH"},
		{`{"endpoint":"refund","code":"SYSTEM_ERROR"}`, http.StatusInternalServerError, "SYSTEM_ERROR"},
		{`{"endpoint":"refund","code":"FREQUENCY_LIMITED"}`, http.StatusTooManyRequests, "FREQUENCY_LIMITED"},
		{`{"endpoint":"refund","code":"USER_ACCOUNT_ABNORMAL","http_status":400}`, http.StatusBadRequest, "USER_ACCOUNT_ABNORMAL"},
	} {
		f.PostFault(t, c.fault)
		f.RefuseRefund(t, body, c.status, c.code)
	}
	f.PostFault(t, `{"endpoint":"refund","http_status":502}`)
	resp, b := f.raw(t, http.MethodPost, "/v3/refund/domestic/refunds", "{}", "")
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "502 Bad Gateway") {
		t.Fatalf("gateway fault: HTTP %d %s", resp.StatusCode, b)
	}

	// An outcome waits for a refund to be created: the refused request
	// and the repeat below do not use it up.
	f.PostFault(t, `{"endpoint":"refund","refund_outcome":"ABNORMAL","times":2}`)
	f.RefuseRefund(t, emutest.RefundBody("rfault-0001", "RF-f0", 101, 101, ""), http.StatusBadRequest, "INVALID_REQUEST")
	f.MustRefund(t, body)
	f.MustRefund(t, body)
	f.MustRefund(t, emutest.RefundBody("rfault-0001", "RF-f2", 10, 100, ""))
	f.MustRefund(t, emutest.RefundBody("rfault-0001", "RF-f3", 10, 100, ""))
	for no, want := range map[string]string{"RF-f1": emulator.RefundAbnormal, "RF-f2": emulator.RefundAbnormal, "RF-f3": emulator.RefundSuccess} {
		if v := f.Complete(t, no); v.Status != want {
			t.Errorf("%s ended %s, want %s", no, v.Status, want)
		}
	}
	f.RefundFinished(t, "RF-f1")
	if got := rc.All(); len(got) != 1 || got[0].Req.EventType != "REFUND.ABNORMAL" || emutest.RefundOf(t, got[0]).RefundStatus != "ABNORMAL" || emutest.RefundOf(t, got[0]).SuccessTime != "" {
		t.Fatalf("abnormal refund notification: %d received", len(got))
	}
	if q, err := f.QueryRefund(t, "RF-f1"); err != nil || *q.Status != refunddomestic.STATUS_ABNORMAL || q.SuccessTime != nil {
		t.Fatalf("query of an abnormal refund: %s %v", q, err)
	}

	f.Inject(t, emulator.Fault{Endpoint: emulator.QueryRefund, Code: "SYSTEM_ERROR"})
	_, err := f.QueryRefund(t, "RF-f1")
	f.APIError(t, err, http.StatusInternalServerError, "SYSTEM_ERROR")

	for name, fault := range map[string]string{
		"outcome on jsapi":       `{"endpoint":"jsapi","refund_outcome":"CLOSED"}`,
		"outcome SUCCESS":        `{"endpoint":"refund","refund_outcome":"SUCCESS"}`,
		"outcome with a code":    `{"endpoint":"refund","refund_outcome":"CLOSED","code":"SYSTEM_ERROR"}`,
		"outcome with a delay":   `{"endpoint":"refund","refund_outcome":"CLOSED","delay_ms":10}`,
		"refund with drop":       `{"endpoint":"refund","drop":1}`,
		"refund_query errcode":   `{"endpoint":"refund_query","errcode":-1}`,
		"refund_notify code":     `{"endpoint":"refund_notify","code":"SYSTEM_ERROR"}`,
		"refund_notify does nil": `{"endpoint":"refund_notify"}`,
	} {
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/faults", fault)
		t.Run(name, func(t *testing.T) { emutest.ControlError(t, resp, b, http.StatusBadRequest) })
	}
}
