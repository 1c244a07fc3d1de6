package emulator_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

func TestRequestPayment(t *testing.T) {
	f := startPay(t, nil)
	id := f.prepay(t, orderBody("pay-0001", deadNotify))
	good := f.payment(t, id)

	resign := func(p emulator.PaymentRequest, appID string) emulator.PaymentRequest {
		sig, err := utils.SignSHA256WithRSA(appID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n", f.keys.MchPrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		p.PaySign = sig
		return p
	}
	for name, edit := range map[string]func(p emulator.PaymentRequest) emulator.PaymentRequest{
		"signed by another key": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.PaySign, _ = utils.SignSHA256WithRSA(testAppID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n", f.keys.PlatformKey)
			return p
		},
		"signed for another appid": func(p emulator.PaymentRequest) emulator.PaymentRequest { return resign(p, "wx-other") },
		"nonce changed":            func(p emulator.PaymentRequest) emulator.PaymentRequest { p.NonceStr = "other"; return p },
		"timeStamp changed":        func(p emulator.PaymentRequest) emulator.PaymentRequest { p.TimeStamp = "1"; return p },
		"paySign not base64":       func(p emulator.PaymentRequest) emulator.PaymentRequest { p.PaySign = "!!"; return p },
		"signType MD5":             func(p emulator.PaymentRequest) emulator.PaymentRequest { p.SignType = "MD5"; return p },
		"package without prefix": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.Package = id
			return resign(p, testAppID)
		},
		"unknown prepay_id": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.Package = "prepay_id=wx20250301100000" + strings.Repeat("0", 20)
			return resign(p, testAppID)
		},
		"timeStamp not seconds": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.TimeStamp = "2025-03-01"
			return resign(p, testAppID)
		},
		"nonceStr too long": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.NonceStr = strings.Repeat("n", 33)
			return resign(p, testAppID)
		},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := f.emu.RequestPayment(edit(good)); err == nil || errors.Is(err, emulator.ErrAlreadyPaid) {
				t.Fatalf("err = %v, want a refusal", err)
			}
		})
	}
	if v, _ := f.emu.Transaction("pay-0001"); v.TradeState != "NOTPAY" {
		t.Fatalf("refused payments changed the state to %s", v.TradeState)
	}

	v, err := f.emu.RequestPayment(good)
	if err != nil {
		t.Fatalf("RequestPayment: %v", err)
	}
	want := emulator.TransactionView{
		OutTradeNo: "pay-0001", TransactionID: v.TransactionID, PrepayID: id, PrepayIssuedAt: f.clock.Now(), TradeState: "SUCCESS",
		AppID: testAppID, MchID: testMchID, PayerOpenID: testOpenID, NotifyURL: deadNotify,
		Description: "Emulator test order", Total: 100, SuccessTime: f.clock.Now(),
	}
	if v != want || len(v.TransactionID) != 28 {
		t.Fatalf("paid: %+v\nwant %+v", v, want)
	}
	if got, ok := f.emu.Transaction("pay-0001"); !ok || got != v {
		t.Fatalf("Transaction = %+v, want %+v", got, v)
	}
	if _, err := f.emu.RequestPayment(good); !errors.Is(err, emulator.ErrAlreadyPaid) {
		t.Fatalf("paying twice: %v, want ErrAlreadyPaid", err)
	}
	if v, _ := f.emu.Transaction("pay-0001"); v.TransactionID != want.TransactionID {
		t.Fatal("paying twice changed the transaction")
	}
}

func TestPaymentNeedsAPayableTransaction(t *testing.T) {
	f := startPay(t, nil)
	start := f.clock.Now()
	withExpiry := orderBody("expiry-0001", deadNotify)
	withExpiry["time_expire"] = start.Add(time.Hour).Format(time.RFC3339)
	expiring := f.payment(t, f.prepay(t, withExpiry))
	weekOld := f.payment(t, f.prepay(t, orderBody("expiry-0002", deadNotify)))
	lastDay := f.payment(t, f.prepay(t, orderBody("expiry-0003", deadNotify)))
	closed := f.payment(t, f.prepay(t, orderBody("expiry-0004", deadNotify)))
	if _, err := f.sdk(t).Post(t.Context(), f.closeURL("expiry-0004"), map[string]string{"mchid": testMchID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.emu.RequestPayment(closed); err == nil || !strings.Contains(err.Error(), "订单已关闭") {
		t.Fatalf("paying a closed order: %v", err)
	}

	f.clock.Advance(time.Hour)
	if _, err := f.emu.RequestPayment(expiring); err == nil || !strings.Contains(err.Error(), "订单已过期") {
		t.Fatalf("paying at time_expire: %v", err)
	}
	if v, _ := f.emu.Transaction("expiry-0001"); v.TradeState != "NOTPAY" {
		t.Fatalf("an expired order reads %s, want NOTPAY", v.TradeState)
	}
	f.clock.Advance(7*24*time.Hour - time.Hour - time.Second)
	if _, err := f.emu.RequestPayment(lastDay); !errors.Is(err, emulator.ErrPrepayIDExpired) {
		t.Fatalf("paying with a prepay_id of 7 days ago: %v, want ErrPrepayIDExpired", err)
	}
	lastDay = f.payment(t, f.prepayNow(t, orderBody("expiry-0003", deadNotify))) // a fresh prepay_id
	if _, err := f.emu.RequestPayment(lastDay); err != nil {
		t.Fatalf("paying just before 7 days: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.emu.RequestPayment(weekOld); err == nil || !strings.Contains(err.Error(), "订单已过期") {
		t.Fatalf("paying after 7 days without time_expire: %v", err)
	}
}

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
	f := startPay(t, nil)
	rc := f.receiver(t, nil)
	p := f.payment(t, f.prepay(t, orderBody("ctl-0001", rc.URL)))
	body := `{"timeStamp":"` + p.TimeStamp + `","nonceStr":"` + p.NonceStr + `","package":"` + p.Package + `","signType":"RSA","paySign":"` + p.PaySign + `"}`

	for name, b := range map[string]string{
		"bad signature": strings.Replace(body, `"nonceStr":"`, `"nonceStr":"x`, 1),
		"unknown field": strings.Replace(body, `"signType"`, `"appId":"wx","signType"`, 1),
		"empty":         ``,
		"not JSON":      `{`,
	} {
		resp, b := do(t, http.MethodPost, f.srv.URL+"/emulator/payments", b)
		t.Run(name, func(t *testing.T) { controlError(t, resp, b, http.StatusBadRequest) })
	}
	resp, b := do(t, http.MethodPost, f.srv.URL+"/emulator/payments", body)
	paid := decode[transactionControlJSON](t, b)
	if resp.StatusCode != http.StatusOK || paid.TradeState != "SUCCESS" || paid.OutTradeNo != "ctl-0001" || len(paid.TransactionID) != 28 ||
		paid.SuccessTime != f.clock.Now().UTC().Format(time.RFC3339) || paid.Total != 100 || paid.NotifyURL != rc.URL || paid.Deliveries != nil {
		t.Fatalf("POST payments: HTTP %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, http.MethodPost, f.srv.URL+"/emulator/payments", body)
	controlError(t, resp, b, http.StatusConflict)

	f.finished(t, "ctl-0001")
	resp, b = do(t, http.MethodGet, f.srv.URL+"/emulator/transactions/ctl-0001", "")
	got := decode[transactionControlJSON](t, b)
	if resp.StatusCode != http.StatusOK || got.TransactionID != paid.TransactionID || len(got.Deliveries) != 1 ||
		got.Deliveries[0].Status != http.StatusNoContent || !got.Deliveries[0].Final || got.Deliveries[0].Attempt != 1 {
		t.Fatalf("GET transaction: HTTP %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, http.MethodGet, f.srv.URL+"/emulator/transactions/nope-0001", "")
	controlError(t, resp, b, http.StatusNotFound)

	// A re-send is a duplicate with the same notification id.
	resp, b = do(t, http.MethodPost, f.srv.URL+"/emulator/transactions/ctl-0001/notify", "")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("re-send: HTTP %d %s", resp.StatusCode, b)
	}
	waitFor(t, "the re-sent notification", func() bool { return len(f.emu.Deliveries("ctl-0001")) == 2 })
	ds := f.emu.Deliveries("ctl-0001")
	if !ds[1].Duplicate || ds[1].NotificationID != ds[0].NotificationID || ds[1].Status != http.StatusNoContent {
		t.Fatalf("re-send recorded as %+v after %+v", ds[1], ds[0])
	}
	if got := rc.all(); len(got) != 2 || got[0].req.ID != got[1].req.ID {
		t.Fatalf("receiver got %d notifications, want the same one twice", len(got))
	}
	f.prepay(t, orderBody("ctl-0002", rc.URL))
	resp, b = do(t, http.MethodPost, f.srv.URL+"/emulator/transactions/ctl-0002/notify", "")
	controlError(t, resp, b, http.StatusConflict)
	resp, b = do(t, http.MethodPost, f.srv.URL+"/emulator/transactions/nope-0001/notify", "")
	controlError(t, resp, b, http.StatusNotFound)
}

func TestControlSignMode(t *testing.T) {
	f := startPay(t, nil)
	for _, tc := range []struct{ body, wantSerial string }{
		{`{"mode":"platform_cert"}`, f.keys.PlatformSerial()},
		{`{"mode":"public_key"}`, f.keys.PublicKeyID},
	} {
		resp, b := do(t, http.MethodPut, f.srv.URL+"/emulator/pay/sign-mode", tc.body)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("PUT sign-mode %s: HTTP %d %s", tc.body, resp.StatusCode, b)
		}
		_, err := f.sdk(t).Get(t.Context(), f.queryURL("none-0001"))
		if ae := f.apiError(t, err, http.StatusNotFound, "ORDER_NOT_EXIST"); ae.Header.Get("Wechatpay-Serial") != tc.wantSerial {
			t.Fatalf("after %s: Wechatpay-Serial %q, want %q", tc.body, ae.Header.Get("Wechatpay-Serial"), tc.wantSerial)
		}
	}
	for _, body := range []string{`{"mode":"md5"}`, `{}`, `{"mode":"public_key","x":1}`} {
		resp, b := do(t, http.MethodPut, f.srv.URL+"/emulator/pay/sign-mode", body)
		controlError(t, resp, b, http.StatusBadRequest)
	}
}

func TestPayNeedsPayConfig(t *testing.T) {
	f := start(t, emulator.Config{})
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/v3/pay/transactions/out-trade-no/order-0001?mchid=1"},
		{http.MethodPost, "/v3/pay/transactions/out-trade-no/order-0001/close"},
		{http.MethodPost, "/emulator/payments"},
		{http.MethodGet, "/emulator/transactions/order-0001"},
		{http.MethodPut, "/emulator/transactions/order-0001/state"},
		{http.MethodPut, "/emulator/pay/sign-mode"},
	} {
		resp, b := do(t, tc.method, f.srv.URL+tc.path, "")
		controlError(t, resp, b, http.StatusNotFound)
	}
	if _, err := f.emu.RequestPayment(emulator.PaymentRequest{}); !errors.Is(err, emulator.ErrPayDisabled) {
		t.Fatalf("RequestPayment: %v", err)
	}
	if _, _, err := f.emu.Notification("order-0001", emulator.NotificationOptions{}); !errors.Is(err, emulator.ErrPayDisabled) {
		t.Fatalf("Notification: %v", err)
	}
	if _, ok := f.emu.Transaction("order-0001"); ok || f.emu.Deliveries("order-0001") != nil {
		t.Fatal("transactions without Pay")
	}
	if _, err := f.emu.SetTradeState("order-0001", "USERPAYING"); !errors.Is(err, emulator.ErrPayDisabled) {
		t.Fatalf("SetTradeState: %v", err)
	}
	if f.emu.QueryCount("order-0001") != 0 || f.emu.CloseCount("order-0001") != 0 {
		t.Fatal("call counts without Pay")
	}
	f.emu.SetSignMode(emulator.SignWithPlatformCert) // does nothing
	f.emu.Close()
}
