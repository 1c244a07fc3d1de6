package wechat

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/domain"
)

// Refund notifications as the emulator builds them, in both sign modes:
// verified exactly like payment notifications, and only with a refund
// resource.
func TestParseRefundNotificationFromEmulator(t *testing.T) {
	other := mustKeys(t, otherKeys)
	for _, mode := range []emulator.SignMode{emulator.SignWithPublicKey, emulator.SignWithPlatformCert} {
		t.Run(string(mode), func(t *testing.T) {
			env := newPayEnvWith(t, mode, func(c *emulator.PayConfig) { c.ManualRefunds = true })
			p := env.pay(t, string(mode), nil)
			ctx := t.Context()
			const no, refundNo = "ORDER_rnotify-01", "RF-notify-1"
			paid := env.paidOrder(t, p, no)
			if _, err := p.CreateRefund(ctx, refundOf(no, refundNo, 500)); err != nil {
				t.Fatal(err)
			}
			done, err := env.emu.CompleteRefund(refundNo)
			if err != nil {
				t.Fatal(err)
			}
			note := func(o emulator.NotificationOptions) (domain.RefundNotification, error) {
				t.Helper()
				h, body, err := env.emu.RefundNotification(refundNo, o)
				if err != nil {
					t.Fatal(err)
				}
				return p.ParseRefundNotification(ctx, h, body)
			}

			n, err := note(emulator.NotificationOptions{ID: "EV-2025030112000000009"})
			want := domain.RefundReport{MchID: testMchID, OutTradeNo: no, TransactionID: paid.TransactionID, OutRefundNo: refundNo,
				RefundID: done.RefundID, Status: domain.RefundSuccess, RefundFen: 500, TotalFen: 1999,
				UserReceivedAccount: "支付用户零钱", SuccessTime: done.SuccessTime.Truncate(time.Second)}
			if err != nil || n.ID != "EV-2025030112000000009" || n.EventType != domain.EventRefundSuccess || !sameRefund(n.Refund, want) {
				t.Errorf("valid notification: %+v, %v\nwant %+v", n, err, want)
			}
			// Content and event types are the domain's to judge.
			n, err = note(emulator.NotificationOptions{EventType: "REFUND.SOMETHING_NEW", Mutate: func(m map[string]any) {
				m["amount"].(map[string]any)["refund"] = json.Number("1999")
				m["mchid"] = "1900000999"
				m["refund_status"] = "ABNORMAL"
			}})
			if err != nil || n.EventType != "REFUND.SOMETHING_NEW" || n.Refund.RefundFen != 1999 || n.Refund.MchID != "1900000999" ||
				n.Refund.Status != domain.RefundAbnormal || !n.Refund.SuccessTime.IsZero() {
				t.Errorf("bent notification: %+v, %v", n, err)
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
				"other platform serial": {emulator.NotificationOptions{Serial: other.PlatformSerial()}, ReasonUnknownSerial},
				"signed by another key": {emulator.NotificationOptions{SignWith: otherKey}, ReasonBadSignature},
				"another APIv3 key":     {emulator.NotificationOptions{APIv3Key: other.APIv3Key}, ReasonDecryptFailed},
				"unknown refund_status": {emulator.NotificationOptions{Mutate: func(m map[string]any) { m["refund_status"] = "REFUNDING" }}, ReasonMalformed},
				"success_time not RFC3339": {emulator.NotificationOptions{Mutate: func(m map[string]any) { m["success_time"] = "2025-03-01 18:00:05" }},
					ReasonMalformed},
				"amount not an object": {emulator.NotificationOptions{Mutate: func(m map[string]any) { m["amount"] = "lots" }}, ReasonMalformed},
				"no out_refund_no":     {emulator.NotificationOptions{Mutate: func(m map[string]any) { delete(m, "out_refund_no") }}, ReasonMalformed},
			}
			for name, c := range refused {
				h, body, err := env.emu.RefundNotification(refundNo, c.o)
				if err != nil {
					t.Fatal(err)
				}
				_, err = p.ParseRefundNotification(ctx, h, body)
				checkRefusal(t, name, err, c.reason, env.keys.APIv3Key, body)
			}

			// The signed bytes, and only they, count.
			h, body, _ := env.emu.RefundNotification(refundNo, emulator.NotificationOptions{})
			var indented bytes.Buffer
			if err := json.Indent(&indented, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			_, err = p.ParseRefundNotification(ctx, h, indented.Bytes())
			checkRefusal(t, "body re-serialised", err, ReasonBadSignature, env.keys.APIv3Key, indented.Bytes())
			for _, name := range []string{"Timestamp", "Nonce", "Signature", "Serial", "Signature-Type"} {
				hh := h.Clone()
				hh.Del("Wechatpay-" + name)
				_, err = p.ParseRefundNotification(ctx, hh, body)
				checkRefusal(t, "without Wechatpay-"+name, err, ReasonMalformed, env.keys.APIv3Key, body)
			}

			// A payment notification sent to the refund URL is refused; a
			// refund notification sent to the payment URL is not a payment:
			// it comes back as its REFUND.* event without a transaction, or
			// is refused when it claims to be a TRANSACTION event.
			ph, pbody, err := env.emu.Notification(no, emulator.NotificationOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.ParseRefundNotification(ctx, ph, pbody)
			checkRefusal(t, "payment notification as a refund", err, ReasonUnsupported, env.keys.APIv3Key, pbody)
			if pn, err := p.ParseNotification(ctx, h, body); err != nil || pn.EventType != domain.EventRefundSuccess || pn.Transaction != (domain.Transaction{}) {
				t.Errorf("refund notification as a payment: %+v, %v", pn, err)
			}
			th, tbody, err := env.emu.RefundNotification(refundNo, emulator.NotificationOptions{EventType: "TRANSACTION.SUCCESS"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.ParseNotification(ctx, th, tbody)
			checkRefusal(t, "refund resource under TRANSACTION.SUCCESS", err, ReasonUnsupported, env.keys.APIv3Key, tbody)

			// Deliveries: a SIGNTEST probe before the real one, as WeChat does.
			if err := env.emu.InjectFault(emulator.Fault{Endpoint: emulator.RefundNotify, SignTest: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := p.CreateRefund(ctx, refundOf(no, "RF-notify-2", 1)); err != nil {
				t.Fatal(err)
			}
			if _, err := env.emu.CompleteRefund("RF-notify-2"); err != nil {
				t.Fatal(err)
			}
			var probes, refunds int
			for range 3 { // the first refund's notification, then the probe and the second's
				d := env.next(t, "/pay/refund-notify")
				n, err := p.ParseRefundNotification(ctx, d.h, d.body)
				switch {
				case err == nil && n.Refund.Status == domain.RefundSuccess:
					refunds++
				case isReason(err, ReasonSignTestProbe):
					probes++
				default:
					t.Errorf("delivery: %+v, %v", n, err)
				}
			}
			if probes != 1 || refunds != 2 {
				t.Errorf("%d probes and %d refunds, want 1 and 2", probes, refunds)
			}
		})
	}
}

func isReason(err error, reason NotificationReason) bool {
	ne, ok := err.(*NotificationError)
	return ok && ne.Reason == reason
}
