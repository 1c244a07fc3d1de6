package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/domain"
)

// The buyer's side (README: "The buyer's side"): refund applications,
// the profile, subscribe messages.

func (h *harness) apply(token string, orderID string, amount int64, reason string) (int, api.RefundApplication, api.Problem) {
	h.t.Helper()
	var raw json.RawMessage
	res := h.do("POST", "/v1/orders/"+orderID+"/refund-requests", token, api.RefundApplicationCreate{AmountFen: amount, Reason: reason}, &raw)
	var a api.RefundApplication
	var p api.Problem
	if res.StatusCode/100 == 2 {
		_ = json.Unmarshal(raw, &a)
	} else {
		_ = json.Unmarshal(raw, &p)
	}
	return res.StatusCode, a, p
}

func TestARefundApplicationIsDecidedOnceAndRefundedThroughTheRefundPath(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	token, co := h.paidOrder(2)
	id := co.Order.Id.String()
	if st, _, p := h.apply(token, id, co.Order.TotalFen+1, "太多"); st != 409 || p.Code != api.ProblemCodeRefundTooLarge {
		t.Fatalf("too much: %d %+v", st, p)
	}
	st, a, _ := h.apply(token, id, 1280, "少发一件")
	if st != 201 || a.Status != api.ApplicationRequested {
		t.Fatalf("apply: %d %+v", st, a)
	}
	if st, _, p := h.apply(token, id, 100, "again"); st != 409 || p.Code != api.ProblemCodeRequestNotOpen {
		t.Fatalf("a second open application: %d %+v", st, p)
	}
	// Another buyer sees nothing of it.
	other := h.login("other-buyer").Token
	if res := h.do("GET", "/v1/orders/"+id+"/refund-requests", other, nil, nil); res.StatusCode != 404 {
		t.Fatalf("another buyer: %d", res.StatusCode)
	}
	// The operator approves and the buyer withdraws at the same moment:
	// exactly one of them wins, and a refund exists only if the approval did.
	var wg sync.WaitGroup
	codes := make([]int, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		codes[0] = h.do("POST", "/admin/v1/refund-requests/"+a.Id.String()+"/approve", h.operatorKey, nil, nil).StatusCode
	}()
	go func() {
		defer wg.Done()
		codes[1] = h.do("POST", "/v1/refund-requests/"+a.Id.String()+"/withdraw", token, nil, nil).StatusCode
	}()
	wg.Wait()
	if (codes[0] == 200) == (codes[1] == 200) || codes[0]+codes[1] != 200+409 {
		t.Fatalf("approve %d, withdraw %d: want exactly one", codes[0], codes[1])
	}
	var o api.Order
	h.do("GET", "/v1/orders/"+id, token, nil, &o)
	if approved := codes[0] == 200; approved != (len(*o.Refunds) == 1) {
		t.Fatalf("approved %v with %d refunds", approved, len(*o.Refunds))
	}
	if codes[0] != 200 {
		// Withdrawn: apply again, and approve this one.
		_, a, _ = h.apply(token, id, 1280, "少发一件")
		if res := h.do("POST", "/admin/v1/refund-requests/"+a.Id.String()+"/approve", h.operatorKey, nil, nil); res.StatusCode != 200 {
			t.Fatalf("approve: %d", res.StatusCode)
		}
	}
	// Approving twice is one refund.
	var p api.Problem
	res := h.do("POST", "/admin/v1/refund-requests/"+a.Id.String()+"/approve", h.operatorKey, nil, &p)
	wantProblem(t, res, p, 409, api.ProblemCodeRequestNotOpen)
	h.do("GET", "/v1/orders/"+id, token, nil, &o)
	if len(*o.Refunds) != 1 || (*o.Refunds)[0].AmountFen != 1280 {
		t.Fatalf("refunds %+v", o.Refunds)
	}
	// WeChat refunds it: the application follows.
	if err := h.submit.Execute(ctx, co.Order.Id, (*o.Refunds)[0].OutRefundNo); err != nil {
		t.Fatal(err)
	}
	h.awaitRefund(token, co.Order.Id, (*o.Refunds)[0].OutRefundNo, api.SUCCESS)
	var list api.RefundApplicationList
	h.do("GET", "/v1/orders/"+id+"/refund-requests", token, nil, &list)
	last := list.Items[len(list.Items)-1]
	if last.Status != api.ApplicationRefunded || last.OutRefundNo == nil {
		t.Fatalf("after the refund: %+v", last)
	}
	// A rejection carries its note; the queue is empty again.
	_, b, _ := h.apply(token, id, 100, "再退一点")
	var rejected api.RefundApplication
	if res := h.do("POST", "/admin/v1/refund-requests/"+b.Id.String()+"/reject", h.operatorKey, api.RejectRequest{Note: "已按规定退款"}, &rejected); res.StatusCode != 200 ||
		rejected.Status != api.ApplicationRejected || rejected.Note == nil {
		t.Fatalf("reject: %d %+v", res.StatusCode, rejected)
	}
	var queue api.RefundApplicationList
	if res := h.do("GET", "/admin/v1/refund-requests", h.operatorKey, nil, &queue); res.StatusCode != 200 || len(queue.Items) != 0 {
		t.Fatalf("queue: %+v", queue)
	}
	// The operator's view of the order keeps every request and how it ended.
	var detail api.AdminOrderDetail
	h.do("GET", "/admin/v1/orders/"+id, h.operatorKey, nil, &detail)
	if n := len(detail.RefundRequests); n < 2 || detail.RefundRequests[n-1].Status != api.ApplicationRejected ||
		detail.RefundRequests[n-2].Status != api.ApplicationRefunded {
		t.Fatalf("the order's requests: %+v", detail.RefundRequests)
	}
	var audits int
	_ = h.pool.QueryRow(ctx, "SELECT count(*) FROM operator_audit WHERE action LIKE 'refund_request.%'").Scan(&audits)
	if audits < 2 {
		t.Fatalf("%d audited decisions", audits)
	}
}

// upload sends a file the way wx.uploadFile does.
func (h *harness) uploadAvatar(token string, name string, content []byte) (*http.Response, []byte) {
	h.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", name)
	_, _ = part.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest("POST", h.url+"/v1/me/avatar", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	var raw json.RawMessage
	res := h.send(req, &raw)
	return res, raw
}

func pngOf(w, hgt int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, hgt))
	for x := range w {
		img.Set(x, 0, color.NRGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func TestTheBuyersProfile(t *testing.T) {
	h := newHarness(t)
	token := h.login("profile-buyer").Token
	var u api.User
	if res := h.do("PATCH", "/v1/me", token, api.ProfileChange{Nickname: "小明"}, &u); res.StatusCode != 200 || u.Nickname == nil || *u.Nickname != "小明" {
		t.Fatalf("nickname: %d %+v", res.StatusCode, u)
	}
	var p api.Problem
	res := h.do("PATCH", "/v1/me", token, api.ProfileChange{Nickname: strings.Repeat("长", 21)}, &p)
	wantProblem(t, res, p, 400, api.ProblemCodeInvalidRequest)
	// Bad files: nothing stored.
	for name, c := range map[string]struct {
		content []byte
		status  int
	}{
		"not an image": {[]byte("GIF89a this is not a gif at all"), 415},
		"text":         {[]byte("hello"), 415},
		"truncated":    {pngOf(64, 64)[:60], 415},
		"too large":    {append(pngOf(8, 8), make([]byte, 3<<20)...), 413},
	} {
		if res, raw := h.uploadAvatar(token, "a.png", c.content); res.StatusCode != c.status {
			t.Errorf("%s: %d %s", name, res.StatusCode, raw)
		}
	}
	var images int
	_ = h.pool.QueryRow(context.Background(), "SELECT count(*) FROM images").Scan(&images)
	if images != 0 {
		t.Fatalf("%d images stored from bad files", images)
	}
	res, raw := h.uploadAvatar(token, "me.png", pngOf(1024, 600))
	if res.StatusCode != 200 {
		t.Fatalf("upload: %d %s", res.StatusCode, raw)
	}
	_ = json.Unmarshal(raw, &u)
	if u.AvatarUrl == nil || !strings.HasPrefix(*u.AvatarUrl, "/v1/images/") {
		t.Fatalf("avatar %+v", u)
	}
	img, err := http.Get(h.url + *u.AvatarUrl)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Body.Close()
	cfg, format, err := image.DecodeConfig(img.Body)
	if err != nil || format != "png" && format != "jpeg" || cfg.Width != 512 || !strings.Contains(img.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("served: %v %s %+v %q", err, format, cfg, img.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest("GET", h.url+*u.AvatarUrl, nil)
	req.Header.Set("If-None-Match", img.Header.Get("ETag"))
	if again, err := http.DefaultClient.Do(req); err != nil || again.StatusCode != 304 {
		t.Fatalf("revalidation: %v %v", again.StatusCode, err)
	}
	var me api.User
	h.do("GET", "/v1/me", token, nil, &me)
	if me.AvatarUrl == nil || *me.AvatarUrl != *u.AvatarUrl || me.Nickname == nil {
		t.Fatalf("me %+v", me)
	}
}

func TestSubscriptionsAreCountedPerAccept(t *testing.T) {
	h := newHarness(t)
	token := h.login("subscriber").Token
	var list api.SubscriptionList
	record := func(results map[string]api.SubscribeResultsResults) api.SubscriptionList {
		var out api.SubscriptionList
		if res := h.do("POST", "/v1/me/subscriptions", token, api.SubscribeResults{Results: results}, &out); res.StatusCode != 200 {
			t.Fatalf("record: %d", res.StatusCode)
		}
		return out
	}
	record(map[string]api.SubscribeResultsResults{"TMPL_PAID": api.SubscribeAccept, "TMPL_SHIPPED": api.SubscribeReject, "UNKNOWN": api.SubscribeAccept})
	list = record(map[string]api.SubscribeResultsResults{"TMPL_PAID": api.SubscribeAccept})
	got := map[string]int{}
	for _, s := range list.Items {
		got[s.TemplateId] = s.Remaining
	}
	if got["TMPL_PAID"] != 2 || got["TMPL_SHIPPED"] != 0 || len(list.Items) != len(testTemplates) {
		t.Fatalf("counts %+v", list.Items)
	}
}

func TestThePhoneIsVerifiedWithWeChatOnce(t *testing.T) {
	h := newHarness(t)
	token := h.login("phone-buyer").Token
	code, err := h.emu.MintPhoneCode("phone-buyer")
	if err != nil {
		t.Fatal(err)
	}
	var u api.User
	if res := h.do("POST", "/v1/me/phone", token, api.PhoneRequest{Code: code.Code}, &u); res.StatusCode != 200 || u.Phone == nil ||
		!strings.Contains(*u.Phone, "****") || *u.Phone == code.Number.PurePhoneNumber {
		t.Fatalf("phone: %d %+v", res.StatusCode, u)
	}
	if (*u.Phone)[:3] != code.Number.PurePhoneNumber[:3] || (*u.Phone)[len(*u.Phone)-4:] != code.Number.PurePhoneNumber[len(code.Number.PurePhoneNumber)-4:] {
		t.Fatalf("masked %q of %q", *u.Phone, code.Number.PurePhoneNumber)
	}
	// The code is single use.
	var p api.Problem
	res := h.do("POST", "/v1/me/phone", token, api.PhoneRequest{Code: code.Code}, &p)
	wantProblem(t, res, p, 400, api.ProblemCodeInvalidCode)
	// The number is sealed at rest: the row holds no digits of it.
	var sealed []byte
	_ = h.pool.QueryRow(context.Background(), "SELECT phone_sealed FROM users WHERE openid = $1", h.openIDOf(token)).Scan(&sealed)
	if len(sealed) == 0 || bytes.Contains(sealed, []byte(code.Number.PurePhoneNumber)) {
		t.Fatal("the phone number is not sealed at rest")
	}
	// WeChat's example writes countryCode as a number: read it too.
	if err := h.emu.SetPhoneCountryCodeType("number"); err != nil {
		t.Fatal(err)
	}
	again, _ := h.emu.MintPhoneCode("phone-buyer")
	if res := h.do("POST", "/v1/me/phone", token, api.PhoneRequest{Code: again.Code}, &u); res.StatusCode != 200 {
		t.Fatalf("countryCode as a number: %d", res.StatusCode)
	}
}

func (h *harness) openIDOf(token string) string {
	h.t.Helper()
	var me api.User
	h.do("GET", "/v1/me", token, nil, &me)
	return me.Openid
}

func TestAMessageIsSentOncePerGrantedSend(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for _, tm := range []struct{ id, title string }{{"TMPL_PAID", "支付成功通知"}, {"TMPL_SHIPPED", "订单发货提醒"}} {
		fields := map[string]string{"character_string1": "订单编号", "thing2": "商品名称", "amount3": "支付金额", "time4": "支付时间"}
		if tm.id == "TMPL_SHIPPED" {
			fields = map[string]string{"character_string1": "订单编号", "thing2": "商品名称", "phrase3": "订单状态", "time4": "发货时间"}
		}
		if _, err := h.emu.DeclareSubscribeTemplate(emulator.SubscribeTemplate{ID: tm.id, Title: tm.title, Fields: fields}); err != nil {
			t.Fatal(err)
		}
	}
	user := "msg-buyer"
	token, products := h.shop(100)
	token = h.login(user).Token
	// The phone's popup: accepted once, at WeChat and told to the server.
	if _, err := h.emu.Subscribe(user, map[string]string{"TMPL_PAID": "accept"}); err != nil {
		t.Fatal(err)
	}
	h.do("POST", "/v1/me/subscriptions", token, api.SubscribeResults{Results: map[string]api.SubscribeResultsResults{"TMPL_PAID": api.SubscribeAccept}}, nil)
	pay := func() api.Checkout {
		_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 1})
		h.payOnPhone(co.Payment)
		h.awaitStatus(token, co.Order.Id, api.Paid)
		return co
	}
	co := pay()
	if h.jobsOfKind("message_send") != 1 {
		t.Fatalf("%d message jobs", h.jobsOfKind("message_send"))
	}
	for range 2 { // the job, and a retry of it: one message
		if err := h.message.Execute(ctx, co.Order.Id, "paid"); err != nil {
			t.Fatal(err)
		}
	}
	msgs := h.emu.SubscribeMessages(user)
	if len(msgs) != 1 || msgs[0].TemplateID != "TMPL_PAID" || !strings.Contains(msgs[0].Page, co.Order.Id.String()) {
		t.Fatalf("messages %+v", msgs)
	}
	for _, f := range msgs[0].Fields {
		if f.Value == "" {
			t.Fatalf("empty field %+v", f)
		}
	}
	// A second payment: no send left, nothing sent.
	co2 := pay()
	if err := h.message.Execute(ctx, co2.Order.Id, "paid"); err != nil {
		t.Fatal(err)
	}
	if n := len(h.emu.SubscribeMessages(user)); n != 1 {
		t.Fatalf("%d messages without a grant", n)
	}
	// The server counted a send WeChat does not have (43101): the count is cleared.
	h.do("POST", "/v1/me/subscriptions", token, api.SubscribeResults{Results: map[string]api.SubscribeResultsResults{"TMPL_PAID": api.SubscribeAccept}}, nil)
	if err := h.message.Execute(ctx, co2.Order.Id, "paid"); err != nil {
		t.Fatal(err)
	}
	var list api.SubscriptionList
	h.do("GET", "/v1/me/subscriptions", token, nil, &list)
	for _, s := range list.Items {
		if s.Remaining != 0 {
			t.Fatalf("after 43101: %+v", list.Items)
		}
	}
}

func TestTheNicknameCanBePutAsTheMiniProgramSendsIt(t *testing.T) {
	h := newHarness(t)
	token := h.login("put-buyer").Token
	var u api.User
	if res := h.do("PUT", "/v1/me", token, api.ProfileChange{Nickname: "阿花"}, &u); res.StatusCode != 200 || u.Nickname == nil || *u.Nickname != "阿花" {
		t.Fatalf("PUT: %d %+v", res.StatusCode, u)
	}
}

// The buyer who accepted the refund_request template at 申请退款 is told
// of the operator's decision: approved, then (for a later request)
// rejected with the operator's note; each send spends one acceptance.
func TestTheBuyerIsToldOfTheDecisionOnTheirRefundRequest(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.emu.DeclareSubscribeTemplate(emulator.SubscribeTemplate{ID: "TMPL_REQUEST", Title: "售后申请提醒",
		Fields: map[string]string{"character_string1": "订单编号", "amount2": "退款金额", "phrase3": "处理结果", "thing4": "说明", "time5": "处理时间"}}); err != nil {
		t.Fatal(err)
	}
	user := "request-buyer"
	_, products := h.shop(100)
	token := h.login(user).Token
	_, co, _ := h.placeOrder(token, "", api.OrderItemRequest{ProductId: products[0].Id, Quantity: 3})
	h.payOnPhone(co.Payment)
	h.awaitStatus(token, co.Order.Id, api.Paid)
	accept := func() { // the popup at the 申请退款 tap, at WeChat and told to the server
		t.Helper()
		if _, err := h.emu.Subscribe(user, map[string]string{"TMPL_REQUEST": "accept"}); err != nil {
			t.Fatal(err)
		}
		h.do("POST", "/v1/me/subscriptions", token, api.SubscribeResults{Results: map[string]api.SubscribeResultsResults{"TMPL_REQUEST": api.SubscribeAccept}}, nil)
	}
	field := func(m emulator.SubscribeMessage, key string) string {
		for _, f := range m.Fields {
			if f.Key == key {
				return f.Value
			}
		}
		t.Fatalf("no %s in %+v", key, m.Fields)
		return ""
	}
	before := h.jobsOfKind("message_send")
	accept()
	_, a, _ := h.apply(token, co.Order.Id.String(), 1280, "少发一件")
	if h.jobsOfKind("message_send") != before {
		t.Fatal("asking sends nothing: the buyer's one send is kept for the decision")
	}
	if res := h.do("POST", "/admin/v1/refund-requests/"+a.Id.String()+"/approve", h.operatorKey, nil, nil); res.StatusCode != 200 {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	if h.jobsOfKind("message_send") != before+1 {
		t.Fatal("the approval's message job is inserted with it")
	}
	if err := h.message.Execute(ctx, co.Order.Id, domain.MessageRefundRequest); err != nil {
		t.Fatal(err)
	}
	msgs := h.emu.SubscribeMessages(user)
	if len(msgs) != 1 || msgs[0].TemplateID != "TMPL_REQUEST" || field(msgs[0], "phrase3") != "已同意退款" || field(msgs[0], "amount2") != "¥12.80" ||
		field(msgs[0], "thing4") != "少发一件" || field(msgs[0], "character_string1") != co.Order.OutTradeNo {
		t.Fatalf("approval message %+v", msgs)
	}
	// A second request, rejected: told with the note, on a new acceptance.
	var o api.Order
	h.do("GET", "/v1/orders/"+co.Order.Id.String(), token, nil, &o)
	if err := h.submit.Execute(ctx, co.Order.Id, (*o.Refunds)[0].OutRefundNo); err != nil {
		t.Fatal(err)
	}
	h.awaitRefund(token, co.Order.Id, (*o.Refunds)[0].OutRefundNo, api.SUCCESS)
	accept()
	_, b, _ := h.apply(token, co.Order.Id.String(), 100, "包装破损")
	if res := h.do("POST", "/admin/v1/refund-requests/"+b.Id.String()+"/reject", h.operatorKey, api.RejectRequest{Note: "请先寄回商品照片，我们再为您处理退款事宜，谢谢理解"}, nil); res.StatusCode != 200 {
		t.Fatalf("reject: %d", res.StatusCode)
	}
	if err := h.message.Execute(ctx, co.Order.Id, domain.MessageRefundRequest); err != nil {
		t.Fatal(err)
	}
	msgs = h.emu.SubscribeMessages(user)
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	last := msgs[0] // the phone shows the newest first
	if field(last, "phrase3") != "已拒绝" || field(last, "amount2") != "¥1.00" || !strings.HasPrefix(field(last, "thing4"), "请先寄回商品照片") ||
		len([]rune(field(last, "thing4"))) != 20 {
		t.Fatalf("rejection message (the note cut to a thing's 20 characters): %+v", last.Fields)
	}
}
