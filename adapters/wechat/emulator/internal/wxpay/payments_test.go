package wxpay_test

import (
	"errors"
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
	if _, err := f.SDK(t).Post(t.Context(), f.CloseURL("expiry-0004"), map[string]string{"mchid": emutest.TestMchID}); err != nil {
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
