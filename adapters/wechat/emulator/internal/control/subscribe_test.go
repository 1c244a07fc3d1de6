package control_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

type subscribeTemplate struct {
	ID       string              `json:"id"`
	Title    string              `json:"title"`
	LongTerm bool                `json:"long_term"`
	Fields   map[string]string   `json:"fields"`
	Enums    map[string][]string `json:"enums"`
	Keywords []struct {
		Key    string   `json:"key"`
		Type   string   `json:"type"`
		Name   string   `json:"name"`
		Values []string `json:"values"`
	} `json:"keywords"`
}

type subscription struct {
	User       string `json:"user"`
	TemplateID string `json:"template_id"`
	Title      string `json:"title"`
	Remaining  int    `json:"remaining"`
	Accepted   int    `json:"accepted"`
	Rejected   int    `json:"rejected"`
	Sent       int    `json:"sent"`
	CanSend    bool   `json:"can_send"`
	LastResult string `json:"last_result"`
}

type subscribeMessage struct {
	User       string `json:"user"`
	TemplateID string `json:"template_id"`
	Title      string `json:"title"`
	Fields     []struct {
		Key   string `json:"key"`
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
	Page   string `json:"page"`
	SentAt string `json:"sent_at"`
}

// The console's subscribe section: declare a template, answer
// wx.requestSubscribeMessage for a user, see the sends left per template,
// and the messages the user's phone shows.
func TestControlSubscriptionsAndMessages(t *testing.T) {
	f := emutest.Start(t, emulator.Config{})
	c := controlContract(t, f.Srv.URL)
	tmpl := emutest.Decode[subscribeTemplate](t, c.call(http.MethodPost, "/emulator/subscribe-templates",
		`{"id":"tmpl-paid","title":"支付成功通知","fields":{"amount2":"支付金额","thing1":"商品名称","enum10":"状态","date3":"支付时间"},"enums":{"enum10":["已支付","已退款"]}}`,
		http.StatusCreated))
	if tmpl.ID != "tmpl-paid" || len(tmpl.Keywords) != 4 || tmpl.Keywords[0].Key != "thing1" || tmpl.Keywords[1].Type != "amount" ||
		tmpl.Keywords[3].Key != "enum10" || len(tmpl.Keywords[3].Values) != 2 {
		t.Fatalf("template %+v", tmpl)
	}
	c.call(http.MethodPost, "/emulator/subscribe-templates", `{"title":"另一个","fields":{"thing1":"内容"}}`, http.StatusCreated)
	if ts := emutest.Decode[listOf[subscribeTemplate]](t, c.call(http.MethodGet, "/emulator/subscribe-templates", "", http.StatusOK)).Items; len(ts) != 2 {
		t.Fatalf("templates %+v", ts)
	}

	got := emutest.Decode[struct {
		User   string            `json:"user"`
		OpenID string            `json:"openid"`
		Result map[string]string `json:"result"`
		Items  []subscription    `json:"items"`
	}](t, c.call(http.MethodPost, "/emulator/subscriptions", `{"user":"alice","results":{"tmpl-paid":"accept"}}`, http.StatusOK))
	if got.User != "alice" || got.OpenID == "" || got.Result["errMsg"] != "requestSubscribeMessage:ok" || got.Result["tmpl-paid"] != "accept" ||
		len(got.Items) != 1 || got.Items[0].Remaining != 1 || !got.Items[0].CanSend {
		t.Fatalf("subscribe %+v", got)
	}
	c.call(http.MethodPost, "/emulator/subscriptions", `{"user":"alice","results":{"tmpl-paid":"acceptWithAudio"}}`, http.StatusOK)
	c.call(http.MethodPost, "/emulator/subscriptions", `{"user":"alice","results":{"tmpl-paid":"reject"}}`, http.StatusOK)

	f.Clock.Advance(time.Minute)
	f.MustPlatform(t, "/cgi-bin/message/subscribe/send", fmt.Sprintf(
		`{"touser":%q,"template_id":"tmpl-paid","page":"pages/order/detail?id=7","data":{"thing1":{"value":"抱枕"},"amount2":{"value":"¥99.00"},"date3":{"value":"2025-03-01 10:01"},"enum10":{"value":"已支付"}}}`,
		got.OpenID))

	subs := emutest.Decode[listOf[subscription]](t, c.call(http.MethodGet, "/emulator/subscriptions?user=alice", "", http.StatusOK)).Items
	// The other template's id is made at random: find each by its id, not
	// by where its id sorts.
	if len(subs) == 2 && subs[0].TemplateID == "tmpl-paid" {
		subs[0], subs[1] = subs[1], subs[0]
	}
	if len(subs) != 2 || subs[1].TemplateID != "tmpl-paid" || subs[1].Remaining != 1 || subs[1].Accepted != 2 || subs[1].Rejected != 1 ||
		subs[1].Sent != 1 || subs[1].LastResult != "reject" || !subs[1].CanSend || subs[1].Title != "支付成功通知" {
		t.Fatalf("alice's subscriptions %+v", subs)
	}
	if subs[0].Accepted != 0 || subs[0].CanSend || subs[0].LastResult != "" {
		t.Fatalf("the template alice never saw: %+v", subs[0])
	}
	if all := emutest.Decode[listOf[subscription]](t, c.call(http.MethodGet, "/emulator/subscriptions", "", http.StatusOK)).Items; len(all) != 1 {
		t.Fatalf("every recorded subscription: %+v", all)
	}
	if none := emutest.Decode[listOf[subscription]](t, c.call(http.MethodGet, "/emulator/subscriptions?user=nobody", "", http.StatusOK)).Items; len(none) != 0 {
		t.Fatalf("nobody's: %+v", none)
	}

	msgs := emutest.Decode[listOf[subscribeMessage]](t, c.call(http.MethodGet, "/emulator/messages?user=alice", "", http.StatusOK)).Items
	if len(msgs) != 1 || msgs[0].Title != "支付成功通知" || msgs[0].Page != "pages/order/detail?id=7" || msgs[0].SentAt != f.Clock.Now().Format(time.RFC3339) ||
		len(msgs[0].Fields) != 4 || msgs[0].Fields[1].Name != "支付金额" || msgs[0].Fields[1].Value != "¥99.00" || msgs[0].Fields[3].Key != "enum10" {
		t.Fatalf("messages %+v", msgs)
	}
	if bob := emutest.Decode[listOf[subscribeMessage]](t, c.call(http.MethodGet, "/emulator/messages?user=bob", "", http.StatusOK)).Items; len(bob) != 0 {
		t.Fatalf("bob's phone: %+v", bob)
	}
	if all := emutest.Decode[listOf[subscribeMessage]](t, c.call(http.MethodGet, "/emulator/messages", "", http.StatusOK)).Items; len(all) != 1 {
		t.Fatalf("every message: %+v", all)
	}
}

// wx.requestSubscribeMessage's failures come back with its errCode, and
// what is not a request at all with a plain 400.
func TestControlSubscriptionRefusals(t *testing.T) {
	f := emutest.Start(t, emulator.Config{Subscribe: emulator.SubscribeConfig{Templates: []emulator.SubscribeTemplate{
		{ID: "one", Title: "一次性", Fields: map[string]string{"thing1": "x"}},
		{ID: "long", Title: "长期", Fields: map[string]string{"thing1": "x"}, LongTerm: true},
	}}})
	c := controlContract(t, f.Srv.URL)
	for want, body := range map[int]string{
		10001: `{"user":"alice","results":{}}`,
		20001: `{"user":"alice","results":{"nope":"accept"}}`,
		20002: `{"user":"alice","results":{"one":"accept","long":"accept"}}`,
		20003: `{"user":"alice","results":{"a":"accept","b":"accept","c":"accept","d":"accept","e":"accept","f":"accept"}}`,
	} {
		e := emutest.Decode[struct {
			ErrCode int    `json:"errCode"`
			ErrMsg  string `json:"errMsg"`
		}](t, c.call(http.MethodPost, "/emulator/subscriptions", body, http.StatusBadRequest))
		if e.ErrCode != want || e.ErrMsg == "" {
			t.Errorf("%s: %+v, want errCode %d", body, e, want)
		}
	}
	for _, body := range []string{`{"user":"alice","results":{"one":"maybe"}}`, `{"results":{"one":"accept"}}`, `{"user":"alice","results":["one"]}`} {
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/subscriptions", body)
		emutest.ControlError(t, resp, b, http.StatusBadRequest)
	}
	for _, body := range []string{`{"title":"x","fields":{"stuff1":"x"}}`, `{"title":"x","fields":{"enum1":"x"}}`, `{"fields":{"thing1":"x"}}`, `{"title":"x","fields":{"thing1":"x"},"extra":1}`} {
		resp, b := emutest.Do(t, http.MethodPost, f.Srv.URL+"/emulator/subscribe-templates", body)
		emutest.ControlError(t, resp, b, http.StatusBadRequest)
	}
	for _, s := range f.Emu.Subscriptions("alice") {
		if s.Accepted != 0 {
			t.Fatalf("a refused call recorded %+v", s)
		}
	}
}
