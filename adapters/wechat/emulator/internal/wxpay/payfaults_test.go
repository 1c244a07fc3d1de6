package wxpay_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

func TestPayAPIFaults(t *testing.T) {
	f := startPay(t, nil)
	ctx, c := context.Background(), f.SDK(t)
	jsapiURL := f.Srv.URL + "/v3/pay/transactions/jsapi"

	f.PostFault(t, `{"endpoint":"jsapi","code":"SYSTEM_ERROR","times":2}`)
	for range 2 {
		_, err := c.Post(ctx, jsapiURL, emutest.OrderBody("fault-0001", emutest.DeadNotify))
		if ae := f.APIError(t, err, http.StatusInternalServerError, "SYSTEM_ERROR"); ae.Message != "系统错误" {
			t.Errorf("message %q", ae.Message)
		}
	}
	if _, ok := f.Emu.Transaction("fault-0001"); ok {
		t.Fatal("a faulted prepay created the transaction")
	}
	f.Prepay(t, emutest.OrderBody("fault-0001", emutest.DeadNotify)) // the queue is spent

	f.Inject(t, emulator.Fault{Endpoint: emulator.JSAPI, Code: "FREQUENCY_LIMITED"})
	_, err := c.Post(ctx, jsapiURL, emutest.OrderBody("fault-0002", emutest.DeadNotify))
	f.APIError(t, err, http.StatusTooManyRequests, "FREQUENCY_LIMITED")

	f.Inject(t, emulator.Fault{Endpoint: emulator.CloseOrder, Code: "BUSY_NOW", HTTPStatus: 503, ErrMsg: "稍后再试"})
	_, err = c.Post(ctx, f.CloseURL("fault-0001"), map[string]string{"mchid": emutest.TestMchID})
	if ae := f.APIError(t, err, http.StatusServiceUnavailable, "BUSY_NOW"); ae.Message != "稍后再试" {
		t.Errorf("message %q", ae.Message)
	}
	if v, _ := f.Emu.Transaction("fault-0001"); v.TradeState != "NOTPAY" {
		t.Fatalf("a faulted close closed the order: %s", v.TradeState)
	}

	f.Inject(t, emulator.Fault{Endpoint: emulator.QueryOrder, Code: "SIGN_ERROR"})
	_, err = c.Get(ctx, f.QueryURL("fault-0001"))
	if ae := f.APIError(t, err, http.StatusUnauthorized, "SIGN_ERROR"); ae.Header.Get("Wechatpay-Signature") != "" {
		t.Error("a 401 fault is signed")
	}

	f.Inject(t, emulator.Fault{Endpoint: emulator.QueryOrder, HTTPStatus: http.StatusBadGateway})
	resp, b := f.raw(t, http.MethodGet, "/v3/pay/transactions/out-trade-no/fault-0001?mchid="+emutest.TestMchID, "", "")
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "502 Bad Gateway") || resp.Header.Get("Wechatpay-Signature") != "" {
		t.Fatalf("gateway fault: HTTP %d %s", resp.StatusCode, b)
	}

	f.Inject(t, emulator.Fault{Endpoint: emulator.QueryOrder, Delay: 20 * time.Millisecond})
	if txn := f.query(t, "fault-0001"); *txn.TradeState != "NOTPAY" { // a pure delay answers normally
		t.Fatalf("after a delay: %s", txn)
	}
}

func TestNotifyFaults(t *testing.T) {
	fast := func(c *emulator.PayConfig) { c.TimeScale = 0.001 }
	t.Run("drop", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.Receiver(t, nil)
		f.PostFault(t, `{"endpoint":"notify","drop":2}`)
		f.Paid(t, "drop-0001", rc.URL)
		ds := f.Finished(t, "drop-0001")
		if len(ds) != 3 || ds[0].Err != "dropped" || ds[0].Status != 0 || ds[1].Err != "dropped" || ds[2].Status != http.StatusNoContent || ds[2].Attempt != 3 {
			t.Fatalf("deliveries %+v, want 2 dropped then a taken third attempt", ds)
		}
		if got := rc.All(); len(got) != 1 {
			t.Fatalf("receiver got %d, want only the third attempt", len(got))
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.Receiver(t, nil)
		f.PostFault(t, `{"endpoint":"notify","duplicate":2}`)
		f.Paid(t, "dup-0001", rc.URL)
		ds := f.Finished(t, "dup-0001") // copies are recorded before the final original
		copies := 0
		for _, d := range ds {
			if d.Duplicate {
				copies++
			}
			if d.NotificationID != ds[0].NotificationID || d.Attempt != 1 || d.Status != http.StatusNoContent {
				t.Fatalf("delivery %+v", d)
			}
		}
		got := rc.All()
		if copies != 2 || len(got) != 3 || got[0].Req.ID != got[1].Req.ID || got[1].Req.ID != got[2].Req.ID {
			t.Fatalf("%d copies recorded, %d received, want 2 and 3 of one id", copies, len(got))
		}
	})
	t.Run("signtest probe first", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.Receiver(t, nil) // refuses what the SDK refuses
		f.Inject(t, emulator.Fault{Endpoint: emulator.Notify, SignTest: true})
		f.Paid(t, "probe-0001", rc.URL)
		ds := f.Finished(t, "probe-0001")
		if len(ds) != 2 || !ds[0].Probe || ds[0].Attempt != 0 || ds[0].Status != http.StatusBadRequest ||
			ds[1].Probe || ds[1].Status != http.StatusNoContent || ds[1].NotificationID != ds[0].NotificationID {
			t.Fatalf("deliveries %+v, want a refused probe then the real one", ds)
		}
		got := rc.All()
		if len(got) != 2 || got[0].Err == nil || !strings.HasPrefix(got[0].Header.Get("Wechatpay-Signature"), "WECHATPAY/SIGNTEST/") || got[1].Err != nil {
			t.Fatalf("receiver: %+v", got)
		}
	})
	t.Run("delay and times", func(t *testing.T) {
		f := startPay(t, fast)
		rc := f.Receiver(t, nil)
		f.Inject(t, emulator.Fault{Endpoint: emulator.Notify, Delay: 20 * time.Millisecond, Drop: 1, Times: 2})
		for _, no := range []string{"delay-0001", "delay-0002", "delay-0003"} {
			f.Paid(t, no, rc.URL)
		}
		for no, want := range map[string]int{"delay-0001": 2, "delay-0002": 2, "delay-0003": 1} {
			if ds := f.Finished(t, no); len(ds) != want || ds[len(ds)-1].Status != http.StatusNoContent {
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
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/faults", body)
		t.Run(name, func(t *testing.T) { emutest.ControlError(t, resp, b, http.StatusBadRequest) })
	}
	resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/faults", `{"endpoint":"notify","duplicate":2,"drop":1,"sign_test":true,"delay_ms":5}`)
	echo := emutest.Decode[map[string]any](t, b)
	if resp.StatusCode != http.StatusCreated || echo["duplicate"] != float64(2) || echo["drop"] != float64(1) || echo["sign_test"] != true || echo["times"] != float64(1) {
		t.Fatalf("POST notify fault: HTTP %d %s", resp.StatusCode, b)
	}
	f.Emu.ClearFaults()
}
