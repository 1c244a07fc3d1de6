package wechat

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

// Notifications as the emulator builds and sends them, in both sign modes.
func TestParseNotificationFromEmulator(t *testing.T) {
	other := mustKeys(t, otherKeys)
	for _, mode := range []emulator.SignMode{emulator.SignWithPublicKey, emulator.SignWithPlatformCert} {
		t.Run(string(mode), func(t *testing.T) {
			env := newPayEnv(t, mode)
			p := env.pay(t, string(mode), nil)
			ctx := t.Context()
			const no = "ORDER_notify-001"
			prepayID, err := p.Prepay(ctx, order(no))
			if err != nil {
				t.Fatal(err)
			}
			note := func(o emulator.NotificationOptions) (domain.PaymentNotification, error) {
				t.Helper()
				h, body, err := env.emu.Notification(no, o)
				if err != nil {
					t.Fatal(err)
				}
				return p.ParseNotification(ctx, h, body)
			}

			n, err := note(emulator.NotificationOptions{ID: "EV-2025030112000000001"})
			if err != nil || n.ID != "EV-2025030112000000001" || n.Transaction.OutTradeNo != no || n.Transaction.State != domain.TradeNotPay {
				t.Errorf("valid notification: %+v, %v", n, err)
			}
			// Content is the use case's to judge; the adapter vouches only for its origin.
			n, err = note(emulator.NotificationOptions{Mutate: func(txn map[string]any) {
				txn["amount"].(map[string]any)["total"] = json.Number("1")
				txn["appid"] = "wx_not_ours"
			}})
			if err != nil || n.Transaction.TotalFen != 1 || n.Transaction.AppID != "wx_not_ours" {
				t.Errorf("mutated notification: %+v, %v", n, err)
			}

			otherKey := other.PublicKeyPrivate
			if mode == emulator.SignWithPlatformCert {
				otherKey = other.PlatformKey
			}
			refused := map[string]struct {
				o      emulator.NotificationOptions
				reason NotificationReason
			}{
				"6 minutes old":         {emulator.NotificationOptions{Timestamp: env.now.Add(-6 * time.Minute)}, ReasonStaleTimestamp},
				"6 minutes ahead":       {emulator.NotificationOptions{Timestamp: env.now.Add(6 * time.Minute)}, ReasonStaleTimestamp},
				"signtest probe":        {emulator.NotificationOptions{SignTest: true}, ReasonSignTestProbe},
				"unknown serial":        {emulator.NotificationOptions{Serial: other.PublicKeyID}, ReasonUnknownSerial},
				"signed by another key": {emulator.NotificationOptions{SignWith: otherKey}, ReasonBadSignature},
				"another APIv3 key":     {emulator.NotificationOptions{APIv3Key: other.APIv3Key}, ReasonDecryptFailed},
				"other platform serial": {emulator.NotificationOptions{Serial: other.PlatformSerial()}, ReasonUnknownSerial},
				"amount not an object":  {emulator.NotificationOptions{Mutate: func(m map[string]any) { m["amount"] = "lots" }}, ReasonMalformed},
			}
			for name, c := range refused {
				h, body, err := env.emu.Notification(no, c.o)
				if err != nil {
					t.Fatal(err)
				}
				_, err = p.ParseNotification(ctx, h, body)
				checkRefusal(t, name, err, c.reason, env.keys.APIv3Key, body)
			}

			h, body, _ := env.emu.Notification(no, emulator.NotificationOptions{})
			broken := []byte(`{"id":"EV-1","event_type":`)
			_, err = p.ParseNotification(ctx, h, broken)
			checkRefusal(t, "body not JSON", err, ReasonMalformed, env.keys.APIv3Key, broken)
			for _, name := range []string{"Timestamp", "Nonce", "Signature", "Serial", "Signature-Type"} {
				hh := h.Clone()
				hh.Del("Wechatpay-" + name)
				_, err = p.ParseNotification(ctx, hh, body)
				checkRefusal(t, "without Wechatpay-"+name, err, ReasonMalformed, env.keys.APIv3Key, body)
			}

			// A real delivery preceded by WeChat's SIGNTEST probe: the probe
			// is refused, the payment accepted.
			if err := env.emu.InjectFault(emulator.Fault{Endpoint: emulator.Notify, SignTest: true}); err != nil {
				t.Fatal(err)
			}
			params, err := p.PaymentParams(prepayID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := env.emu.RequestPayment(emulator.PaymentRequest{TimeStamp: params.TimeStamp, NonceStr: params.NonceStr,
				Package: params.Package, SignType: params.SignType, PaySign: params.PaySign}); err != nil {
				t.Fatal(err)
			}
			var probes, payments int
			for range 2 {
				d := <-env.notified
				n, err := p.ParseNotification(ctx, d.h, d.body)
				var ne *NotificationError
				switch {
				case err == nil && n.Transaction.State == domain.TradeSuccess && n.Transaction.OutTradeNo == no:
					payments++
				case errors.As(err, &ne) && ne.Reason == ReasonSignTestProbe:
					probes++
				default:
					t.Errorf("delivery: %+v, %v", n, err)
				}
			}
			if probes != 1 || payments != 1 {
				t.Errorf("%d probes and %d payments, want one of each", probes, payments)
			}
		})
	}
}

func checkRefusal(t *testing.T, name string, err error, reason NotificationReason, apiV3Key string, body []byte) {
	t.Helper()
	var ne *NotificationError
	if !errors.As(err, &ne) || ne.Reason != reason {
		t.Errorf("%s: error %v, want reason %q", name, err, reason)
		return
	}
	var env struct{ Resource struct{ Ciphertext string } }
	_ = json.Unmarshal(body, &env)
	msg := err.Error()
	for _, leak := range []string{apiV3Key, string(body), env.Resource.Ciphertext} {
		if leak != "" && strings.Contains(msg, leak) {
			t.Errorf("%s: error %q leaks the key or the body", name, msg)
		}
	}
}
