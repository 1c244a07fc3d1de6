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

func TestPrepayValidation(t *testing.T) {
	f := startPay(t, func(c *emulator.PayConfig) { c.AllowHTTPNotify = false }) // like WeChat
	now := f.Clock.Now()
	set := func(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }
	del := func(k string) func(map[string]any) { return func(b map[string]any) { delete(b, k) } }
	amount := func(v map[string]any) func(map[string]any) { return set("amount", v) }
	cases := []struct {
		name   string
		edit   func(map[string]any)
		status int
		code   string
	}{
		{"missing appid", del("appid"), 400, "PARAM_ERROR"},
		{"missing mchid", del("mchid"), 400, "PARAM_ERROR"},
		{"missing description", del("description"), 400, "PARAM_ERROR"},
		{"description of 128 characters", set("description", strings.Repeat("商", 128)), 400, "PARAM_ERROR"},
		{"missing out_trade_no", del("out_trade_no"), 400, "PARAM_ERROR"},
		{"out_trade_no of 5", set("out_trade_no", "abc12"), 400, "PARAM_ERROR"},
		{"out_trade_no of 33", set("out_trade_no", strings.Repeat("a", 33)), 400, "PARAM_ERROR"},
		{"out_trade_no with #", set("out_trade_no", "order#0001"), 400, "PARAM_ERROR"},
		{"out_trade_no with non-ASCII", set("out_trade_no", "订单000001"), 400, "PARAM_ERROR"},
		{"time_expire not RFC 3339", set("time_expire", "2030-01-01 10:00:00"), 400, "PARAM_ERROR"},
		{"time_expire in the past", set("time_expire", now.Add(-time.Minute).Format(time.RFC3339)), 400, "PARAM_ERROR"},
		{"attach of 129 bytes", set("attach", strings.Repeat("x", 129)), 400, "PARAM_ERROR"},
		{"missing notify_url", del("notify_url"), 400, "PARAM_ERROR"},
		{"notify_url over 255", set("notify_url", "https://merchant.example/"+strings.Repeat("n", 240)), 400, "PARAM_ERROR"},
		{"notify_url with query", set("notify_url", emutest.HTTPSNotify+"?order=1"), 400, "PARAM_ERROR"},
		{"notify_url with empty query", set("notify_url", emutest.HTTPSNotify+"?"), 400, "PARAM_ERROR"},
		{"notify_url with fragment", set("notify_url", emutest.HTTPSNotify+"#x"), 400, "PARAM_ERROR"},
		{"notify_url http", set("notify_url", "http://merchant.example/notify"), 400, "PARAM_ERROR"},
		{"notify_url relative", set("notify_url", "/notify"), 400, "PARAM_ERROR"},
		{"missing amount", del("amount"), 400, "PARAM_ERROR"},
		{"missing total", amount(map[string]any{"currency": "CNY"}), 400, "PARAM_ERROR"},
		{"zero total", amount(map[string]any{"total": 0}), 400, "PARAM_ERROR"},
		{"negative total", amount(map[string]any{"total": -1}), 400, "PARAM_ERROR"},
		{"fractional total", amount(map[string]any{"total": 1.5}), 400, "PARAM_ERROR"},
		{"total as a string", amount(map[string]any{"total": "100"}), 400, "PARAM_ERROR"},
		{"currency USD", amount(map[string]any{"total": 100, "currency": "USD"}), 400, "PARAM_ERROR"},
		{"missing payer", del("payer"), 400, "PARAM_ERROR"},
		{"missing openid", set("payer", map[string]any{}), 400, "PARAM_ERROR"},
		{"another merchant's mchid", set("mchid", "1230000109"), 400, "PARAM_ERROR"},
		{"an appid not bound to the merchant", set("appid", "wx-not-ours"), 403, "APPID_MCHID_NOT_MATCH"},
	}
	ctx, c := context.Background(), f.SDK(t)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := emutest.OrderBody("valid-"+string(rune('a'+i%26))+"-0001", emutest.HTTPSNotify)
			tc.edit(body)
			_, err := c.Post(ctx, f.Srv.URL+"/v3/pay/transactions/jsapi", body)
			f.APIError(t, err, tc.status, tc.code)
			if no, ok := body["out_trade_no"].(string); ok {
				if _, created := f.Emu.Transaction(no); created {
					t.Fatalf("a refused prepay created %s", no)
				}
			}
		})
	}
	for _, body := range []string{"not JSON", "[]", `{"appid":`} {
		_, err := c.Post(ctx, f.Srv.URL+"/v3/pay/transactions/jsapi", body)
		f.APIError(t, err, http.StatusBadRequest, "PARAM_ERROR")
	}

	// The limits themselves are fine, and so are an omitted currency and
	// fields WeChat knows that the emulator ignores.
	body := emutest.OrderBody(strings.Repeat("Z", 32), emutest.HTTPSNotify)
	body["description"] = strings.Repeat("商", 127)
	body["attach"] = strings.Repeat("x", 128)
	body["time_expire"] = now.Add(time.Hour).Format(time.RFC3339)
	body["amount"] = map[string]any{"total": 1}
	body["scene_info"] = map[string]any{"payer_client_ip": "127.0.0.1"}
	f.Prepay(t, body)
	f.Prepay(t, emutest.OrderBody("a_b-c1", emutest.HTTPSNotify))
}

func TestPrepayIsIdempotentPerOutTradeNo(t *testing.T) {
	f := startPay(t, nil)
	expire := f.Clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
	first := emutest.OrderBody("idem-0001", emutest.DeadNotify)
	first["time_expire"] = expire
	id := f.Prepay(t, first)

	same := emutest.OrderBody("idem-0001", emutest.DeadNotify)
	same["amount"] = map[string]any{"total": 100} // CNY is the default
	if got := f.Prepay(t, same); got != id {
		t.Fatalf("prepay without time_expire again: %q, want %q", got, id)
	}
	same["time_expire"] = expire
	if got := f.Prepay(t, same); got != id {
		t.Fatalf("prepay with the same time_expire: %q, want %q", got, id)
	}

	ctx, c := context.Background(), f.SDK(t)
	for name, edit := range map[string]func(map[string]any){
		"another total":       func(b map[string]any) { b["amount"] = map[string]any{"total": 101} },
		"another description": func(b map[string]any) { b["description"] = "something else" },
		"another payer":       func(b map[string]any) { b["payer"] = map[string]any{"openid": "oOther"} },
		"another notify_url":  func(b map[string]any) { b["notify_url"] = emutest.DeadNotify + "2" },
		"another attach":      func(b map[string]any) { b["attach"] = "x" },
		"another time_expire": func(b map[string]any) {
			b["time_expire"] = f.Clock.Now().Add(3 * time.Hour).Format(time.RFC3339)
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := emutest.OrderBody("idem-0001", emutest.DeadNotify)
			edit(b)
			_, err := c.Post(ctx, f.Srv.URL+"/v3/pay/transactions/jsapi", b)
			if ae := f.APIError(t, err, http.StatusBadRequest, "INVALID_REQUEST"); ae.Message != "201 商户订单号重复" {
				t.Errorf("message %q", ae.Message)
			}
		})
	}
	// A transaction created without time_expire cannot get one later.
	f.Prepay(t, emutest.OrderBody("idem-0002", emutest.DeadNotify))
	b := emutest.OrderBody("idem-0002", emutest.DeadNotify)
	b["time_expire"] = expire
	_, err := c.Post(ctx, f.Srv.URL+"/v3/pay/transactions/jsapi", b)
	f.APIError(t, err, http.StatusBadRequest, "INVALID_REQUEST")

	// Past time_expire WeChat still reports NOTPAY until the order is closed.
	f.Clock.Advance(3 * time.Hour)
	if v, _ := f.Emu.Transaction("idem-0001"); v.PrepayID != id || v.TradeState != "NOTPAY" {
		t.Fatalf("after expiry: %+v, want NOTPAY (WeChat reports NOTPAY until closed)", v)
	}
}
