package wxpay_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestRequestPayment(t *testing.T) {
	f := startPay(t, nil)
	id := f.Prepay(t, emutest.OrderBody("pay-0001", emutest.DeadNotify))
	good := f.Payment(t, id)

	resign := func(p emulator.PaymentRequest, appID string) emulator.PaymentRequest {
		sig, err := utils.SignSHA256WithRSA(appID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n", f.Keys.MchPrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		p.PaySign = sig
		return p
	}
	for name, edit := range map[string]func(p emulator.PaymentRequest) emulator.PaymentRequest{
		"signed by another key": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.PaySign, _ = utils.SignSHA256WithRSA(emutest.TestAppID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n", f.Keys.PlatformKey)
			return p
		},
		"signed for another appid": func(p emulator.PaymentRequest) emulator.PaymentRequest { return resign(p, "wx-other") },
		"nonce changed":            func(p emulator.PaymentRequest) emulator.PaymentRequest { p.NonceStr = "other"; return p },
		"timeStamp changed":        func(p emulator.PaymentRequest) emulator.PaymentRequest { p.TimeStamp = "1"; return p },
		"paySign not base64":       func(p emulator.PaymentRequest) emulator.PaymentRequest { p.PaySign = "!!"; return p },
		"signType MD5":             func(p emulator.PaymentRequest) emulator.PaymentRequest { p.SignType = "MD5"; return p },
		"package without prefix": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.Package = id
			return resign(p, emutest.TestAppID)
		},
		"unknown prepay_id": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.Package = "prepay_id=wx20250301100000" + strings.Repeat("0", 20)
			return resign(p, emutest.TestAppID)
		},
		"timeStamp not seconds": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.TimeStamp = "2025-03-01"
			return resign(p, emutest.TestAppID)
		},
		"nonceStr too long": func(p emulator.PaymentRequest) emulator.PaymentRequest {
			p.NonceStr = strings.Repeat("n", 33)
			return resign(p, emutest.TestAppID)
		},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := f.Emu.RequestPayment(edit(good)); err == nil || errors.Is(err, emulator.ErrAlreadyPaid) {
				t.Fatalf("err = %v, want a refusal", err)
			}
		})
	}
	if v, _ := f.Emu.Transaction("pay-0001"); v.TradeState != "NOTPAY" {
		t.Fatalf("refused payments changed the state to %s", v.TradeState)
	}

	v, err := f.Emu.RequestPayment(good)
	if err != nil {
		t.Fatalf("RequestPayment: %v", err)
	}
	want := emulator.TransactionView{
		OutTradeNo: "pay-0001", TransactionID: v.TransactionID, PrepayID: id, PrepayIssuedAt: f.Clock.Now(), TradeState: "SUCCESS",
		AppID: emutest.TestAppID, MchID: emutest.TestMchID, PayerOpenID: emutest.TestOpenID, NotifyURL: emutest.DeadNotify,
		Description: "Emulator test order", Total: 100, SuccessTime: f.Clock.Now(),
	}
	if v != want || len(v.TransactionID) != 28 {
		t.Fatalf("paid: %+v\nwant %+v", v, want)
	}
	if got, ok := f.Emu.Transaction("pay-0001"); !ok || got != v {
		t.Fatalf("Transaction = %+v, want %+v", got, v)
	}
	if _, err := f.Emu.RequestPayment(good); !errors.Is(err, emulator.ErrAlreadyPaid) {
		t.Fatalf("paying twice: %v, want ErrAlreadyPaid", err)
	}
	if v, _ := f.Emu.Transaction("pay-0001"); v.TransactionID != want.TransactionID {
		t.Fatal("paying twice changed the transaction")
	}
}

func TestPaymentNeedsAPayableTransaction(t *testing.T) {
	f := startPay(t, nil)
	start := f.Clock.Now()
	withExpiry := emutest.OrderBody("expiry-0001", emutest.DeadNotify)
	withExpiry["time_expire"] = start.Add(time.Hour).Format(time.RFC3339)
	expiring := f.Payment(t, f.Prepay(t, withExpiry))
	weekOld := f.Payment(t, f.Prepay(t, emutest.OrderBody("expiry-0002", emutest.DeadNotify)))
	lastDay := f.Payment(t, f.Prepay(t, emutest.OrderBody("expiry-0003", emutest.DeadNotify)))
	closed := f.Payment(t, f.Prepay(t, emutest.OrderBody("expiry-0004", emutest.DeadNotify)))
	if _, err := f.SDK(t).Post(t.Context(), f.closeURL("expiry-0004"), map[string]string{"mchid": emutest.TestMchID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Emu.RequestPayment(closed); err == nil || !strings.Contains(err.Error(), "订单已关闭") {
		t.Fatalf("paying a closed order: %v", err)
	}

	f.Clock.Advance(time.Hour)
	if _, err := f.Emu.RequestPayment(expiring); err == nil || !strings.Contains(err.Error(), "订单已过期") {
		t.Fatalf("paying at time_expire: %v", err)
	}
	if v, _ := f.Emu.Transaction("expiry-0001"); v.TradeState != "NOTPAY" {
		t.Fatalf("an expired order reads %s, want NOTPAY", v.TradeState)
	}
	f.Clock.Advance(7*24*time.Hour - time.Hour - time.Second)
	if _, err := f.Emu.RequestPayment(lastDay); !errors.Is(err, emulator.ErrPrepayIDExpired) {
		t.Fatalf("paying with a prepay_id of 7 days ago: %v, want ErrPrepayIDExpired", err)
	}
	lastDay = f.Payment(t, f.prepayNow(t, emutest.OrderBody("expiry-0003", emutest.DeadNotify))) // a fresh prepay_id
	if _, err := f.Emu.RequestPayment(lastDay); err != nil {
		t.Fatalf("paying just before 7 days: %v", err)
	}
	f.Clock.Advance(time.Second)
	if _, err := f.Emu.RequestPayment(weekOld); err == nil || !strings.Contains(err.Error(), "订单已过期") {
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
	f := startPay(t, nil)
	for _, tc := range []struct{ body, wantSerial string }{
		{`{"mode":"platform_cert"}`, f.Keys.PlatformSerial()},
		{`{"mode":"public_key"}`, f.Keys.PublicKeyID},
	} {
		resp, b := emutest.Do(t, http.MethodPut, f.Srv.URL+"/emulator/pay/sign-mode", tc.body)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("PUT sign-mode %s: HTTP %d %s", tc.body, resp.StatusCode, b)
		}
		_, err := f.SDK(t).Get(t.Context(), f.queryURL("none-0001"))
		if ae := f.APIError(t, err, http.StatusNotFound, "ORDER_NOT_EXIST"); ae.Header.Get("Wechatpay-Serial") != tc.wantSerial {
			t.Fatalf("after %s: Wechatpay-Serial %q, want %q", tc.body, ae.Header.Get("Wechatpay-Serial"), tc.wantSerial)
		}
	}
	for _, body := range []string{`{"mode":"md5"}`, `{}`, `{"mode":"public_key","x":1}`} {
		resp, b := emutest.Do(t, http.MethodPut, f.Srv.URL+"/emulator/pay/sign-mode", body)
		emutest.ControlError(t, resp, b, http.StatusBadRequest)
	}
}
