package shipping_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

const (
	upload  = "/wxa/sec/order/upload_shipping_info"
	getOne  = "/wxa/sec/order/get_order"
	getList = "/wxa/sec/order/get_order_list"
)

// order is get_order's order, as a client decodes it.
type order struct {
	TransactionID   string `json:"transaction_id"`
	MerchantTradeNo string `json:"merchant_trade_no"`
	MerchantID      string `json:"merchant_id"`
	Description     string `json:"description"`
	PaidAmount      int64  `json:"paid_amount"`
	OpenID          string `json:"openid"`
	TradeCreateTime int64  `json:"trade_create_time"`
	PayTime         int64  `json:"pay_time"`
	InComplaint     bool   `json:"in_complaint"`
	OrderState      int    `json:"order_state"`
	Shipping        *struct {
		DeliveryMode        int  `json:"delivery_mode"`
		LogisticsType       int  `json:"logistics_type"`
		FinishShipping      bool `json:"finish_shipping"`
		FinishShippingCount int  `json:"finish_shipping_count"`
		ShippingList        []struct {
			TrackingNo     string `json:"tracking_no"`
			ExpressCompany string `json:"express_company"`
			GoodsDesc      string `json:"goods_desc"`
			UploadTime     int64  `json:"upload_time"`
		} `json:"shipping_list"`
	} `json:"shipping"`
}

func getOrder(t *testing.T, f *emutest.ShipFixture, transactionID string) order {
	t.Helper()
	b := f.MustAPI(t, getOne, `{"transaction_id":"`+transactionID+`"}`)
	return emutest.Decode[struct{ Order order }](t, b).Order
}

func TestAnOrderReachesTheShippingAPIsAfterTheSyncDelay(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.Paid(t, "ship-sync-1", emutest.DeadNotify)
	body := emutest.ShipBody(txn, "YT0001", f.Clock.Now())
	r, _ := f.API(t, upload, body)
	emutest.WantPlatformErr(t, r, 10060001, "支付单不存在")
	f.Clock.Advance(emulator.DefaultShippingSyncDelay - time.Second)
	r, _ = f.API(t, getOne, `{"transaction_id":"`+txn.TransactionID+`"}`)
	emutest.WantPlatformErr(t, r, 10060001, "支付单不存在")
	if o, ok := f.Emu.ShippingOrder(txn.TransactionID); !ok || o.Synced || o.State != emulator.ShippingToShip {
		t.Fatalf("the console's view before the sync: %+v", o)
	}
	f.Clock.Advance(time.Second)
	o := getOrder(t, f, txn.TransactionID)
	if o.TransactionID != txn.TransactionID || o.MerchantTradeNo != "ship-sync-1" || o.MerchantID != emutest.TestMchID ||
		o.Description != "Emulator test order" || o.PaidAmount != 100 || o.OpenID != emutest.TestOpenID ||
		o.PayTime != txn.SuccessTime.Unix() || o.TradeCreateTime != txn.PrepayIssuedAt.Unix() || o.InComplaint ||
		o.OrderState != 1 || o.Shipping != nil {
		t.Fatalf("get_order: %+v", o)
	}
	// An unpaid transaction has no shipping order, however long one waits.
	f.Prepay(t, emutest.OrderBody("ship-sync-2", emutest.DeadNotify))
	f.Clock.Advance(time.Hour)
	r, _ = f.API(t, getOne, `{"merchant_id":"`+emutest.TestMchID+`","merchant_trade_no":"ship-sync-2"}`)
	emutest.WantPlatformErr(t, r, 10060001, "支付单不存在")

	for name, delay := range map[string]time.Duration{"a minute": time.Minute, "none": -1} {
		t.Run(name, func(t *testing.T) {
			g := emutest.StartShipping(t, nil, func(c *emulator.Config) { c.Shipping.SyncDelay = delay })
			txn := g.Paid(t, "ship-sync-3", emutest.DeadNotify)
			if delay < 0 {
				getOrder(t, g, txn.TransactionID)
				return
			}
			g.Clock.Advance(delay - time.Second)
			r, _ := g.API(t, getOne, `{"transaction_id":"`+txn.TransactionID+`"}`)
			emutest.WantPlatformErr(t, r, 10060001, "支付单不存在")
			g.Clock.Advance(time.Second)
			getOrder(t, g, txn.TransactionID)
		})
	}
}

func TestUploadingShipsTheOrderAndPushesIt(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	byNo := f.PaidSynced(t, "ship-up-1")
	at := f.Clock.Now()
	f.MustAPI(t, upload, emutest.ShipBody(byNo, "YT0002", at))
	o := getOrder(t, f, byNo.TransactionID)
	s := o.Shipping
	if o.OrderState != 2 || s == nil || s.DeliveryMode != 1 || s.LogisticsType != 1 || !s.FinishShipping || s.FinishShippingCount != 1 ||
		len(s.ShippingList) != 1 || s.ShippingList[0].TrackingNo != "YT0002" || s.ShippingList[0].ExpressCompany != "YTO" ||
		s.ShippingList[0].GoodsDesc != "微信红包抱枕*1个" || s.ShippingList[0].UploadTime != at.Unix() {
		t.Fatalf("get_order after the upload: %+v %+v", o, s)
	}
	p := f.Push.Wait(t, 1)[0]
	if p.Event() != "trade_manage_order_settlement" || p.Msg["MsgType"] != "event" || p.Msg["transaction_id"] != byNo.TransactionID ||
		p.Msg["merchant_id"] != emutest.TestMchID || p.Msg["merchant_trade_no"] != "ship-up-1" || p.Msg["sub_merchant_id"] != "" ||
		p.Int("pay_time") != byNo.SuccessTime.Unix() || p.Int("shipped_time") != at.Unix() ||
		p.Int("estimated_settlement_time") != at.Add(emulator.SettleAfterExpress).Unix() || p.Int("CreateTime") != at.Unix() {
		t.Fatalf("the shipping push: %v", p.Msg)
	}
	for _, field := range []string{"confirm_receive_method", "confirm_receive_time", "settlement_time"} {
		if _, ok := p.Msg[field]; ok {
			t.Fatalf("the shipping push carries %s: %v", field, p.Msg)
		}
	}

	// By transaction_id, virtual goods: no carrier, settled T+2.
	byID := f.PaidSynced(t, "ship-up-2")
	f.MustAPI(t, upload, fmt.Sprintf(`{"order_key":{"order_number_type":2,"transaction_id":%q},"logistics_type":3,"delivery_mode":1,`+
		`"shipping_list":[{"item_desc":"话费充值 50 元"}],"upload_time":%q,"payer":{"openid":%q}}`,
		byID.TransactionID, f.Clock.Now().Format(time.RFC3339), byID.PayerOpenID))
	if o := getOrder(t, f, byID.TransactionID); o.OrderState != 2 || o.Shipping.LogisticsType != 3 || o.Shipping.ShippingList[0].TrackingNo != "" {
		t.Fatalf("virtual goods: %+v", o)
	}
	if p := f.Push.Wait(t, 2)[1]; p.Int("estimated_settlement_time") != f.Clock.Now().Add(emulator.SettleAfterOther).Unix() {
		t.Fatalf("virtual goods' push: %v", p.Msg)
	}
	v, _ := f.Emu.ShippingOrder(byNo.TransactionID)
	if len(v.Uploads) != 1 || v.Uploads[0].Reship || !v.ShippedAt.Equal(at) || v.State != emulator.ShippingShipped || v.StateDesc != "已发货" {
		t.Fatalf("the console's view: %+v", v)
	}
}

// Every refusal of a body's format is 47001 with a hint (268485228 for a
// unified delivery of several parcels), and leaves the order as it was.
func TestUploadFormatRules(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "ship-fmt-1")
	good := emutest.ShipBody(txn, "YT0003", f.Clock.Now())
	edit := func(fn func(m map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(good), &m)
		fn(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	parcel := func(fn func(p map[string]any)) string {
		return edit(func(m map[string]any) { fn(m["shipping_list"].([]any)[0].(map[string]any)) })
	}
	n := func(k int) []any {
		list := make([]any, k)
		for i := range list {
			list[i] = map[string]any{"tracking_no": fmt.Sprint("YT", i), "express_company": "YTO", "item_desc": "x"}
		}
		return list
	}
	for name, body := range map[string]string{
		"not JSON":                   `order_key=1`,
		"an array":                   `[]`,
		"access_token in the body":   edit(func(m map[string]any) { m["access_token"] = "x" }),
		"shipping_list not an array": edit(func(m map[string]any) { m["shipping_list"] = map[string]any{} }),
		"logistics_type 5":           edit(func(m map[string]any) { m["logistics_type"] = 5 }),
		"logistics_type a string":    edit(func(m map[string]any) { m["logistics_type"] = "1" }),
		"no logistics_type":          edit(func(m map[string]any) { delete(m, "logistics_type") }),
		"delivery_mode 3":            edit(func(m map[string]any) { m["delivery_mode"] = 3 }),
		"no order_key":               edit(func(m map[string]any) { delete(m, "order_key") }),
		"order_number_type 3":        edit(func(m map[string]any) { m["order_key"].(map[string]any)["order_number_type"] = 3 }),
		"type 1 without mchid":       edit(func(m map[string]any) { m["order_key"].(map[string]any)["mchid"] = "" }),
		"type 2 without id":          edit(func(m map[string]any) { m["order_key"].(map[string]any)["order_number_type"] = 2 }),
		"empty shipping_list":        edit(func(m map[string]any) { m["shipping_list"] = []any{} }),
		"16 parcels": edit(func(m map[string]any) {
			m["delivery_mode"] = 2
			m["is_all_delivered"] = true
			m["shipping_list"] = n(16)
		}),
		"split, not express":      edit(func(m map[string]any) { m["delivery_mode"] = 2; m["logistics_type"] = 2; m["is_all_delivered"] = true }),
		"split without is_all":    edit(func(m map[string]any) { m["delivery_mode"] = 2; delete(m, "is_all_delivered") }),
		"no tracking_no":          parcel(func(p map[string]any) { p["tracking_no"] = "" }),
		"tracking_no of 129":      parcel(func(p map[string]any) { p["tracking_no"] = strings.Repeat("9", 129) }),
		"no express_company":      parcel(func(p map[string]any) { delete(p, "express_company") }),
		"unknown express_company": parcel(func(p map[string]any) { p["express_company"] = "XYZ" }),
		"item_desc of 121":        parcel(func(p map[string]any) { p["item_desc"] = strings.Repeat("货", 121) }),
		"no item_desc":            parcel(func(p map[string]any) { p["item_desc"] = "" }),
		"SF without contact":      parcel(func(p map[string]any) { p["express_company"] = "SF" }),
		"SF, contact unmasked": parcel(func(p map[string]any) {
			p["express_company"] = "SF"
			p["contact"] = map[string]any{"receiver_contact": "18912341234"}
		}),
		"SF, last digits masked": parcel(func(p map[string]any) {
			p["express_company"] = "SF"
			p["contact"] = map[string]any{"receiver_contact": "1891234****"}
		}),
		"contact of 1025": parcel(func(p map[string]any) {
			p["contact"] = map[string]any{"receiver_contact": strings.Repeat("*", 1021) + "1234"}
		}),
		"upload_time not RFC 3339": edit(func(m map[string]any) { m["upload_time"] = "2022-12-15 13:29:35" }),
		"upload_time a number":     edit(func(m map[string]any) { m["upload_time"] = 1671082175 }),
		"no upload_time":           edit(func(m map[string]any) { delete(m, "upload_time") }),
		"no payer":                 edit(func(m map[string]any) { delete(m, "payer") }),
		"payer without openid":     edit(func(m map[string]any) { m["payer"] = map[string]any{} }),
	} {
		t.Run(name, func(t *testing.T) {
			r, b := f.API(t, upload, body)
			if r.Code() != 47001 || !strings.HasPrefix(r.ErrMsg, "data format error hint: [") {
				t.Fatalf("answer %s, want 47001 with a hint", b)
			}
			emutest.WantPlatformErr(t, r, 47001, r.ErrMsg[:strings.Index(r.ErrMsg, " rid: ")])
		})
	}
	r, _ := f.API(t, upload, edit(func(m map[string]any) { m["shipping_list"] = n(2) }))
	emutest.WantPlatformErr(t, r, 268485228, "统一发货模式下，物流信息列表长度必须为1")
	if o := getOrder(t, f, txn.TransactionID); o.OrderState != 1 || o.Shipping != nil {
		t.Fatalf("refused uploads shipped the order: %+v", o)
	}
	if ps := f.Push.All(); len(ps) != 0 {
		t.Fatalf("refused uploads pushed %d messages", len(ps))
	}
	// The edges are accepted: 120 characters, 128 bytes, SF with a masked
	// receiver's number.
	f.MustAPI(t, upload, parcel(func(p map[string]any) {
		p["item_desc"] = strings.Repeat("货", 120)
		p["tracking_no"] = strings.Repeat("9", 128)
		p["express_company"] = "SF"
		p["contact"] = map[string]any{"receiver_contact": "189****1234"}
	}))
	v, _ := f.Emu.ShippingOrder(txn.TransactionID)
	if len(v.Parcels) != 1 || v.Parcels[0].ReceiverContact != "189****1234" || v.Parcels[0].ExpressCompany != "SF" {
		t.Fatalf("the accepted edges: %+v", v.Parcels)
	}
}

func TestUploadOrderRules(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "ship-rule-1")
	t0 := f.Clock.Now()

	notPayer := strings.Replace(emutest.ShipBody(txn, "YT0004", t0), txn.PayerOpenID, "o-someone-else", 1)
	r, _ := f.API(t, upload, notPayer)
	emutest.WantPlatformErr(t, r, 10060031, "该笔支付单不属于 openid 所指定的用户")
	for name, body := range map[string]string{
		"another mchid": strings.Replace(emutest.ShipBody(txn, "YT0004", t0), emutest.TestMchID, "1900000999", 1),
		"an unknown no": strings.Replace(emutest.ShipBody(txn, "YT0004", t0), "ship-rule-1", "ship-rule-404", 1),
		"an unknown id": fmt.Sprintf(`{"order_key":{"order_number_type":2,"transaction_id":"4200009999"},"logistics_type":3,"delivery_mode":1,"shipping_list":[{"item_desc":"x"}],"upload_time":%q,"payer":{"openid":%q}}`, t0.Format(time.RFC3339), txn.PayerOpenID),
	} {
		r, _ := f.API(t, upload, body)
		t.Run(name, func(t *testing.T) { emutest.WantPlatformErr(t, r, 10060001, "支付单不存在") })
	}

	f.MustAPI(t, upload, emutest.ShipBody(txn, "YT0004", t0))
	// The same upload again (a retry after a lost answer), or an older
	// one, changes nothing.
	for _, at := range []time.Time{t0, t0.Add(-time.Second)} {
		r, _ := f.API(t, upload, emutest.ShipBody(txn, "YT0005", at))
		emutest.WantPlatformErr(t, r, 10060023, "发货信息未更新")
	}
	// A later one is the payment's one re-ship; a second is refused.
	f.MustAPI(t, upload, emutest.ShipBody(txn, "YT0005", t0.Add(time.Millisecond)))
	o := getOrder(t, f, txn.TransactionID)
	if o.OrderState != 2 || o.Shipping.FinishShippingCount != 2 || len(o.Shipping.ShippingList) != 1 || o.Shipping.ShippingList[0].TrackingNo != "YT0005" {
		t.Fatalf("after the re-ship: %+v", o.Shipping)
	}
	r, _ = f.API(t, upload, emutest.ShipBody(txn, "YT0006", t0.Add(time.Second)))
	emutest.WantPlatformErr(t, r, 10060003, "支付单已使用重新发货机会")
	if ps := f.Push.Wait(t, 2); ps[1].Int("shipped_time") != f.Clock.Now().Unix() {
		t.Fatalf("the re-ship's push: %v", ps[1].Msg)
	}
	if v, _ := f.Emu.ShippingOrder(txn.TransactionID); !v.Reshipped || len(v.Uploads) != 2 || !v.Uploads[1].Reship {
		t.Fatalf("the console's view: %+v", v)
	}

	// Confirmed, settled or refunded: nothing ships any more.
	confirmed := f.PaidSynced(t, "ship-rule-2")
	f.MustAPI(t, upload, emutest.ShipBody(confirmed, "YT0007", f.Clock.Now()))
	if _, err := f.Emu.ConfirmReceipt(confirmed.TransactionID); err != nil {
		t.Fatal(err)
	}
	settled := f.PaidSynced(t, "ship-rule-3")
	f.MustAPI(t, upload, emutest.ShipBody(settled, "YT0008", f.Clock.Now()))
	if _, err := f.Emu.SettleOrder(settled.TransactionID); err != nil {
		t.Fatal(err)
	}
	refunded := f.PaidSynced(t, "ship-rule-4")
	if _, err := f.Emu.RefundOnPlatform("ship-rule-4", refunded.Total, ""); err != nil {
		t.Fatal(err)
	}
	for _, v := range []emulator.TransactionView{confirmed, settled, refunded} {
		r, _ := f.API(t, upload, emutest.ShipBody(v, "YT0009", f.Clock.Now().Add(time.Hour)))
		emutest.WantPlatformErr(t, r, 10060004, "支付单处于不可发货的状态")
	}
	if o := getOrder(t, f, refunded.TransactionID); o.OrderState != 5 {
		t.Fatalf("a refunded order: %+v", o)
	}
}

// A split delivery (express only) ships parcel by parcel: the order is
// shipped once one upload says is_all_delivered, with every parcel.
func TestSplitDelivery(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "ship-split-1")
	split := func(at time.Time, all bool, tracking ...string) string {
		var list []string
		for _, no := range tracking {
			list = append(list, fmt.Sprintf(`{"tracking_no":%q,"express_company":"ZTO","item_desc":"第%s箱"}`, no, no))
		}
		return fmt.Sprintf(`{"order_key":{"order_number_type":2,"transaction_id":%q},"logistics_type":1,"delivery_mode":2,"is_all_delivered":%t,`+
			`"shipping_list":[%s],"upload_time":%q,"payer":{"openid":%q}}`, txn.TransactionID, all, strings.Join(list, ","), at.Format(time.RFC3339Nano), txn.PayerOpenID)
	}
	t0 := f.Clock.Now()
	f.MustAPI(t, upload, split(t0, false, "Z1", "Z2"))
	o := getOrder(t, f, txn.TransactionID)
	if o.OrderState != 1 || o.Shipping == nil || o.Shipping.FinishShipping || o.Shipping.FinishShippingCount != 0 || len(o.Shipping.ShippingList) != 2 || o.Shipping.DeliveryMode != 2 {
		t.Fatalf("part shipped: %+v %+v", o, o.Shipping)
	}
	r, _ := f.API(t, upload, split(t0.Add(time.Second), false, strings.Split("a,b,c,d,e,f,g,h,i,j,k,l,m,n", ",")...))
	if r.Code() != 47001 {
		t.Fatalf("16 parcels in all: %+v", r)
	}
	f.MustAPI(t, upload, split(t0.Add(2*time.Second), true, "Z3"))
	o = getOrder(t, f, txn.TransactionID)
	if o.OrderState != 2 || !o.Shipping.FinishShipping || o.Shipping.FinishShippingCount != 1 || len(o.Shipping.ShippingList) != 3 ||
		o.Shipping.ShippingList[2].TrackingNo != "Z3" || o.Shipping.ShippingList[0].UploadTime != t0.Unix() {
		t.Fatalf("all shipped: %+v", o.Shipping)
	}
	if ps := f.Push.Wait(t, 1); len(ps) != 1 {
		t.Fatalf("%d pushes, want the one when shipping completed", len(ps))
	}
	if v, _ := f.Emu.ShippingOrder(txn.TransactionID); v.Reshipped || len(v.Uploads) != 2 {
		t.Fatalf("parcels added are no re-ship: %+v", v)
	}

	// Changing the mode in the middle of a split delivery is the re-ship.
	other := f.PaidSynced(t, "ship-split-2")
	txn = other
	f.MustAPI(t, upload, split(f.Clock.Now(), false, "Z4"))
	f.MustAPI(t, upload, emutest.ShipBody(other, "YT0010", f.Clock.Now().Add(time.Second)))
	if v, _ := f.Emu.ShippingOrder(other.TransactionID); !v.Reshipped || v.State != emulator.ShippingShipped || len(v.Parcels) != 1 {
		t.Fatalf("a mode changed mid-way: %+v", v)
	}
}

func TestShippingAPIsTakeTheAccessToken(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "ship-tok-1")
	body := emutest.ShipBody(txn, "YT0011", f.Clock.Now())
	r, _ := f.APIWith(t, "", upload, body)
	emutest.WantPlatformErr(t, r, 41001, "access_token missing")
	r, _ = f.APIWith(t, "85_bogus", upload, body)
	emutest.WantPlatformErr(t, r, 40001, emutest.InvalidCredential)
	tok := f.Token(t, false).AccessToken
	f.Emu.InvalidateToken()
	r, _ = f.APIWith(t, tok, getOne, `{"transaction_id":"`+txn.TransactionID+`"}`)
	emutest.WantPlatformErr(t, r, 40001, emutest.InvalidCredential)
	tok = f.Token(t, false).AccessToken
	f.Clock.Advance(2 * time.Hour)
	r, _ = f.APIWith(t, tok, "/cgi-bin/express/delivery/open_msg/get_delivery_list", `{}`)
	emutest.WantPlatformErr(t, r, 42001, "access_token expired")
	// The token is checked before the method, the body after.
	resp, b := emutest.Do(t, http.MethodGet, f.Srv.URL+upload+"?access_token="+f.Token(t, false).AccessToken, "")
	emutest.WantPlatformErr(t, emutest.Decode[emutest.Reply](t, b), 43002, "require POST method")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET: HTTP %d", resp.StatusCode)
	}
	if v, _ := f.Emu.ShippingOrder(txn.TransactionID); len(v.Uploads) != 0 {
		t.Fatal("a refused call uploaded")
	}
}

func TestShippingFaults(t *testing.T) {
	f := emutest.StartShipping(t, nil, nil)
	txn := f.PaidSynced(t, "ship-fault-1")
	body := emutest.ShipBody(txn, "YT0012", f.Clock.Now())
	f.PostFault(t, `{"endpoint":"upload_shipping_info","errcode":10060001}`)
	r, _ := f.API(t, upload, body)
	emutest.WantPlatformErr(t, r, 10060001, "支付单不存在")
	f.PostFault(t, `{"endpoint":"upload_shipping_info","errcode":-1,"errmsg":"system busy"}`)
	r, _ = f.API(t, upload, body)
	emutest.WantPlatformErr(t, r, -1, "system busy")
	f.PostFault(t, `{"endpoint":"upload_shipping_info","http_status":504}`)
	resp, _ := emutest.Do(t, http.MethodPost, f.Srv.URL+upload+"?access_token="+f.Token(t, false).AccessToken, body)
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("gateway fault: HTTP %d", resp.StatusCode)
	}
	if v, _ := f.Emu.ShippingOrder(txn.TransactionID); len(v.Uploads) != 0 {
		t.Fatal("a faulted upload was recorded")
	}
	f.PostFault(t, `{"endpoint":"upload_shipping_info","delay_ms":20}`)
	f.MustAPI(t, upload, body) // a pure delay: done, only late
	for _, ep := range []struct{ endpoint, path string }{
		{"get_order", getOne}, {"get_order_list", getList}, {"notify_confirm_receive", "/wxa/sec/order/notify_confirm_receive"},
		{"set_msg_jump_path", "/wxa/sec/order/set_msg_jump_path"}, {"is_trade_managed", "/wxa/sec/order/is_trade_managed"},
		{"is_trade_management_confirmation_completed", "/wxa/sec/order/is_trade_management_confirmation_completed"},
		{"get_delivery_list", "/cgi-bin/express/delivery/open_msg/get_delivery_list"},
	} {
		f.PostFault(t, `{"endpoint":"`+ep.endpoint+`","errcode":45011}`)
		r, _ := f.API(t, ep.path, `{}`)
		t.Run(ep.endpoint, func(t *testing.T) { emutest.WantPlatformErr(t, r, 45011, "api minute-quota reach limit") })
	}
	if got := f.Emu.TokenCounters(); got.Stable == 0 {
		t.Fatal("the fixture's calls fetched no token")
	}
}
