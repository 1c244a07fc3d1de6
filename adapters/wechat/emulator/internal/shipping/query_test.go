package shipping_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

type orderList struct {
	OrderList []order `json:"order_list"`
	LastIndex string  `json:"last_index"`
	HasMore   bool    `json:"has_more"`
}

func TestGetOrderByEitherKey(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	long := strings.Repeat("好", 125)
	body := emutest.OrderBody("ship-get-1", emutest.DeadNotify)
	body["description"] = long
	v, err := f.Emu.RequestPayment(f.Payment(t, f.Prepay(t, body)))
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(emulator.DefaultShippingSyncDelay)
	byNo := emutest.Decode[struct{ Order order }](t, f.MustAPI(t, getOne, `{"merchant_id":"`+emutest.TestMchID+`","merchant_trade_no":"ship-get-1"}`)).Order
	byID := getOrder(t, f, v.TransactionID)
	if byNo.TransactionID != v.TransactionID || byID.MerchantTradeNo != "ship-get-1" {
		t.Fatalf("by number %+v, by id %+v", byNo, byID)
	}
	if d := []rune(byID.Description); len(d) != 120 || !strings.HasSuffix(byID.Description, "...") {
		t.Fatalf("description of %d characters %q, want 120 ending ...", len(d), byID.Description)
	}
	for _, b := range []string{`{}`, `{"merchant_id":"` + emutest.TestMchID + `"}`, `{"transaction_id":42}`, ``} {
		r, _ := f.API(t, getOne, b)
		if r.Code() != 47001 {
			t.Errorf("get_order %q: %+v, want 47001", b, r)
		}
	}
	r, _ := f.API(t, getOne, `{"transaction_id":"4200000000000000000000000000"}`)
	emutest.WantPlatformErr(t, r, 10060001, "支付单不存在")
}

func TestGetOrderListFiltersAndPages(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	var txns []emulator.TransactionView
	for i := range 5 {
		txns = append(txns, f.Paid(t, fmt.Sprintf("ship-list-%d", i), emutest.DeadNotify))
		f.Clock.Advance(30 * time.Second) // the SDK's signatures allow the clock 5 minutes
	}
	unsynced := f.Paid(t, "ship-list-late", emutest.DeadNotify) // within the sync delay: not listed
	f.MustAPI(t, upload, emutest.ShipBody(txns[1], "YT0101", f.Clock.Now()))
	f.MustAPI(t, upload, emutest.ShipBody(txns[3], "YT0103", f.Clock.Now()))

	list := func(body string) orderList {
		t.Helper()
		return emutest.Decode[orderList](t, f.MustAPI(t, getList, body))
	}
	ids := func(l orderList) string {
		var s []string
		for _, o := range l.OrderList {
			s = append(s, o.MerchantTradeNo)
		}
		return strings.Join(s, ",")
	}
	if l := list(`{}`); ids(l) != "ship-list-0,ship-list-1,ship-list-2,ship-list-3,ship-list-4" || l.HasMore {
		t.Fatalf("every synced order, earliest paid first: %s %+v", ids(l), l)
	}
	if l := list(``); len(l.OrderList) != 5 {
		t.Fatalf("an empty body lists every order: %s", ids(l))
	}
	if l := list(`{"order_state":2}`); ids(l) != "ship-list-1,ship-list-3" || l.OrderList[0].Shipping == nil {
		t.Fatalf("shipped ones: %s", ids(l))
	}
	rng := fmt.Sprintf(`{"pay_time_range":{"begin_time":%d,"end_time":%d}}`, txns[1].SuccessTime.Unix(), txns[3].SuccessTime.Unix())
	if l := list(rng); ids(l) != "ship-list-1,ship-list-2,ship-list-3" {
		t.Fatalf("paid in the range, both ends included: %s", ids(l))
	}
	if l := list(`{"openid":"o-nobody"}`); len(l.OrderList) != 0 || l.OrderList == nil || l.LastIndex != "" {
		t.Fatalf("another payer: %+v", l)
	}
	if l := list(`{"openid":"` + emutest.TestOpenID + `","order_state":1}`); ids(l) != "ship-list-0,ship-list-2,ship-list-4" {
		t.Fatalf("the payer's unshipped: %s", ids(l))
	}

	first := list(`{"page_size":2}`)
	second := list(`{"page_size":2,"last_index":"` + first.LastIndex + `"}`)
	third := list(`{"page_size":2,"last_index":"` + second.LastIndex + `"}`)
	if ids(first) != "ship-list-0,ship-list-1" || !first.HasMore || ids(second) != "ship-list-2,ship-list-3" || !second.HasMore ||
		ids(third) != "ship-list-4" || third.HasMore {
		t.Fatalf("pages %s | %s | %s", ids(first), ids(second), ids(third))
	}
	for _, b := range []string{`{"page_size":51}`, `{"page_size":-1}`, `{"order_state":7}`, `{"last_index":"nonsense"}`, `{"pay_time_range":[]}`} {
		r, _ := f.API(t, getList, b)
		if r.Code() != 47001 {
			t.Errorf("get_order_list %s: %+v, want 47001", b, r)
		}
	}
	f.Clock.Advance(emulator.DefaultShippingSyncDelay)
	if l := list(`{"page_size":50}`); len(l.OrderList) != 6 || l.OrderList[5].TransactionID != unsynced.TransactionID {
		t.Fatalf("after its sync, the late order is listed: %s", ids(l))
	}
}

func TestNotifyConfirmReceive(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "ship-notify-1")
	const path = "/wxa/sec/order/notify_confirm_receive"
	body := fmt.Sprintf(`{"transaction_id":%q,"received_time":%d}`, txn.TransactionID, f.Clock.Now().Unix())
	r, _ := f.API(t, path, body)
	emutest.WantPlatformErr(t, r, 10060004, "支付单处于不可提醒确认收货的状态")
	f.MustAPI(t, upload, emutest.ShipBody(txn, "YT0201", f.Clock.Now()))
	for _, b := range []string{`{"transaction_id":"` + txn.TransactionID + `"}`, `{"received_time":1714036504}`,
		`{"transaction_id":"` + txn.TransactionID + `","received_time":"soon"}`} {
		r, _ := f.API(t, path, b)
		if r.Code() != 47001 {
			t.Errorf("%s: %+v, want 47001", b, r)
		}
	}
	f.MustAPI(t, path, fmt.Sprintf(`{"merchant_id":%q,"merchant_trade_no":"ship-notify-1","received_time":%d}`, emutest.TestMchID, f.Clock.Now().Unix()))
	r, _ = f.API(t, path, body)
	emutest.WantPlatformErr(t, r, 10060004, "该支付单已提醒过确认收货")
	v, _ := f.Emu.ShippingOrder(txn.TransactionID)
	if v.ReceivedTime.Unix() != f.Clock.Now().Unix() || v.ReceivedNotifiedAt.IsZero() || v.State != emulator.ShippingShipped {
		t.Fatalf("recorded: %+v", v)
	}
}

func TestJumpPathTradeManagementAndTheDeliveryList(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	f.MustAPI(t, "/wxa/sec/order/set_msg_jump_path", `{"path":"pages/order/detail?id=1"}`)
	for _, b := range []string{`{}`, `{"path":""}`, `{"path":1}`} {
		if r, _ := f.API(t, "/wxa/sec/order/set_msg_jump_path", b); r.Code() != 47001 {
			t.Errorf("set_msg_jump_path %s: %+v", b, r)
		}
	}
	managed := emutest.Decode[struct {
		IsTradeManaged bool `json:"is_trade_managed"`
	}](t, f.MustAPI(t, "/wxa/sec/order/is_trade_managed", `{"appid":"`+emutest.TestAppID+`"}`))
	completed := emutest.Decode[struct {
		Completed bool `json:"completed"`
	}](t, f.MustAPI(t, "/wxa/sec/order/is_trade_management_confirmation_completed", `{"appid":"`+emutest.TestAppID+`"}`))
	if !managed.IsTradeManaged || !completed.Completed {
		t.Fatalf("managed %v, completed %v: both by default", managed, completed)
	}
	for _, p := range []string{"/wxa/sec/order/is_trade_managed", "/wxa/sec/order/is_trade_management_confirmation_completed"} {
		r, _ := f.API(t, p, `{"appid":"wx-other"}`)
		emutest.WantPlatformErr(t, r, 40013, "invalid appid")
	}

	for _, b := range []string{`{}`, ``} {
		_, raw := f.API(t, "/cgi-bin/express/delivery/open_msg/get_delivery_list", b)
		var got map[string]any
		list := emutest.Decode[struct {
			ErrCode      *int                       `json:"errcode"`
			DeliveryList []emulator.DeliveryCompany `json:"delivery_list"`
			Count        int                        `json:"count"`
		}](t, raw)
		got = emutest.Decode[map[string]any](t, raw)
		if list.ErrCode == nil || *list.ErrCode != 0 || list.Count != 8 || len(list.DeliveryList) != 8 || got["errmsg"] != nil {
			t.Fatalf("get_delivery_list %q: %s", b, raw)
		}
		names := map[string]string{}
		for _, c := range list.DeliveryList {
			names[c.ID] = c.Name
		}
		if names["YD"] != "韵达速递" || names["SF"] != "顺丰速运" || names["YTO"] != "圆通速递" || names["JTSD"] != "极兔速递" || names["JD"] != "京东物流" {
			t.Fatalf("carriers %v", names)
		}
	}

	g := emutest.StartShipping(t, nil, func(c *emulator.Config) { c.Shipping.Unmanaged = true })
	if m := emutest.Decode[map[string]any](t, g.MustAPI(t, "/wxa/sec/order/is_trade_managed", `{"appid":"`+emutest.TestAppID+`"}`)); m["is_trade_managed"] != false {
		t.Fatalf("unmanaged: %v", m)
	}
}
