package emulator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

// An emulator with a StateFile, stopped and started again, knows its users,
// transactions (with every prepay_id) and refunds as before; a refund left
// PROCESSING ends on its own again.
func TestStateSurvivesARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emulator", "state.json")
	f := emutest.StartPayKept(t, file, emutest.Manual)
	code, err := f.Emu.MintCode("alice")
	if err != nil {
		t.Fatal(err)
	}
	txn := f.Paid(t, "order-kept-0001", "http://127.0.0.1:9/notify")
	f.MustRefund(t, emutest.RefundBody("order-kept-0001", "RF-kept-1", 1, txn.Total, ""))
	f.MustRefund(t, emutest.RefundBody("order-kept-0001", "RF-kept-2", 2, txn.Total, ""))
	f.Complete(t, "RF-kept-1")
	alice, _ := f.Emu.User("alice")
	f.Emu.Close()

	g := emutest.StartPayKept(t, file, nil) // refunds now end on their own
	if got, ok := g.Emu.Transaction("order-kept-0001"); !ok || kept(got) != kept(txn) {
		t.Fatalf("transaction after the restart: %+v, want %+v", got, txn)
	}
	if r, ok := g.Emu.Refund("RF-kept-1"); !ok || r.Status != "SUCCESS" {
		t.Fatalf("the ended refund: %+v", r)
	}
	emutest.WaitFor(t, "the PROCESSING refund to end on its own", func() bool {
		r, _ := g.Emu.Refund("RF-kept-2")
		return r.Status == "SUCCESS"
	})
	if u, ok := g.Emu.User("alice"); !ok || u.OpenID != alice.OpenID || u.SessionKey != alice.SessionKey {
		t.Fatalf("alice after the restart: %+v, want %+v", u, alice)
	}
	// Her code minted before the restart still logs her in.
	_, body := emutest.Do(t, "GET", g.Srv.URL+"/sns/jscode2session?grant_type=authorization_code&appid="+emutest.TestAppID+
		"&secret="+emutest.TestSecret+"&js_code="+code.Code, "")
	if !strings.Contains(string(body), alice.OpenID) {
		t.Fatalf("a code minted before the restart: %s", body)
	}
	// The number is the idempotency key still: the same refund comes back.
	if r := g.MustRefund(t, emutest.RefundBody("order-kept-0001", "RF-kept-1", 1, txn.Total, "")); r.Status == nil || *r.Status != "SUCCESS" {
		t.Fatalf("the same out_refund_no after the restart: %+v", r)
	}
}

// A refund made on the merchant platform is kept as one: after a restart
// it is still found by its number, still marked, still without a
// notification, and a PROCESSING one still ends on its own.
func TestPlatformRefundsSurviveARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	f := emutest.StartPayKept(t, file, emutest.Manual)
	f.Paid(t, "order-kept-0002", "http://127.0.0.1:9/notify")
	done, err := f.Emu.RefundOnPlatform("order-kept-0002", 10, "")
	if err != nil {
		t.Fatal(err)
	}
	processing, err := f.Emu.RefundOnPlatform("order-kept-0002", 90, emulator.RefundProcessing)
	if err != nil {
		t.Fatal(err)
	}
	f.Emu.Close()

	g := emutest.StartPayKept(t, file, nil)
	if r, ok := g.Emu.Refund(done.OutRefundNo); !ok || !r.Platform || r.Status != emulator.RefundSuccess || r.RefundID != done.RefundID ||
		r.NotifyURL != "" || !r.SuccessTime.Equal(done.SuccessTime) {
		t.Fatalf("the platform refund after the restart: %+v, want %+v", r, done)
	}
	if q, err := g.QueryRefund(t, done.OutRefundNo); err != nil || *q.RefundId != done.RefundID {
		t.Fatalf("query after the restart: %s %v", q, err)
	}
	emutest.WaitFor(t, "the PROCESSING platform refund to end on its own", func() bool {
		r, _ := g.Emu.Refund(processing.OutRefundNo)
		return r.Status == emulator.RefundSuccess && r.Platform
	})
	if v, _ := g.Emu.Transaction("order-kept-0002"); v.TradeState != "REFUND" {
		t.Fatalf("transaction %s, want REFUND", v.TradeState)
	}
	if ds := g.Emu.RefundDeliveries(processing.OutRefundNo); len(ds) != 0 {
		t.Fatalf("the platform refund notified after the restart: %+v", ds)
	}
}

func TestAStateFileThatIsNotOneIsRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	for _, content := range []string{"{", `{"version":99}`} {
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret, StateFile: file})
		if err == nil || !strings.Contains(err.Error(), "delete it to start afresh") {
			t.Errorf("%s: %v", content, err)
		}
	}
}

// kept drops what a file does not keep of a time: its monotonic
// reading and which *Location says UTC.
func kept(v emulator.TransactionView) emulator.TransactionView {
	v.PrepayIssuedAt, v.SuccessTime = v.PrepayIssuedAt.UTC().Round(0), v.SuccessTime.UTC().Round(0)
	return v
}

// The access tokens survive a restart: the token a service kept still
// works and is still the one stable_token returns, the day's force quota
// stays spent; the call counters start again.
func TestTokensSurviveARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	f := emutest.Start(t, emulator.Config{StateFile: file})
	t.Cleanup(f.Emu.Close)
	f.Token(t, true)
	f.Clock.Advance(time.Minute)
	stable := f.Token(t, true).AccessToken
	_, b := emutest.Do(t, "GET", f.Srv.URL+"/cgi-bin/token?grant_type=client_credential&appid="+emutest.TestAppID+"&secret="+emutest.TestSecret, "")
	classic := emutest.Decode[emutest.Reply](t, b).AccessToken
	f.Emu.Close()

	g := emutest.Start(t, emulator.Config{StateFile: file}) // its clock starts where f's started
	t.Cleanup(g.Emu.Close)
	g.Clock.Advance(2 * time.Minute)
	s := g.Emu.TokenStatus()
	if s.Stable == nil || s.Stable.AccessToken != stable || s.Classic == nil || s.Classic.AccessToken != classic || s.ForceRefreshesToday != 2 {
		t.Fatalf("status after the restart: %+v", s)
	}
	if s.Counters != (emulator.TokenCounters{}) {
		t.Fatalf("counters %+v kept across a restart", s.Counters)
	}
	if r := g.Token(t, false); r.AccessToken != stable || r.ExpiresIn != 7200-60 {
		t.Fatalf("stable_token after the restart: %+v, want the kept token", r)
	}
}

// A state file written before the access_token had a part of its own kept
// the stable token beside the users: it is still the stable token.
func TestALegacyStateFileKeepsItsToken(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	legacy := `{"version":1,"login":{"users":[],"access_token":"legacy-token","access_token_expires_at":"2025-03-01T11:00:00Z"}}`
	if err := os.WriteFile(file, []byte(legacy), 0o600); err != nil {
		t.Fatal(err)
	}
	f := emutest.Start(t, emulator.Config{StateFile: file}) // 10:00 UTC
	t.Cleanup(f.Emu.Close)
	if r := f.Token(t, false); r.AccessToken != "legacy-token" || r.ExpiresIn != 3600 {
		t.Fatalf("stable_token: %+v, want the legacy token with an hour left", r)
	}
}

// Shipping orders (uploads, the receipt, the settlement), the jump path
// and every push attempt survive a restart.
func TestShippingAndPushesSurviveARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	rc := emutest.NewPushReceiver(t, nil)
	cfg := func(c *emulator.Config) {
		c.Push = &emulator.PushConfig{URL: rc.URL, Token: emutest.TestPushToken, EncodingAESKey: emutest.TestPushAESKey}
	}
	f := &emutest.ShipFixture{PayFixture: emutest.StartPayConfig(t, file, cfg), Push: rc}
	txn := f.PaidSynced(t, "order-kept-ship-1")
	f.MustAPI(t, "/wxa/sec/order/upload_shipping_info", emutest.ShipBody(txn, "YT0601", f.Clock.Now()))
	f.MustAPI(t, "/wxa/sec/order/set_msg_jump_path", `{"path":"pages/kept"}`)
	rc.Wait(t, 1)
	if _, err := f.Emu.ConfirmReceipt(txn.TransactionID); err != nil {
		t.Fatal(err)
	}
	rc.Wait(t, 2)
	emutest.WaitFor(t, "both attempts recorded", func() bool { return len(f.Emu.Pushes()) == 2 })
	before, _ := f.Emu.ShippingOrder(txn.TransactionID)
	f.Emu.Close()

	g := &emutest.ShipFixture{PayFixture: emutest.StartPayConfig(t, file, cfg), Push: rc}
	g.Clock.Advance(emulator.DefaultShippingSyncDelay) // its clock starts at the real time again
	after, ok := g.Emu.ShippingOrder(txn.TransactionID)
	if !ok || after.State != emulator.ShippingConfirmed || len(after.Uploads) != 1 || after.Parcels[0].TrackingNo != "YT0601" ||
		!after.ConfirmedAt.Equal(before.ConfirmedAt) || !after.ShippedAt.Equal(before.ShippedAt) {
		t.Fatalf("the order after the restart: %+v, want %+v", after, before)
	}
	if as := g.Emu.Pushes(); len(as) != 2 || as[0].Message == "" {
		t.Fatalf("pushes after the restart: %+v", as)
	}
	if o, err := g.Emu.SettleOrder(txn.TransactionID); err != nil || o.State != emulator.ShippingCompleted || o.ConfirmReceiveMethod != emulator.ConfirmReceiveManual {
		t.Fatalf("settle after the restart: %+v %v", o, err)
	}
	b := g.MustAPI(t, "/wxa/sec/order/get_order", `{"transaction_id":"`+txn.TransactionID+`"}`)
	if !strings.Contains(string(b), `"order_state":4`) {
		t.Fatalf("get_order after the restart: %s", b)
	}
	_, list := emutest.Do(t, "GET", g.Srv.URL+"/emulator/shipping", "")
	if !strings.Contains(string(list), `"msg_jump_path":"pages/kept"`) {
		t.Fatalf("the jump path after the restart: %s", list)
	}
}

// Phone codes (used or not), the numbers set, the templates declared at
// run time, every subscription and the messages delivered survive a
// restart; Config's templates stay Config's, and the countryCode type is
// Config's again.
func TestPhoneAndSubscriptionsSurviveARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	shipped := emulator.SubscribeTemplate{ID: "tmpl-shipped", Title: "发货通知", Fields: map[string]string{"thing1": "商品"}}
	cfg := emulator.Config{StateFile: file, Subscribe: emulator.SubscribeConfig{Templates: []emulator.SubscribeTemplate{shipped}}}
	f := emutest.Start(t, cfg)
	t.Cleanup(f.Emu.Close)
	used, _ := f.Emu.MintPhoneCode("alice")
	f.MustPlatform(t, "/wxa/business/getuserphonenumber", `{"code":"`+used.Code+`"}`)
	if _, err := f.Emu.SetPhoneNumber("bob", emulator.PhoneNumber{PurePhoneNumber: "13912345678"}); err != nil {
		t.Fatal(err)
	}
	live, _ := f.Emu.MintPhoneCode("bob")
	if err := f.Emu.SetPhoneCountryCodeType(emulator.PhoneCountryCodeNumber); err != nil {
		t.Fatal(err)
	}
	declared, err := f.Emu.DeclareSubscribeTemplate(emulator.SubscribeTemplate{ID: "tmpl-paid", Title: "支付成功", Fields: map[string]string{"amount1": "金额", "enum2": "状态"},
		Enums: map[string][]string{"enum2": {"已支付"}}})
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := f.Emu.User("alice")
	for range 3 {
		if _, err := f.Emu.Subscribe("alice", map[string]string{shipped.ID: emulator.SubscribeAccept}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Emu.Subscribe("alice", map[string]string{declared.ID: emulator.SubscribeAccept}); err != nil {
		t.Fatal(err)
	}
	f.MustPlatform(t, "/cgi-bin/message/subscribe/send", `{"touser":"`+alice.OpenID+`","template_id":"tmpl-shipped","data":{"thing1":{"value":"抱枕"}}}`)
	before := f.Emu.SubscribeMessages("alice")
	f.Emu.Close()

	g := emutest.Start(t, cfg) // its clock starts where f's started
	t.Cleanup(g.Emu.Close)
	codes := g.Emu.PhoneCodes()
	if len(codes) != 2 || g.Emu.PhoneCodesCharged() != 2 || g.Emu.PhoneCountryCodeType() != emulator.PhoneCountryCodeString {
		t.Fatalf("phone side after the restart: %+v, charged %d, %s", codes, g.Emu.PhoneCodesCharged(), g.Emu.PhoneCountryCodeType())
	}
	if n, ok := g.Emu.PhoneNumberOf("bob"); !ok || n.PurePhoneNumber != "13912345678" || !n.Set {
		t.Fatalf("bob's number after the restart: %+v", n)
	}
	r, _ := g.Platform(t, "/wxa/business/getuserphonenumber", `{"code":"`+used.Code+`"}`)
	emutest.WantPlatformErr(t, r, 40029, "invalid code")
	if b := g.MustPlatform(t, "/wxa/business/getuserphonenumber", `{"code":"`+live.Code+`"}`); !strings.Contains(string(b), `"purePhoneNumber":"13912345678"`) {
		t.Fatalf("bob's code tapped before the restart: %s", b)
	}
	if ts := g.Emu.SubscribeTemplates(); len(ts) != 2 || ts[0].ID != "tmpl-paid" || ts[0].Enums["enum2"][0] != "已支付" {
		t.Fatalf("templates after the restart: %+v", ts)
	}
	subs := g.Emu.Subscriptions("alice")
	if len(subs) != 2 || subs[0].Remaining != 1 || subs[1].Remaining != 2 || subs[1].Accepted != 3 || subs[1].Sent != 1 {
		t.Fatalf("alice's subscriptions after the restart: %+v", subs)
	}
	after := g.Emu.SubscribeMessages("alice")
	if len(after) != 1 || after[0].ID != before[0].ID || !after[0].SentAt.Equal(before[0].SentAt) || after[0].Fields[0] != before[0].Fields[0] {
		t.Fatalf("messages after the restart: %+v, want %+v", after, before)
	}
	// The acceptances left are spent where they were.
	for range 2 {
		g.MustPlatform(t, "/cgi-bin/message/subscribe/send", `{"touser":"`+alice.OpenID+`","template_id":"tmpl-shipped","data":{"thing1":{"value":"抱枕"}}}`)
	}
	r, _ = g.Platform(t, "/cgi-bin/message/subscribe/send", `{"touser":"`+alice.OpenID+`","template_id":"tmpl-shipped","data":{"thing1":{"value":"抱枕"}}}`)
	emutest.WantPlatformErr(t, r, 43101, "user refuse to accept the msg")
}
