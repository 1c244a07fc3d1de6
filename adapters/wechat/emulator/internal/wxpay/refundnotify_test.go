package wxpay_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// Refund notifications are delivered like payment notifications, and
// shaped by faults of their own endpoint.
func TestRefundNotificationDelivery(t *testing.T) {
	f := startPay(t, func(c *emulator.PayConfig) { c.ManualRefunds = true; c.TimeScale = 0.001 })
	rc := f.Receiver(t, nil)
	// Payment notification faults leave refunds alone.
	f.Inject(t, emulator.Fault{Endpoint: emulator.Notify, Drop: 100})
	f.Paid(t, "rnotify-0001", rc.URL)
	f.Inject(t, emulator.Fault{Endpoint: emulator.RefundNotify, Drop: 1, Duplicate: 1, SignTest: true})

	f.MustRefund(t, emutest.RefundBody("rnotify-0001", "RF-n1", 100, 100, rc.URL))
	f.Complete(t, "RF-n1")
	ds := f.RefundFinished(t, "RF-n1")
	// The probe, attempt 1 dropped, attempt 2 with its duplicate.
	var probes, dropped, duplicates, final int
	for _, d := range ds {
		switch {
		case d.Probe:
			probes++
		case d.Err == "dropped":
			dropped++
		case d.Duplicate:
			duplicates++
		case d.Final:
			final++
		}
		if d.NotificationID != ds[0].NotificationID {
			t.Fatalf("attempts of one refund carry different ids: %+v", ds)
		}
	}
	if probes != 1 || dropped != 1 || duplicates != 1 || final != 1 || ds[len(ds)-1].Status != http.StatusNoContent {
		t.Fatalf("deliveries %+v", ds)
	}
	var refused, verified int
	for _, r := range rc.All() {
		if r.Err != nil {
			refused++
			continue
		}
		verified++
		if r.Req.EventType != "REFUND.SUCCESS" || emutest.RefundOf(t, r).OutRefundNo != "RF-n1" {
			t.Fatalf("notification %s", r.Body)
		}
	}
	if refused != 1 || verified != 2 {
		t.Fatalf("%d refused and %d verified notifications", refused, verified)
	}
	emutest.WaitFor(t, "the payment's first attempt", func() bool { return len(f.Emu.Deliveries("rnotify-0001")) > 0 })
	if d := f.Emu.Deliveries("rnotify-0001")[0]; d.Err != "dropped" {
		t.Fatalf("payment delivery %+v, want the payment's notify fault to apply", d)
	}

	// Pushing it again: the same notification, its attempts marked.
	before := len(f.Emu.RefundDeliveries("RF-n1"))
	resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/refunds/RF-n1/notify", "")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("resend: HTTP %d %s", resp.StatusCode, b)
	}
	emutest.WaitFor(t, "the resent notification", func() bool {
		ds := f.Emu.RefundDeliveries("RF-n1")
		return len(ds) > before && ds[len(ds)-1].Final
	})
	if d := f.Emu.RefundDeliveries("RF-n1")[before]; !d.Duplicate || d.NotificationID != ds[0].NotificationID || d.Status != http.StatusNoContent {
		t.Fatalf("resent attempt %+v", d)
	}

	f.Paid(t, "rnotify-0002", emutest.DeadNotify)
	f.MustRefund(t, emutest.RefundBody("rnotify-0002", "RF-n3", 1, 100, ""))
	for path, status := range map[string]int{
		"/emulator/refunds/RF-none/notify": http.StatusNotFound,
		"/emulator/refunds/RF-n3/notify":   http.StatusConflict, // PROCESSING
	} {
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+path, "")
		emutest.ControlError(t, resp, b, status)
	}
	f.Complete(t, "RF-n3")
	if err := f.Emu.ResendRefundNotification("RF-n3"); !errors.Is(err, emulator.ErrNoNotifyURL) {
		t.Fatalf("resending without notify_url: %v", err)
	}
}

func TestRefundNotificationOptions(t *testing.T) {
	f := startPay(t, emutest.Manual)
	other, err := emulator.GeneratePayKeys(emutest.TestMchID)
	if err != nil {
		t.Fatal(err)
	}
	f.Paid(t, "rforge-0001", emutest.DeadNotify)
	f.MustRefund(t, emutest.RefundBody("rforge-0001", "RF-forge-1", 10, 100, emutest.DeadNotify))
	try := func(o emulator.NotificationOptions) emutest.Received {
		t.Helper()
		h, body, err := f.Emu.RefundNotification("RF-forge-1", o)
		if err != nil {
			t.Fatalf("RefundNotification(%+v): %v", o, err)
		}
		req, _, err := f.Parse(t, h, body)
		return emutest.Received{Header: h, Body: body, Req: req, Err: err}
	}

	r := try(emulator.NotificationOptions{})
	if res := emutest.RefundOf(t, r); r.Req.EventType != "REFUND.SUCCESS" || r.Req.Resource.OriginalType != "refund" || r.Req.Resource.AssociatedData != "refund" ||
		res.RefundStatus != "PROCESSING" || res.SuccessTime != "" {
		t.Fatalf("notification of a processing refund: %s %s", r.Req.EventType, r.Req.Resource.Plaintext)
	}
	if ds := f.Emu.RefundDeliveries("RF-forge-1"); len(ds) != 0 {
		t.Fatalf("RefundNotification recorded deliveries: %+v", ds)
	}
	f.Inject(t, emulator.Fault{Endpoint: emulator.CreateRefund, RefundOutcome: emulator.RefundClosed})
	f.MustRefund(t, emutest.RefundBody("rforge-0001", "RF-forge-2", 10, 100, ""))
	f.Complete(t, "RF-forge-2")
	h, body, err := f.Emu.RefundNotification("RF-forge-2", emulator.NotificationOptions{})
	if req, _, err := f.Parse(t, h, body); err != nil || req.EventType != "REFUND.CLOSED" || req.Summary != "退款关闭" {
		t.Fatalf("closed refund: %+v %v", req, err)
	}

	at := f.Clock.Now().Add(-time.Minute)
	r = try(emulator.NotificationOptions{ID: "EV-refund-1", EventType: "REFUND.ABNORMAL", Timestamp: at,
		Mutate: func(m map[string]any) {
			m["amount"].(map[string]any)["refund"] = json.Number("99999")
			m["mchid"] = "1900000999"
		}})
	if res := emutest.RefundOf(t, r); r.Req.ID != "EV-refund-1" || r.Req.EventType != "REFUND.ABNORMAL" || !r.Req.CreateTime.Equal(at.Truncate(time.Second)) ||
		res.Amount.Refund != 99999 || res.MchID != "1900000999" || r.Header.Get("Wechatpay-Timestamp") == "" {
		t.Fatalf("bent notification: %+v %s", r.Req, r.Req.Resource.Plaintext)
	}
	if r := try(emulator.NotificationOptions{SignTest: true}); r.Err == nil || !strings.HasPrefix(r.Header.Get("Wechatpay-Signature"), "WECHATPAY/SIGNTEST/") {
		t.Fatal("a SIGNTEST probe verified")
	}
	if r := try(emulator.NotificationOptions{SignWith: other.PublicKeyPrivate}); r.Err == nil {
		t.Fatal("a notification signed by another key verified")
	}
	if r := try(emulator.NotificationOptions{APIv3Key: other.APIv3Key}); r.Err == nil {
		t.Fatal("a notification under another APIv3 key decrypted")
	}
	if r := try(emulator.NotificationOptions{Serial: other.PublicKeyID}); r.Header.Get("Wechatpay-Serial") != other.PublicKeyID || r.Err == nil {
		t.Fatal("the serial override did not take, or verified")
	}
	if _, _, err := f.Emu.RefundNotification("RF-none", emulator.NotificationOptions{}); !errors.Is(err, emulator.ErrNoRefund) {
		t.Fatalf("unknown refund: %v", err)
	}
}
