package notify_test

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
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestNotificationIsVerifiedAndDecryptedByTheSDK(t *testing.T) {
	for _, mode := range []emulator.SignMode{emulator.SignWithPublicKey, emulator.SignWithPlatformCert} {
		t.Run(string(mode), func(t *testing.T) {
			f := emutest.StartPay(t, func(c *emulator.PayConfig) { c.SignMode = mode })
			rc := f.Receiver(t, nil)
			v := f.Paid(t, "notify-0001", rc.URL)
			ds := f.Finished(t, "notify-0001")

			got := rc.All()
			if len(got) != 1 || got[0].Err != nil {
				t.Fatalf("receiver got %d notifications, first refused by the SDK: %v", len(got), got[0].Err)
			}
			n := got[0]
			wantSerial := map[emulator.SignMode]string{emulator.SignWithPublicKey: f.Keys.PublicKeyID, emulator.SignWithPlatformCert: f.Keys.PlatformSerial()}[mode]
			if n.Header.Get("Wechatpay-Serial") != wantSerial || n.Header.Get("Content-Type") != "application/json" ||
				n.Header.Get("Wechatpay-Signature-Type") != "WECHATPAY2-SHA256-RSA2048" {
				t.Fatalf("headers %v", n.Header)
			}
			r := n.Req
			if !strings.HasPrefix(r.ID, "EV-") || r.EventType != "TRANSACTION.SUCCESS" || r.ResourceType != "encrypt-resource" ||
				r.Summary != "支付成功" || r.Resource.OriginalType != "transaction" || r.Resource.Algorithm != "AEAD_AES_256_GCM" ||
				r.Resource.AssociatedData != "transaction" || len(r.Resource.Nonce) != 12 || !r.CreateTime.Equal(v.SuccessTime.Truncate(time.Second)) {
				t.Fatalf("envelope %s", n.Body)
			}
			var envelope map[string]any
			_ = json.Unmarshal(n.Body, &envelope)
			if ct, _ := envelope["create_time"].(string); !strings.HasSuffix(ct, "+08:00") {
				t.Errorf("create_time %q is not in +08:00", ct)
			}
			txn := n.Txn
			if *txn.OutTradeNo != "notify-0001" || *txn.TransactionId != v.TransactionID || *txn.TradeState != "SUCCESS" ||
				*txn.Appid != emutest.TestAppID || *txn.Mchid != emutest.TestMchID || *txn.Amount.Total != 100 || *txn.Amount.PayerTotal != 100 ||
				*txn.Payer.Openid != emutest.TestOpenID || *txn.TradeType != "JSAPI" || *txn.BankType != "OTHERS" || !strings.HasSuffix(*txn.SuccessTime, "+08:00") {
				t.Fatalf("decrypted transaction %s", r.Resource.Plaintext)
			}
			want := emulator.Delivery{NotificationID: r.ID, Attempt: 1, At: f.Clock.Now(), Status: http.StatusNoContent, Final: true}
			if len(ds) != 1 || ds[0] != want {
				t.Fatalf("deliveries %+v, want [%+v]", ds, want)
			}
		})
	}
}

func TestNotificationRetriesOnWeChatsScheduleScaled(t *testing.T) {
	f := emutest.StartPay(t, func(c *emulator.PayConfig) { c.TimeScale = 0.001 }) // 15ms, 15ms, ...
	rc := f.Receiver(t, func(n int, _ emutest.Received) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	f.Paid(t, "retry-0001", rc.URL)
	ds := f.Finished(t, "retry-0001")
	if len(ds) != 3 {
		t.Fatalf("%d attempts, want 3: %+v", len(ds), ds)
	}
	for i, d := range ds {
		wantStatus := map[bool]int{true: http.StatusNoContent, false: http.StatusInternalServerError}[i == 2]
		if d.Attempt != i+1 || d.Status != wantStatus || d.NotificationID != ds[0].NotificationID || d.Final != (i == 2) || d.Duplicate || d.Probe {
			t.Fatalf("attempt %d: %+v", i+1, d)
		}
	}
	got := rc.All()
	if len(got) != 3 || got[0].Req.ID != got[2].Req.ID || got[0].Err != nil || got[2].Err != nil {
		t.Fatalf("receiver: %d notifications", len(got))
	}
}

func TestNotificationDeliveryEnds(t *testing.T) {
	fast := func(c *emulator.PayConfig) { c.RetrySchedule = []time.Duration{time.Millisecond, time.Millisecond} }
	t.Run("after the schedule", func(t *testing.T) {
		f := emutest.StartPay(t, fast)
		rc := f.Receiver(t, func(int, emutest.Received) int { return http.StatusServiceUnavailable })
		f.Paid(t, "giveup-0001", rc.URL)
		ds := f.Finished(t, "giveup-0001")
		if len(ds) != 3 || ds[2].Attempt != 3 || ds[2].Status != http.StatusServiceUnavailable || ds[1].Final {
			t.Fatalf("deliveries %+v, want 3 failed attempts, the last final", ds)
		}
	})
	t.Run("on a 200 even with FAIL", func(t *testing.T) {
		f := emutest.StartPay(t, fast)
		rc := f.Receiver(t, func(int, emutest.Received) int { return http.StatusOK }) // body says FAIL
		f.Paid(t, "ok200-0001", rc.URL)
		if ds := f.Finished(t, "ok200-0001"); len(ds) != 1 || ds[0].Status != http.StatusOK {
			t.Fatalf("deliveries %+v, want one taken 200", ds)
		}
	})
	t.Run("redirects and transport errors are failures", func(t *testing.T) {
		f := emutest.StartPay(t, fast)
		rc := f.Receiver(t, func(int, emutest.Received) int { return http.StatusFound })
		f.Paid(t, "redir-0001", rc.URL)
		f.Paid(t, "dead-0001", emutest.DeadNotify)
		if ds := f.Finished(t, "redir-0001"); len(ds) != 3 || ds[0].Status != http.StatusFound {
			t.Fatalf("redirect: %+v", ds)
		}
		if ds := f.Finished(t, "dead-0001"); len(ds) != 3 || ds[0].Status != 0 || ds[0].Err == "" {
			t.Fatalf("refused connection: %+v", ds)
		}
	})
}

func TestCloseStopsDeliveries(t *testing.T) {
	t.Run("pending retries", func(t *testing.T) {
		f := emutest.StartPay(t, nil) // the real schedule: 15s to the first retry
		rc := f.Receiver(t, func(int, emutest.Received) int { return http.StatusInternalServerError })
		f.Paid(t, "stop-0001", rc.URL)
		emutest.WaitFor(t, "the first attempt", func() bool { return len(f.Emu.Deliveries("stop-0001")) == 1 })
		f.Emu.Close() // returns at once instead of after the 15s wait
		if ds, got := f.Emu.Deliveries("stop-0001"), rc.All(); len(ds) != 1 || len(got) != 1 {
			t.Fatalf("after Close: %d attempts recorded, %d received", len(ds), len(got))
		}
		f.Emu.Close() // twice is fine
		if v, err := f.Emu.RequestPayment(f.Payment(t, f.Prepay(t, emutest.OrderBody("stop-0002", rc.URL)))); err != nil || v.TradeState != "SUCCESS" {
			t.Fatalf("paying after Close: %v", err)
		}
		if ds := f.Emu.Deliveries("stop-0002"); len(ds) != 0 {
			t.Fatalf("a closed emulator delivered: %+v", ds)
		}
	})
	t.Run("in-flight attempts", func(t *testing.T) {
		f := emutest.StartPay(t, nil)
		entered := make(chan struct{}, 1)
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the hang-up
			entered <- struct{}{}
			<-r.Context().Done() // answers only when the emulator hangs up
		}))
		t.Cleanup(func() { f.Emu.Close(); hang.Close() })
		f.Paid(t, "stop-0003", hang.URL+"/notify")
		select {
		case <-entered:
		case <-time.After(10 * time.Second): // only a bound for "did not hang"
			t.Fatal("no notification arrived")
		}
		f.Emu.Close()
		ds := f.Emu.Deliveries("stop-0003")
		if len(ds) != 1 || ds[0].Status != 0 || !strings.Contains(ds[0].Err, "context canceled") || !ds[0].Final {
			t.Fatalf("after Close: %+v, want the cancelled attempt recorded as final", ds)
		}
	})
}

// TestCloseLeavesNoGoroutines counts goroutines, goleak style: after Close
// and the servers' shutdown nothing of the emulator's may be left running,
// retries pending or not.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	emutest.PayKeys(t)
	before := runtime.NumGoroutine()
	f := emutest.StartPay(t, func(c *emulator.PayConfig) { c.RetrySchedule = []time.Duration{time.Hour} })
	ok := f.Receiver(t, nil)
	failing := f.Receiver(t, func(int, emutest.Received) int { return http.StatusInternalServerError })
	f.Inject(t, emulator.Fault{Endpoint: emulator.Notify, Duplicate: 2, SignTest: true})
	f.Paid(t, "leak-0001", ok.URL)
	f.Paid(t, "leak-0002", failing.URL)
	f.Finished(t, "leak-0001")
	emutest.WaitFor(t, "the failed first attempt", func() bool { return len(f.Emu.Deliveries("leak-0002")) == 1 })

	f.Emu.Close() // leak-0002 has a retry pending for an hour
	f.Srv.Close()
	ok.Srv.Close()
	failing.Srv.Close()
	emutest.WaitFor(t, "goroutines to wind down", func() bool { return runtime.NumGoroutine() <= before })
}
