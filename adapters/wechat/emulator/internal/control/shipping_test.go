package control_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

type shippingOrder struct {
	TransactionID        string `json:"transaction_id"`
	OutTradeNo           string `json:"out_trade_no"`
	Synced               bool   `json:"synced"`
	OrderState           int    `json:"order_state"`
	OrderStateDesc       string `json:"order_state_desc"`
	ConfirmReceiveMethod int    `json:"confirm_receive_method"`
	ShippingList         []struct {
		TrackingNo string `json:"tracking_no"`
	} `json:"shipping_list"`
	Uploads []struct {
		LogisticsType int `json:"logistics_type"`
	} `json:"uploads"`
	SettledAt string `json:"settled_at"`
}

type pushAttempt struct {
	PushID        string `json:"push_id"`
	Event         string `json:"event"`
	TransactionID string `json:"transaction_id"`
	Message       string `json:"message"`
	Delivered     bool   `json:"delivered"`
}

// The console's shipping page: the orders, 确认收货, settle now, remind,
// and the pushes they caused.
func TestControlShippingMovesOrdersAndListsPushes(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	c := controlContract(t, f.Srv.URL)
	shipped := f.PaidSynced(t, "ctl-ship-1")
	waiting := f.Paid(t, "ctl-ship-2", emutest.DeadNotify)
	f.MustAPI(t, "/wxa/sec/order/upload_shipping_info", emutest.ShipBody(shipped, "YT0401", f.Clock.Now()))
	f.MustAPI(t, "/wxa/sec/order/set_msg_jump_path", `{"path":"pages/order/detail"}`)
	f.Push.Wait(t, 1)

	list := emutest.Decode[struct {
		Items        []shippingOrder `json:"items"`
		TradeManaged bool            `json:"trade_managed"`
		MsgJumpPath  string          `json:"msg_jump_path"`
	}](t, c.call(http.MethodGet, "/emulator/shipping", "", http.StatusOK))
	if len(list.Items) != 2 || !list.TradeManaged || list.MsgJumpPath != "pages/order/detail" {
		t.Fatalf("list %+v", list)
	}
	byNo := map[string]shippingOrder{}
	for _, o := range list.Items {
		byNo[o.OutTradeNo] = o
	}
	if o := byNo["ctl-ship-1"]; o.OrderState != 2 || o.OrderStateDesc != "已发货" || len(o.ShippingList) != 1 || o.ShippingList[0].TrackingNo != "YT0401" || len(o.Uploads) != 1 {
		t.Fatalf("the shipped order: %+v", o)
	}
	if o := byNo["ctl-ship-2"]; o.Synced || o.OrderState != 1 || len(o.Uploads) != 0 {
		t.Fatalf("the order within its sync delay: %+v", o)
	}
	c.call(http.MethodPost, "/emulator/shipping/"+waiting.TransactionID+"/confirm", "", http.StatusNotFound)
	c.call(http.MethodPost, "/emulator/shipping/nope/settle", "", http.StatusNotFound)
	f.Clock.Advance(emulator.DefaultShippingSyncDelay)
	c.call(http.MethodPost, "/emulator/shipping/"+waiting.TransactionID+"/confirm", "", http.StatusConflict)
	c.call(http.MethodPost, "/emulator/shipping/"+shipped.TransactionID+"/remind", "", http.StatusConflict)
	reminded := emutest.Decode[shippingOrder](t, c.call(http.MethodPost, "/emulator/shipping/"+waiting.TransactionID+"/remind", "", http.StatusOK))
	if reminded.OrderState != 1 {
		t.Fatalf("reminded: %+v", reminded)
	}
	f.Push.Wait(t, 2)

	confirmed := emutest.Decode[shippingOrder](t, c.call(http.MethodPost, "/emulator/shipping/"+shipped.TransactionID+"/confirm", "", http.StatusOK))
	if confirmed.OrderState != 3 || confirmed.ConfirmReceiveMethod != 2 {
		t.Fatalf("confirmed: %+v", confirmed)
	}
	f.Push.Wait(t, 3)
	// An attempt is listed when it completes, after the receiver saw it: the
	// settlement must not overtake the receipt in the list.
	emutest.WaitFor(t, "three recorded pushes", func() bool { return len(f.Emu.Pushes()) == 3 })
	settled := emutest.Decode[shippingOrder](t, c.call(http.MethodPost, "/emulator/shipping/"+shipped.TransactionID+"/settle", "", http.StatusOK))
	if settled.OrderState != 4 || settled.SettledAt == "" {
		t.Fatalf("settled: %+v", settled)
	}
	c.call(http.MethodPost, "/emulator/shipping/"+shipped.TransactionID+"/settle", "", http.StatusConflict)
	f.Push.Wait(t, 4)

	emutest.WaitFor(t, "four recorded pushes", func() bool { return len(f.Emu.Pushes()) == 4 })
	pushes := emutest.Decode[struct {
		Items      []pushAttempt `json:"items"`
		Configured bool          `json:"configured"`
	}](t, c.call(http.MethodGet, "/emulator/pushes", "", http.StatusOK))
	if len(pushes.Items) != 4 || !pushes.Configured || !strings.Contains(pushes.Items[0].Message, `"settlement_time"`) ||
		pushes.Items[0].TransactionID != shipped.TransactionID || !pushes.Items[0].Delivered {
		t.Fatalf("pushes %+v, want four, the settlement first", pushes)
	}
	events := map[string]int{}
	for _, p := range pushes.Items {
		events[p.Event]++
	}
	if events["trade_manage_order_settlement"] != 3 || events["trade_manage_remind_shipping"] != 1 {
		t.Fatalf("events %v", events)
	}
	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+"/emulator/shipping/"+shipped.TransactionID+"/confirm", "")
	emutest.ControlError(t, resp, b, http.StatusMethodNotAllowed)
}

func TestControlVerifiesThePushURL(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	c := controlContract(t, f.Srv.URL)
	v := emutest.Decode[struct {
		OK      bool   `json:"ok"`
		Status  int    `json:"status"`
		Echostr string `json:"echostr"`
		Answer  string `json:"answer"`
		URL     string `json:"url"`
	}](t, c.call(http.MethodPost, "/emulator/push/verify", "", http.StatusOK))
	if !v.OK || v.Status != 200 || v.Answer != v.Echostr || v.URL != f.Push.URL {
		t.Fatalf("verification %+v", v)
	}
	if len(f.Push.All()) != 0 || len(f.Emu.Pushes()) != 0 {
		t.Fatal("the verification was taken for a push")
	}

	// A server that answers something else fails the check (200, ok false).
	g := emutest.StartShipping(t, nil, func(cfg *emulator.Config) { cfg.Push.Token = "AnotherToken" })
	bad := emutest.Decode[struct {
		OK bool `json:"ok"`
	}](t, controlContract(t, g.Srv.URL).call(http.MethodPost, "/emulator/push/verify", "", http.StatusOK))
	if bad.OK {
		t.Fatal("a server with another Token passed the check")
	}

	none := emutest.StartPay(t, nil)
	nc := controlContract(t, none.Srv.URL)
	nc.call(http.MethodPost, "/emulator/push/verify", "", http.StatusConflict)
	if p := emutest.Decode[struct {
		Items      []pushAttempt `json:"items"`
		Configured bool          `json:"configured"`
	}](t, nc.call(http.MethodGet, "/emulator/pushes", "", http.StatusOK)); p.Configured || len(p.Items) != 0 {
		t.Fatalf("pushes without a target: %+v", p)
	}
	// Without WeChat Pay there are no shipping orders to list.
	without := emutest.Start(t, emulator.Config{})
	resp, b := emutest.Do(t, http.MethodGet, without.Srv.URL+"/emulator/shipping", "")
	emutest.ControlError(t, resp, b, http.StatusNotFound)
}
