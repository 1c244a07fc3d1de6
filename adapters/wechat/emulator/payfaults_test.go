package emulator_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

func (f *payFixture) inject(t *testing.T, fault emulator.Fault) {
	t.Helper()
	if err := f.emu.InjectFault(fault); err != nil {
		t.Fatalf("InjectFault(%+v): %v", fault, err)
	}
}

func TestPayAPIFaults(t *testing.T) {
	f := startPay(t, nil)
	ctx, c := context.Background(), f.sdk(t)
	jsapiURL := f.srv.URL + "/v3/pay/transactions/jsapi"

	f.postFault(t, `{"endpoint":"jsapi","code":"SYSTEM_ERROR","times":2}`)
	for range 2 {
		_, err := c.Post(ctx, jsapiURL, orderBody("fault-0001", deadNotify))
		if ae := f.apiError(t, err, http.StatusInternalServerError, "SYSTEM_ERROR"); ae.Message != "系统错误" {
			t.Errorf("message %q", ae.Message)
		}
	}
	if _, ok := f.emu.Transaction("fault-0001"); ok {
		t.Fatal("a faulted prepay created the transaction")
	}
	f.prepay(t, orderBody("fault-0001", deadNotify)) // the queue is spent

	f.inject(t, emulator.Fault{Endpoint: emulator.JSAPI, Code: "FREQUENCY_LIMITED"})
	_, err := c.Post(ctx, jsapiURL, orderBody("fault-0002", deadNotify))
	f.apiError(t, err, http.StatusTooManyRequests, "FREQUENCY_LIMITED")

	f.inject(t, emulator.Fault{Endpoint: emulator.CloseOrder, Code: "BUSY_NOW", HTTPStatus: 503, ErrMsg: "稍后再试"})
	_, err = c.Post(ctx, f.closeURL("fault-0001"), map[string]string{"mchid": testMchID})
	if ae := f.apiError(t, err, http.StatusServiceUnavailable, "BUSY_NOW"); ae.Message != "稍后再试" {
		t.Errorf("message %q", ae.Message)
	}
	if v, _ := f.emu.Transaction("fault-0001"); v.TradeState != "NOTPAY" {
		t.Fatalf("a faulted close closed the order: %s", v.TradeState)
	}

	f.inject(t, emulator.Fault{Endpoint: emulator.QueryOrder, Code: "SIGN_ERROR"})
	_, err = c.Get(ctx, f.queryURL("fault-0001"))
	if ae := f.apiError(t, err, http.StatusUnauthorized, "SIGN_ERROR"); ae.Header.Get("Wechatpay-Signature") != "" {
		t.Error("a 401 fault is signed")
	}

	f.inject(t, emulator.Fault{Endpoint: emulator.QueryOrder, HTTPStatus: http.StatusBadGateway})
	resp, b := f.raw(t, http.MethodGet, "/v3/pay/transactions/out-trade-no/fault-0001?mchid="+testMchID, "", "")
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "502 Bad Gateway") || resp.Header.Get("Wechatpay-Signature") != "" {
		t.Fatalf("gateway fault: HTTP %d %s", resp.StatusCode, b)
	}

	f.inject(t, emulator.Fault{Endpoint: emulator.QueryOrder, Delay: 20 * time.Millisecond})
	if txn := f.query(t, "fault-0001"); *txn.TradeState != "NOTPAY" { // a pure delay answers normally
		t.Fatalf("after a delay: %s", txn)
	}
}

func TestNotifyFaults(t *testing.T) {
	fast := func(c *emulator.PayConfig) { c.TimeScale = 0.001 }
	t.Run("drop", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.receiver(t, nil)
		f.postFault(t, `{"endpoint":"notify","drop":2}`)
		f.paid(t, "drop-0001", rc.URL)
		ds := f.finished(t, "drop-0001")
		if len(ds) != 3 || ds[0].Err != "dropped" || ds[0].Status != 0 || ds[1].Err != "dropped" || ds[2].Status != http.StatusNoContent || ds[2].Attempt != 3 {
			t.Fatalf("deliveries %+v, want 2 dropped then a taken third attempt", ds)
		}
		if got := rc.all(); len(got) != 1 {
			t.Fatalf("receiver got %d, want only the third attempt", len(got))
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.receiver(t, nil)
		f.postFault(t, `{"endpoint":"notify","duplicate":2}`)
		f.paid(t, "dup-0001", rc.URL)
		ds := f.finished(t, "dup-0001") // copies are recorded before the final original
		copies := 0
		for _, d := range ds {
			if d.Duplicate {
				copies++
			}
			if d.NotificationID != ds[0].NotificationID || d.Attempt != 1 || d.Status != http.StatusNoContent {
				t.Fatalf("delivery %+v", d)
			}
		}
		got := rc.all()
		if copies != 2 || len(got) != 3 || got[0].req.ID != got[1].req.ID || got[1].req.ID != got[2].req.ID {
			t.Fatalf("%d copies recorded, %d received, want 2 and 3 of one id", copies, len(got))
		}
	})
	t.Run("signtest probe first", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.receiver(t, nil) // refuses what the SDK refuses
		f.inject(t, emulator.Fault{Endpoint: emulator.Notify, SignTest: true})
		f.paid(t, "probe-0001", rc.URL)
		ds := f.finished(t, "probe-0001")
		if len(ds) != 2 || !ds[0].Probe || ds[0].Attempt != 0 || ds[0].Status != http.StatusBadRequest ||
			ds[1].Probe || ds[1].Status != http.StatusNoContent || ds[1].NotificationID != ds[0].NotificationID {
			t.Fatalf("deliveries %+v, want a refused probe then the real one", ds)
		}
		got := rc.all()
		if len(got) != 2 || got[0].err == nil || !strings.HasPrefix(got[0].header.Get("Wechatpay-Signature"), "WECHATPAY/SIGNTEST/") || got[1].err != nil {
			t.Fatalf("receiver: %+v", got)
		}
	})
	t.Run("delay and times", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.receiver(t, nil)
		f.inject(t, emulator.Fault{Endpoint: emulator.Notify, Delay: 20 * time.Millisecond, Drop: 1, Times: 2})
		for _, no := range []string{"delay-0001", "delay-0002", "delay-0003"} {
			f.paid(t, no, rc.URL)
		}
		for no, want := range map[string]int{"delay-0001": 2, "delay-0002": 2, "delay-0003": 1} {
			if ds := f.finished(t, no); len(ds) != want || ds[len(ds)-1].Status != http.StatusNoContent {
				t.Fatalf("%s: %+v, want %d attempts", no, ds, want)
			}
		}
	})
}

func TestPayFaultValidation(t *testing.T) {
	f := startPay(t, nil)
	for name, body := range map[string]string{
		"errcode on jsapi":        `{"endpoint":"jsapi","errcode":-1}`,
		"jsapi does nothing":      `{"endpoint":"jsapi"}`,
		"lower-case code":         `{"endpoint":"query","code":"system_error"}`,
		"drop on close":           `{"endpoint":"close","code":"SYSTEM_ERROR","drop":1}`,
		"code on login":           `{"endpoint":"jscode2session","code":"SYSTEM_ERROR"}`,
		"duplicate on login":      `{"endpoint":"checksession","errcode":-1,"duplicate":1}`,
		"http_status on notify":   `{"endpoint":"notify","http_status":500}`,
		"code on notify":          `{"endpoint":"notify","code":"SYSTEM_ERROR"}`,
		"notify does nothing":     `{"endpoint":"notify"}`,
		"too many duplicates":     `{"endpoint":"notify","duplicate":11}`,
		"negative drop":           `{"endpoint":"notify","drop":-1}`,
		"sign_test not a boolean": `{"endpoint":"notify","sign_test":"yes"}`,
	} {
		resp, b := do(t, http.MethodPost, f.srv.URL+"/emulator/faults", body)
		t.Run(name, func(t *testing.T) { controlError(t, resp, b, http.StatusBadRequest) })
	}
	resp, b := do(t, http.MethodPost, f.srv.URL+"/emulator/faults", `{"endpoint":"notify","duplicate":2,"drop":1,"sign_test":true,"delay_ms":5}`)
	echo := decode[map[string]any](t, b)
	if resp.StatusCode != http.StatusCreated || echo["duplicate"] != float64(2) || echo["drop"] != float64(1) || echo["sign_test"] != true || echo["times"] != float64(1) {
		t.Fatalf("POST notify fault: HTTP %d %s", resp.StatusCode, b)
	}
	f.emu.ClearFaults()
}
