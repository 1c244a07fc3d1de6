package control_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

type transactionControlJSON struct {
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	PrepayID      string `json:"prepay_id"`
	TradeState    string `json:"trade_state"`
	AppID         string `json:"appid"`
	MchID         string `json:"mchid"`
	PayerOpenID   string `json:"payer_openid"`
	NotifyURL     string `json:"notify_url"`
	Total         int64  `json:"total"`
	SuccessTime   string `json:"success_time"`
	Deliveries    []struct {
		NotificationID string `json:"notification_id"`
		Attempt        int    `json:"attempt"`
		Status         int    `json:"status"`
		Final          bool   `json:"final"`
	} `json:"deliveries"`
}

func TestControlPayments(t *testing.T) {
	f := emutest.StartPay(t, nil)
	rc := f.Receiver(t, nil)
	p := f.Payment(t, f.Prepay(t, emutest.OrderBody("ctl-0001", rc.URL)))
	body := `{"timeStamp":"` + p.TimeStamp + `","nonceStr":"` + p.NonceStr + `","package":"` + p.Package + `","signType":"RSA","paySign":"` + p.PaySign + `"}`

	for name, b := range map[string]string{
		"bad signature": strings.Replace(body, `"nonceStr":"`, `"nonceStr":"x`, 1),
		"unknown field": strings.Replace(body, `"signType"`, `"appId":"wx","signType"`, 1),
		"empty":         ``,
		"not JSON":      `{`,
	} {
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/payments", b)
		t.Run(name, func(t *testing.T) { emutest.ControlError(t, resp, b, http.StatusBadRequest) })
	}
	resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/payments", body)
	paid := emutest.Decode[transactionControlJSON](t, b)
	if resp.StatusCode != http.StatusOK || paid.TradeState != "SUCCESS" || paid.OutTradeNo != "ctl-0001" || len(paid.TransactionID) != 28 ||
		paid.SuccessTime != f.Clock.Now().UTC().Format(time.RFC3339) || paid.Total != 100 || paid.NotifyURL != rc.URL || paid.Deliveries != nil {
		t.Fatalf("POST payments: HTTP %d %s", resp.StatusCode, b)
	}
	resp, b = emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/payments", body)
	emutest.ControlError(t, resp, b, http.StatusConflict)

	f.Finished(t, "ctl-0001")
	resp, b = emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/transactions/ctl-0001", "")
	got := emutest.Decode[transactionControlJSON](t, b)
	if resp.StatusCode != http.StatusOK || got.TransactionID != paid.TransactionID || len(got.Deliveries) != 1 ||
		got.Deliveries[0].Status != http.StatusNoContent || !got.Deliveries[0].Final || got.Deliveries[0].Attempt != 1 {
		t.Fatalf("GET transaction: HTTP %d %s", resp.StatusCode, b)
	}
	resp, b = emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/transactions/nope-0001", "")
	emutest.ControlError(t, resp, b, http.StatusNotFound)

	// A re-send is a duplicate with the same notification id.
	resp, b = emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/transactions/ctl-0001/notify", "")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("re-send: HTTP %d %s", resp.StatusCode, b)
	}
	emutest.WaitFor(t, "the re-sent notification", func() bool { return len(f.Emu.Deliveries("ctl-0001")) == 2 })
	ds := f.Emu.Deliveries("ctl-0001")
	if !ds[1].Duplicate || ds[1].NotificationID != ds[0].NotificationID || ds[1].Status != http.StatusNoContent {
		t.Fatalf("re-send recorded as %+v after %+v", ds[1], ds[0])
	}
	if got := rc.All(); len(got) != 2 || got[0].Req.ID != got[1].Req.ID {
		t.Fatalf("receiver got %d notifications, want the same one twice", len(got))
	}
	f.Prepay(t, emutest.OrderBody("ctl-0002", rc.URL))
	resp, b = emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/transactions/ctl-0002/notify", "")
	emutest.ControlError(t, resp, b, http.StatusConflict)
	resp, b = emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/transactions/nope-0001/notify", "")
	emutest.ControlError(t, resp, b, http.StatusNotFound)
}

func TestControlSignMode(t *testing.T) {
	f := emutest.StartPay(t, nil)
	for _, tc := range []struct{ body, wantSerial string }{
		{`{"mode":"platform_cert"}`, f.Keys.PlatformSerial()},
		{`{"mode":"public_key"}`, f.Keys.PublicKeyID},
	} {
		resp, b := emutest.Do(t, http.MethodPut, f.Srv.URL+"/emulator/pay/sign-mode", tc.body)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("PUT sign-mode %s: HTTP %d %s", tc.body, resp.StatusCode, b)
		}
		_, err := f.SDK(t).Get(t.Context(), f.QueryURL("none-0001"))
		if ae := f.APIError(t, err, http.StatusNotFound, "ORDER_NOT_EXIST"); ae.Header.Get("Wechatpay-Serial") != tc.wantSerial {
			t.Fatalf("after %s: Wechatpay-Serial %q, want %q", tc.body, ae.Header.Get("Wechatpay-Serial"), tc.wantSerial)
		}
	}
	for _, body := range []string{`{"mode":"md5"}`, `{}`, `{"mode":"public_key","x":1}`} {
		resp, b := emutest.Do(t, http.MethodPut, f.Srv.URL+"/emulator/pay/sign-mode", body)
		emutest.ControlError(t, resp, b, http.StatusBadRequest)
	}
}

func TestControlTradeState(t *testing.T) {
	f := emutest.StartPay(t, nil)
	f.Prepay(t, emutest.OrderBody("state-0001", emutest.DeadNotify))
	url := f.Srv.URL + "/emulator/transactions/state-0001/state"

	for _, state := range []string{"USERPAYING", "NOTPAY"} {
		resp, b := emutest.Do(t, http.MethodPut, url, `{"trade_state":"`+state+`"}`)
		got := emutest.Decode[transactionControlJSON](t, b)
		if resp.StatusCode != http.StatusOK || got.TradeState != state || got.OutTradeNo != "state-0001" || got.PrepayID == "" {
			t.Fatalf("PUT %s: HTTP %d %s", state, resp.StatusCode, b)
		}
		if v, _ := f.Emu.Transaction("state-0001"); v.TradeState != state {
			t.Fatalf("after PUT %s: %s", state, v.TradeState)
		}
	}
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"trade_state":"SUCCESS"}`, http.StatusConflict},
		{`{"trade_state":"CLOSED"}`, http.StatusConflict},
		{`{"trade_state":"REFUND"}`, http.StatusConflict}, // not paid
		{`{"trade_state":"NOTPAY"}`, http.StatusConflict}, // already NOTPAY
		{`{"trade_state":"PAID"}`, http.StatusBadRequest},
		{`{}`, http.StatusBadRequest},
		{``, http.StatusBadRequest},
		{`{"trade_state":"USERPAYING","x":1}`, http.StatusBadRequest},
		{`{"trade_state":`, http.StatusBadRequest},
	} {
		resp, b := emutest.Do(t, http.MethodPut, url, tc.body)
		t.Run(tc.body, func(t *testing.T) { emutest.ControlError(t, resp, b, tc.status) })
	}
	if v, _ := f.Emu.Transaction("state-0001"); v.TradeState != "NOTPAY" {
		t.Fatalf("refused PUTs changed the state to %s", v.TradeState)
	}
	resp, b := emutest.Do(t, http.MethodPut, f.Srv.URL+"/emulator/transactions/nope-0001/state", `{"trade_state":"USERPAYING"}`)
	emutest.ControlError(t, resp, b, http.StatusNotFound)
	resp, b = emutest.Do(t, http.MethodGet, url, "")
	emutest.ControlError(t, resp, b, http.StatusMethodNotAllowed)
}
