package notify_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestNotificationOptions(t *testing.T) {
	f := emutest.StartPay(t, nil)
	f.Prepay(t, emutest.OrderBody("forge-0001", emutest.DeadNotify)) // unpaid: any state will do
	paid := f.Paid(t, "forge-0002", emutest.DeadNotify)
	build := func(no string, o emulator.NotificationOptions) (http.Header, []byte) {
		t.Helper()
		h, body, err := f.Emu.Notification(no, o)
		if err != nil {
			t.Fatalf("Notification(%s, %+v): %v", no, o, err)
		}
		return h, body
	}
	try := func(no string, o emulator.NotificationOptions) (*notify.Request, payments.Transaction, error) {
		t.Helper()
		h, body := build(no, o)
		return f.Parse(t, h, body)
	}

	t.Run("defaults are what a delivery sends", func(t *testing.T) {
		req, txn, err := try("forge-0002", emulator.NotificationOptions{})
		if err != nil || req.EventType != "TRANSACTION.SUCCESS" || !strings.HasPrefix(req.ID, "EV-") ||
			*txn.TransactionId != paid.TransactionID || *txn.TradeState != "SUCCESS" {
			t.Fatalf("%v %+v %s", err, req, txn)
		}
		req, txn, err = try("forge-0001", emulator.NotificationOptions{})
		if err != nil || *txn.TradeState != "NOTPAY" || txn.TransactionId != nil {
			t.Fatalf("unpaid: %v %s", err, txn)
		}
		if ds := f.Emu.Deliveries("forge-0001"); len(ds) != 0 {
			t.Fatalf("Notification recorded deliveries: %+v", ds)
		}
	})
	t.Run("id, event type and timestamp", func(t *testing.T) {
		at := f.Clock.Now().Add(-time.Minute)
		req, _, err := try("forge-0002", emulator.NotificationOptions{ID: "EV-1", EventType: "TRANSACTION.REFUND", Timestamp: at})
		if err != nil || req.ID != "EV-1" || req.EventType != "TRANSACTION.REFUND" || !req.CreateTime.Equal(at.Truncate(time.Second)) {
			t.Fatalf("%v %+v", err, req)
		}
		h, body := build("forge-0002", emulator.NotificationOptions{Timestamp: f.Clock.Now().Add(-10 * time.Minute)})
		if _, _, err := f.Parse(t, h, body); err == nil || !strings.Contains(err.Error(), "expires") {
			t.Fatalf("a stale notification passed: %v", err)
		}
	})
	t.Run("forged signatures are refused", func(t *testing.T) {
		for name, o := range map[string]emulator.NotificationOptions{
			"signed by the merchant's key":    {SignWith: f.Keys.MchPrivateKey},
			"SIGNTEST probe":                  {SignTest: true},
			"unknown serial":                  {Serial: "PUB_KEY_ID_0000"},
			"platform serial, public key sig": {Serial: f.Keys.PlatformSerial()},
		} {
			h, body := build("forge-0002", o)
			if _, _, err := f.Parse(t, h, body); err == nil {
				t.Errorf("%s: the SDK accepted it", name)
			}
			if o.SignTest && !strings.HasPrefix(h.Get("Wechatpay-Signature"), "WECHATPAY/SIGNTEST/") {
				t.Errorf("probe signature %q", h.Get("Wechatpay-Signature"))
			}
		}
		// The platform certificate's key with its serial is genuine.
		h, body := build("forge-0002", emulator.NotificationOptions{SignWith: f.Keys.PlatformKey, Serial: f.Keys.PlatformSerial()})
		if _, _, err := f.Parse(t, h, body); err != nil {
			t.Errorf("platform-signed: %v", err)
		}
	})
	t.Run("a wrong APIv3 key fails decryption", func(t *testing.T) {
		h, body := build("forge-0002", emulator.NotificationOptions{APIv3Key: strings.Repeat("k", 32)})
		if _, _, err := f.Parse(t, h, body); err == nil || !strings.Contains(err.Error(), "decrypt") {
			t.Fatalf("err = %v, want a decryption failure after a valid signature", err)
		}
	})
	t.Run("mutated resources arrive as mutated", func(t *testing.T) {
		h, body := build("forge-0002", emulator.NotificationOptions{Mutate: func(m map[string]any) {
			m["amount"].(map[string]any)["total"] = 1
			m["appid"] = "wx-attacker"
			m["out_trade_no"] = "forge-9999"
			if m["mchid"] != emutest.TestMchID {
				t.Errorf("Mutate sees mchid %v", m["mchid"])
			}
			if total, ok := m["amount"].(map[string]any)["payer_total"].(json.Number); !ok || total.String() != "100" {
				t.Errorf("Mutate sees payer_total %#v, want json.Number 100", m["amount"].(map[string]any)["payer_total"])
			}
		}})
		_, txn, err := f.Parse(t, h, body)
		if err != nil || *txn.Amount.Total != 1 || *txn.Appid != "wx-attacker" || *txn.OutTradeNo != "forge-9999" || *txn.TransactionId != paid.TransactionID {
			t.Fatalf("%v %s", err, txn)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		if _, _, err := f.Emu.Notification("nope-0001", emulator.NotificationOptions{}); !errors.Is(err, emulator.ErrNoTransaction) {
			t.Errorf("unknown out_trade_no: %v", err)
		}
		if _, _, err := f.Emu.Notification("forge-0002", emulator.NotificationOptions{APIv3Key: "short"}); err == nil {
			t.Error("an APIv3 key of 5 bytes was used")
		}
	})
}

func TestSealTransactionMakesAVerifiableNotification(t *testing.T) {
	keys := emutest.PayKeys(t)
	emu, err := emulator.New(emulator.Config{AppID: "wxapp", Secret: "s", Pay: &emulator.PayConfig{Keys: keys, AllowHTTPNotify: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	h, body, err := emu.SealTransaction(map[string]any{"out_trade_no": "20261201abcdef", "trade_state": "SUCCESS"}, emulator.NotificationOptions{})
	if err != nil || h.Get("Wechatpay-Signature") == "" || !bytes.Contains(body, []byte(`"original_type":"transaction"`)) {
		t.Fatalf("%v %v %s", err, h, body)
	}
	if bytes.Contains(body, []byte("20261201abcdef")) {
		t.Fatal("the resource is not encrypted")
	}
}
