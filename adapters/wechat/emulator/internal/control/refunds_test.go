package control_test

import (
	"net/http"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestRefundControlRoutes(t *testing.T) {
	f := emutest.StartPay(t, emutest.Manual)
	rc := f.Receiver(t, nil)
	paid := f.Paid(t, "rctl-0001", emutest.DeadNotify)
	f.MustRefund(t, emutest.RefundBody("rctl-0001", "RF-ctl|1", 25, 100, rc.URL))

	type refundJSON struct {
		OutRefundNo         string `json:"out_refund_no"`
		RefundID            string `json:"refund_id"`
		OutTradeNo          string `json:"out_trade_no"`
		TransactionID       string `json:"transaction_id"`
		Status              string `json:"status"`
		Reason              string `json:"reason"`
		NotifyURL           string `json:"notify_url"`
		Refund              int64  `json:"refund"`
		Total               int64  `json:"total"`
		UserReceivedAccount string `json:"user_received_account"`
		CreateTime          string `json:"create_time"`
		SuccessTime         string `json:"success_time"`
		Deliveries          []struct {
			NotificationID string `json:"notification_id"`
			Status         int    `json:"status"`
			Final          bool   `json:"final"`
		} `json:"deliveries"`
	}
	get := func() refundJSON {
		t.Helper()
		resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/refunds/RF-ctl%7C1", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET refund: HTTP %d %s", resp.StatusCode, b)
		}
		return emutest.Decode[refundJSON](t, b)
	}
	j := get()
	if j.OutRefundNo != "RF-ctl|1" || j.Status != "PROCESSING" || j.Refund != 25 || j.Total != 100 || j.TransactionID != paid.TransactionID ||
		j.OutTradeNo != "rctl-0001" || j.SuccessTime != "" || j.CreateTime == "" || j.UserReceivedAccount != "支付用户零钱" ||
		j.NotifyURL != rc.URL || j.Reason != "商品已售完" || j.RefundID == "" || j.Deliveries == nil {
		t.Fatalf("refund %+v", j)
	}
	resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/refunds/RF-ctl%7C1/complete", "")
	if done := emutest.Decode[refundJSON](t, b); resp.StatusCode != http.StatusOK || done.Status != "SUCCESS" || done.SuccessTime == "" {
		t.Fatalf("complete: HTTP %d %s", resp.StatusCode, b)
	}
	f.RefundFinished(t, "RF-ctl|1")
	if j := get(); j.Status != "SUCCESS" || len(j.Deliveries) != 1 || j.Deliveries[0].Status != http.StatusNoContent || !j.Deliveries[0].Final {
		t.Fatalf("after complete %+v", j)
	}
	resp, b = emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/transactions/rctl-0001", "")
	txn := emutest.Decode[struct {
		TradeState string       `json:"trade_state"`
		Refunds    []refundJSON `json:"refunds"`
	}](t, b)
	if resp.StatusCode != http.StatusOK || len(txn.Refunds) != 1 || txn.Refunds[0].OutRefundNo != "RF-ctl|1" || txn.Refunds[0].Status != "SUCCESS" || txn.TradeState != "SUCCESS" {
		t.Fatalf("transaction %s", b)
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/emulator/refunds/RF-ctl%7C1/complete", http.StatusConflict},
		{http.MethodPost, "/emulator/refunds/RF-none/complete", http.StatusNotFound},
		{http.MethodGet, "/emulator/refunds/RF-none", http.StatusNotFound},
		{http.MethodDelete, "/emulator/refunds/RF-ctl%7C1", http.StatusMethodNotAllowed},
		{http.MethodGet, "/emulator/refunds/RF-ctl%7C1/complete", http.StatusMethodNotAllowed},
	} {
		resp, b := emutest.Do(t, c.method, f.Srv.URL+c.path, "")
		emutest.ControlError(t, resp, b, c.status)
	}
}

// The console's "Refund on the platform": a refund WeChat Pay makes by
// hand, checked against the spec, found by the merchant's query, never
// notified.
func TestPlatformRefundRoute(t *testing.T) {
	f := emutest.StartPay(t, emutest.Manual)
	c := controlContract(t, f.Srv.URL)
	paid := f.Paid(t, "rctl-0002", emutest.DeadNotify)
	f.Prepay(t, emutest.OrderBody("rctl-unpaid", emutest.DeadNotify))

	type platformRefund struct {
		OutRefundNo   string `json:"out_refund_no"`
		RefundID      string `json:"refund_id"`
		OutTradeNo    string `json:"out_trade_no"`
		TransactionID string `json:"transaction_id"`
		Status        string `json:"status"`
		NotifyURL     string `json:"notify_url"`
		Refund        int64  `json:"refund"`
		Total         int64  `json:"total"`
		SuccessTime   string `json:"success_time"`
		Platform      bool   `json:"platform"`
	}
	r := emutest.Decode[platformRefund](t, c.call(http.MethodPost, "/emulator/transactions/rctl-0002/refund", `{"amount_fen":30}`, http.StatusCreated))
	if r.Status != "SUCCESS" || r.OutRefundNo != r.RefundID || r.RefundID == "" || !r.Platform || r.NotifyURL != "" || r.Refund != 30 ||
		r.Total != 100 || r.OutTradeNo != "rctl-0002" || r.TransactionID != paid.TransactionID || r.SuccessTime == "" {
		t.Fatalf("platform refund %+v", r)
	}
	if q, err := f.QueryRefund(t, r.OutRefundNo); err != nil || *q.RefundId != r.RefundID || *q.Status != "SUCCESS" {
		t.Fatalf("the merchant's query: %s %v", q, err)
	}
	p := emutest.Decode[platformRefund](t, c.call(http.MethodPost, "/emulator/transactions/rctl-0002/refund",
		`{"amount_fen":70,"status":"PROCESSING"}`, http.StatusCreated))
	if p.Status != "PROCESSING" || p.SuccessTime != "" || !p.Platform {
		t.Fatalf("PROCESSING platform refund %+v", p)
	}
	listed := emutest.Decode[listOf[platformRefund]](t, c.call(http.MethodGet, "/emulator/refunds", "", http.StatusOK)).Items
	if len(listed) != 2 || !listed[0].Platform || !listed[1].Platform {
		t.Fatalf("refunds %+v", listed)
	}
	c.call(http.MethodPost, "/emulator/refunds/"+p.OutRefundNo+"/complete", "", http.StatusOK)
	c.call(http.MethodPost, "/emulator/refunds/"+r.OutRefundNo+"/notify", "", http.StatusConflict) // no notify_url
	if ds := f.Emu.RefundDeliveries(p.OutRefundNo); len(ds) != 0 {
		t.Fatalf("platform refund notified: %+v", ds)
	}
	if txn := emutest.Decode[struct {
		TradeState string `json:"trade_state"`
	}](t, c.call(http.MethodGet, "/emulator/transactions/rctl-0002", "", http.StatusOK)); txn.TradeState != "REFUND" {
		t.Fatalf("transaction %+v, want REFUND", txn)
	}

	c.call(http.MethodPost, "/emulator/transactions/rctl-0002/refund", `{"amount_fen":1}`, http.StatusConflict)   // fully refunded
	c.call(http.MethodPost, "/emulator/transactions/rctl-unpaid/refund", `{"amount_fen":1}`, http.StatusConflict) // not paid
	c.call(http.MethodPost, "/emulator/transactions/nope/refund", `{"amount_fen":1}`, http.StatusNotFound)
	f.Paid(t, "rctl-0003", emutest.DeadNotify)
	c.call(http.MethodPost, "/emulator/transactions/rctl-0003/refund", `{"amount_fen":101}`, http.StatusConflict) // more than was paid
	// Bodies the spec refuses too, so sent around the contract client.
	for _, body := range []string{
		``,
		`{}`,
		`{"amount_fen":0}`,
		`{"amount_fen":-1}`,
		`{"amount_fen":"10"}`,
		`{"amount_fen":10,"status":"CLOSED"}`,
		`{"amount_fen":10,"reason":"x"}`,
		`{"amount_fen":10} {}`,
	} {
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/transactions/rctl-0003/refund", body)
		t.Run(body, func(t *testing.T) { emutest.ControlError(t, resp, b, http.StatusBadRequest) })
	}
	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/transactions/rctl-0003/refund", "")
	emutest.ControlError(t, resp, b, http.StatusMethodNotAllowed)
	if n := len(f.Emu.Refunds("rctl-0003")); n != 0 {
		t.Fatalf("%d refunds recorded by refusals", n)
	}
}
