package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

func TestNotificationIsVerifiedAndDecryptedByTheSDK(t *testing.T) {
	for _, mode := range []emulator.SignMode{emulator.SignWithPublicKey, emulator.SignWithPlatformCert} {
		t.Run(string(mode), func(t *testing.T) {
			f := startPay(t, func(c *emulator.PayConfig) { c.SignMode = mode })
			rc := f.receiver(t, nil)
			v := f.paid(t, "notify-0001", rc.URL)
			ds := f.finished(t, "notify-0001")

			got := rc.all()
			if len(got) != 1 || got[0].err != nil {
				t.Fatalf("receiver got %d notifications, first refused by the SDK: %v", len(got), got[0].err)
			}
			n := got[0]
			wantSerial := map[emulator.SignMode]string{emulator.SignWithPublicKey: f.keys.PublicKeyID, emulator.SignWithPlatformCert: f.keys.PlatformSerial()}[mode]
			if n.header.Get("Wechatpay-Serial") != wantSerial || n.header.Get("Content-Type") != "application/json" ||
				n.header.Get("Wechatpay-Signature-Type") != "WECHATPAY2-SHA256-RSA2048" {
				t.Fatalf("headers %v", n.header)
			}
			r := n.req
			if !strings.HasPrefix(r.ID, "EV-") || r.EventType != "TRANSACTION.SUCCESS" || r.ResourceType != "encrypt-resource" ||
				r.Summary != "支付成功" || r.Resource.OriginalType != "transaction" || r.Resource.Algorithm != "AEAD_AES_256_GCM" ||
				r.Resource.AssociatedData != "transaction" || len(r.Resource.Nonce) != 12 || !r.CreateTime.Equal(v.SuccessTime.Truncate(time.Second)) {
				t.Fatalf("envelope %s", n.body)
			}
			var envelope map[string]any
			_ = json.Unmarshal(n.body, &envelope)
			if ct, _ := envelope["create_time"].(string); !strings.HasSuffix(ct, "+08:00") {
				t.Errorf("create_time %q is not in +08:00", ct)
			}
			txn := n.txn
			if *txn.OutTradeNo != "notify-0001" || *txn.TransactionId != v.TransactionID || *txn.TradeState != "SUCCESS" ||
				*txn.Appid != testAppID || *txn.Mchid != testMchID || *txn.Amount.Total != 100 || *txn.Amount.PayerTotal != 100 ||
				*txn.Payer.Openid != testOpenID || *txn.TradeType != "JSAPI" || *txn.BankType != "OTHERS" || !strings.HasSuffix(*txn.SuccessTime, "+08:00") {
				t.Fatalf("decrypted transaction %s", r.Resource.Plaintext)
			}
			want := emulator.Delivery{NotificationID: r.ID, Attempt: 1, At: f.clock.Now(), Status: http.StatusNoContent, Final: true}
			if len(ds) != 1 || ds[0] != want {
				t.Fatalf("deliveries %+v, want [%+v]", ds, want)
			}
		})
	}
}

func TestNotificationRetriesOnWeChatsScheduleScaled(t *testing.T) {
	f := startPay(t, func(c *emulator.PayConfig) { c.TimeScale = 0.001 }) // 15ms, 15ms, ...
	rc := f.receiver(t, func(n int, _ received) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	f.paid(t, "retry-0001", rc.URL)
	ds := f.finished(t, "retry-0001")
	if len(ds) != 3 {
		t.Fatalf("%d attempts, want 3: %+v", len(ds), ds)
	}
	for i, d := range ds {
		wantStatus := map[bool]int{true: http.StatusNoContent, false: http.StatusInternalServerError}[i == 2]
		if d.Attempt != i+1 || d.Status != wantStatus || d.NotificationID != ds[0].NotificationID || d.Final != (i == 2) || d.Duplicate || d.Probe {
			t.Fatalf("attempt %d: %+v", i+1, d)
		}
	}
	got := rc.all()
	if len(got) != 3 || got[0].req.ID != got[2].req.ID || got[0].err != nil || got[2].err != nil {
		t.Fatalf("receiver: %d notifications", len(got))
	}
}

func TestNotificationDeliveryEnds(t *testing.T) {
	fast := func(c *emulator.PayConfig) { c.RetrySchedule = []time.Duration{time.Millisecond, time.Millisecond} }
	t.Run("after the schedule", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.receiver(t, func(int, received) int { return http.StatusServiceUnavailable })
		f.paid(t, "giveup-0001", rc.URL)
		ds := f.finished(t, "giveup-0001")
		if len(ds) != 3 || ds[2].Attempt != 3 || ds[2].Status != http.StatusServiceUnavailable || ds[1].Final {
			t.Fatalf("deliveries %+v, want 3 failed attempts, the last final", ds)
		}
	})
	t.Run("on a 200 even with FAIL", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.receiver(t, func(int, received) int { return http.StatusOK }) // body says FAIL
		f.paid(t, "ok200-0001", rc.URL)
		if ds := f.finished(t, "ok200-0001"); len(ds) != 1 || ds[0].Status != http.StatusOK {
			t.Fatalf("deliveries %+v, want one taken 200", ds)
		}
	})
	t.Run("redirects and transport errors are failures", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.receiver(t, func(int, received) int { return http.StatusFound })
		f.paid(t, "redir-0001", rc.URL)
		f.paid(t, "dead-0001", deadNotify)
		if ds := f.finished(t, "redir-0001"); len(ds) != 3 || ds[0].Status != http.StatusFound {
			t.Fatalf("redirect: %+v", ds)
		}
		if ds := f.finished(t, "dead-0001"); len(ds) != 3 || ds[0].Status != 0 || ds[0].Err == "" {
			t.Fatalf("refused connection: %+v", ds)
		}
	})
}

func TestCloseStopsDeliveries(t *testing.T) {
	t.Run("pending retries", func(t *testing.T) {
		f := startPay(t, nil) // the real schedule: 15s to the first retry
		rc := f.receiver(t, func(int, received) int { return http.StatusInternalServerError })
		f.paid(t, "stop-0001", rc.URL)
		waitFor(t, "the first attempt", func() bool { return len(f.emu.Deliveries("stop-0001")) == 1 })
		f.emu.Close() // returns at once instead of after the 15s wait
		if ds, got := f.emu.Deliveries("stop-0001"), rc.all(); len(ds) != 1 || len(got) != 1 {
			t.Fatalf("after Close: %d attempts recorded, %d received", len(ds), len(got))
		}
		f.emu.Close() // twice is fine
		if v, err := f.emu.RequestPayment(f.payment(t, f.prepay(t, orderBody("stop-0002", rc.URL)))); err != nil || v.TradeState != "SUCCESS" {
			t.Fatalf("paying after Close: %v", err)
		}
		if ds := f.emu.Deliveries("stop-0002"); len(ds) != 0 {
			t.Fatalf("a closed emulator delivered: %+v", ds)
		}
	})
	t.Run("in-flight attempts", func(t *testing.T) {
		f := startPay(t, nil)
		entered := make(chan struct{}, 1)
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the hang-up
			entered <- struct{}{}
			<-r.Context().Done() // answers only when the emulator hangs up
		}))
		t.Cleanup(func() { f.emu.Close(); hang.Close() })
		f.paid(t, "stop-0003", hang.URL+"/notify")
		select {
		case <-entered:
		case <-time.After(10 * time.Second): // only a bound for "did not hang"
			t.Fatal("no notification arrived")
		}
		f.emu.Close()
		ds := f.emu.Deliveries("stop-0003")
		if len(ds) != 1 || ds[0].Status != 0 || !strings.Contains(ds[0].Err, "context canceled") || !ds[0].Final {
			t.Fatalf("after Close: %+v, want the cancelled attempt recorded as final", ds)
		}
	})
}

// TestCloseLeavesNoGoroutines counts goroutines, goleak style: after Close
// and the servers' shutdown nothing of the emulator's may be left running,
// retries pending or not.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	testPayKeys(t)
	before := runtime.NumGoroutine()
	f := startPay(t, func(c *emulator.PayConfig) { c.RetrySchedule = []time.Duration{time.Hour} })
	ok := f.receiver(t, nil)
	failing := f.receiver(t, func(int, received) int { return http.StatusInternalServerError })
	f.inject(t, emulator.Fault{Endpoint: emulator.Notify, Duplicate: 2, SignTest: true})
	f.paid(t, "leak-0001", ok.URL)
	f.paid(t, "leak-0002", failing.URL)
	f.finished(t, "leak-0001")
	waitFor(t, "the failed first attempt", func() bool { return len(f.emu.Deliveries("leak-0002")) == 1 })

	f.emu.Close() // leak-0002 has a retry pending for an hour
	f.srv.Close()
	ok.srv.Close()
	failing.srv.Close()
	waitFor(t, "goroutines to wind down", func() bool { return runtime.NumGoroutine() <= before })
}
