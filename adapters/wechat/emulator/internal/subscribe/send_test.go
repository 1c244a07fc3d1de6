package subscribe_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/emutest"
)

const send = "/cgi-bin/message/subscribe/send"

// shipped is a one-time template like WeChat's 订单发货提醒.
var shipped = emulator.SubscribeTemplate{
	ID:    "tmpl-shipped-0001",
	Title: "订单发货提醒",
	Fields: map[string]string{
		"thing1": "商品名称", "character_string2": "订单号", "amount3": "支付金额", "time4": "发货时间", "phrase5": "订单状态",
	},
}

func start(t *testing.T, edit func(*emulator.Config)) *emutest.Fixture {
	t.Helper()
	cfg := emulator.Config{Subscribe: emulator.SubscribeConfig{Templates: []emulator.SubscribeTemplate{shipped}}}
	if edit != nil {
		edit(&cfg)
	}
	return emutest.Start(t, cfg)
}

// openID makes the named test user and returns its openid.
func openID(t *testing.T, f *emutest.Fixture, user string) string {
	t.Helper()
	return f.Mint(t, user).OpenID
}

func subscribe(t *testing.T, f *emutest.Fixture, user string, results map[string]string) []emulator.Subscription {
	t.Helper()
	subs, err := f.Emu.Subscribe(user, results)
	if err != nil {
		t.Fatalf("Subscribe(%s, %v): %v", user, results, err)
	}
	return subs
}

// body is a send of the shipped template to touser, with data's values
// over valid ones ("" leaves the key out).
func body(touser string, data map[string]string) string {
	values := map[string]string{
		"thing1": "微信红包抱枕", "character_string2": "WX20250301-0042", "amount3": "¥99.00", "time4": "2025年3月1日 10:00", "phrase5": "已发货",
	}
	for k, v := range data {
		values[k] = v
	}
	var fields []string
	for k, v := range values {
		if v != "" {
			fields = append(fields, fmt.Sprintf("%q:{\"value\":%q}", k, v))
		}
	}
	return fmt.Sprintf(`{"touser":%q,"template_id":%q,"page":"pages/order/detail?id=42","data":{%s},"miniprogram_state":"formal","lang":"zh_CN"}`,
		touser, shipped.ID, strings.Join(fields, ","))
}

func remaining(t *testing.T, f *emutest.Fixture, user, tmpl string) emulator.Subscription {
	t.Helper()
	for _, s := range f.Emu.Subscriptions(user) {
		if s.TemplateID == tmpl {
			return s
		}
	}
	t.Fatalf("no subscription of %s to %s", user, tmpl)
	return emulator.Subscription{}
}

// Each accept allows one send; accepts accumulate; once they are spent,
// 43101. A reject grants nothing and takes nothing away.
func TestAcceptsAccumulateAndEachSendSpendsOne(t *testing.T) {
	f := start(t, nil)
	alice := openID(t, f, "alice")
	r, _ := f.Platform(t, send, body(alice, nil))
	emutest.WantPlatformErr(t, r, 43101, "user refuse to accept the msg")

	subscribe(t, f, "alice", map[string]string{shipped.ID: emulator.SubscribeAccept})
	subscribe(t, f, "alice", map[string]string{shipped.ID: emulator.SubscribeReject})
	subs := subscribe(t, f, "alice", map[string]string{shipped.ID: emulator.SubscribeAccept})
	if len(subs) != 1 || subs[0].Remaining != 2 || subs[0].Accepted != 2 || subs[0].Rejected != 1 || subs[0].LastResult != "accept" || !subs[0].CanSend() {
		t.Fatalf("after accept, reject, accept: %+v", subs)
	}
	f.MustPlatform(t, send, body(alice, nil))
	f.Clock.Advance(time.Minute)
	f.MustPlatform(t, send, body(alice, map[string]string{"thing1": "第二件"}))
	r, _ = f.Platform(t, send, body(alice, nil))
	emutest.WantPlatformErr(t, r, 43101, "user refuse to accept the msg")
	if s := remaining(t, f, "alice", shipped.ID); s.Remaining != 0 || s.Sent != 2 || s.CanSend() {
		t.Fatalf("after two sends: %+v", s)
	}
	// Another user's acceptances are theirs.
	bob := openID(t, f, "bob")
	r, _ = f.Platform(t, send, body(bob, nil))
	emutest.WantPlatformErr(t, r, 43101, "user refuse to accept the msg")
	for _, result := range []string{emulator.SubscribeBan, emulator.SubscribeFilter, emulator.SubscribeReject} {
		subscribe(t, f, "bob", map[string]string{shipped.ID: result})
		if r, _ := f.Platform(t, send, body(bob, nil)); r.Code() != 43101 {
			t.Fatalf("after %s: %+v, want 43101", result, r)
		}
	}

	// What alice's phone shows: the latest first, the fields in the
	// template's order with their names.
	msgs := f.Emu.SubscribeMessages("alice")
	if len(msgs) != 2 || msgs[0].Fields[0].Value != "第二件" || !msgs[0].SentAt.Equal(f.Clock.Now()) || msgs[1].Fields[0].Value != "微信红包抱枕" {
		t.Fatalf("messages %+v", msgs)
	}
	m := msgs[1]
	want := []emulator.SubscribeField{{Key: "thing1", Name: "商品名称", Value: "微信红包抱枕"}, {Key: "character_string2", Name: "订单号", Value: "WX20250301-0042"},
		{Key: "amount3", Name: "支付金额", Value: "¥99.00"}, {Key: "time4", Name: "发货时间", Value: "2025年3月1日 10:00"}, {Key: "phrase5", Name: "订单状态", Value: "已发货"}}
	if m.Title != "订单发货提醒" || m.TemplateID != shipped.ID || m.OpenID != alice || m.User != "alice" || m.Page != "pages/order/detail?id=42" ||
		m.MiniprogramState != "formal" || m.Lang != "zh_CN" || fmt.Sprint(m.Fields) != fmt.Sprint(want) {
		t.Fatalf("message %+v", m)
	}
	if len(f.Emu.SubscribeMessages("bob")) != 0 || len(f.Emu.SubscribeMessages("")) != 2 {
		t.Fatal("messages went to the wrong phone")
	}
}

// Every field type, valid and not, through the API: 47003 names the key,
// and a refused send spends no acceptance.
func TestEachFieldTypeThroughTheAPI(t *testing.T) {
	f := start(t, nil)
	alice := openID(t, f, "alice")
	cases := []struct{ typ, valid, invalid string }{
		{"thing", "微信红包抱枕", strings.Repeat("好", 21)},
		{"number", "3.14", "-1"},
		{"letter", "abc", "ab1"},
		{"symbol", "#$%", "!!!!!!"},
		{"character_string", "SF1234567890", "订单123"},
		{"time", "2019年10月1日 15:01", "15:01～16:00"},
		{"date", "2018-01-01~2018-01-31", "2018-02-30"},
		{"amount", "¥100.00元", "¥¥100"},
		{"phone_number", "+86-0766-66888866", "138 0013 8000"},
		{"car_number", "粤A8Z888挂", "粤A中2345"},
		{"name", "张三", "张三1"},
		{"phrase", "配送中", "配送中!"},
		{"enum", "已签收", "已退货"},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			key := c.typ + "2"
			tmpl := emulator.SubscribeTemplate{ID: "tmpl-" + c.typ, Title: c.typ, Fields: map[string]string{"thing1": "商品", key: c.typ}}
			if c.typ == "enum" {
				tmpl.Enums = map[string][]string{key: {"已发货", "已签收"}}
			}
			if _, err := f.Emu.DeclareSubscribeTemplate(tmpl); err != nil {
				t.Fatal(err)
			}
			subscribe(t, f, "alice", map[string]string{tmpl.ID: emulator.SubscribeAccept})
			msg := func(v string) string {
				return fmt.Sprintf(`{"touser":%q,"template_id":%q,"data":{"thing1":{"value":"抱枕"},%q:{"value":%q}}}`, alice, tmpl.ID, key, v)
			}
			r, _ := f.Platform(t, send, msg(c.invalid))
			emutest.WantPlatformErr(t, r, 47003, "argument invalid! data."+key+".value invalid")
			r, _ = f.Platform(t, send, msg(""))
			emutest.WantPlatformErr(t, r, 47003, "argument invalid! data."+key+".value is empty")
			f.MustPlatform(t, send, msg(c.valid)) // the one acceptance was left for it
			if got := f.Emu.SubscribeMessages("alice")[0]; got.Fields[1].Value != c.valid || got.MiniprogramState != "formal" || got.Lang != "zh_CN" {
				t.Fatalf("message %+v", got)
			}
		})
	}
}

// 47003 names the first field of the template (by its number) that is
// missing, empty, null, not an object or not a string; data keys the
// template lacks are ignored.
func TestArgumentInvalidNamesTheField(t *testing.T) {
	f := start(t, nil)
	alice := openID(t, f, "alice")
	subscribe(t, f, "alice", map[string]string{shipped.ID: emulator.SubscribeAccept})
	for _, c := range []struct{ name, body, msg string }{
		{"a missing field", body(alice, map[string]string{"amount3": ""}), "argument invalid! data.amount3.value is empty"},
		{"an empty value", strings.Replace(body(alice, nil), `"value":"已发货"`, `"value":""`, 1), "argument invalid! data.phrase5.value is empty"},
		{"a null value", strings.Replace(body(alice, nil), `"value":"已发货"`, `"value":null`, 1), "argument invalid! data.phrase5.value is empty"},
		{"no value", strings.Replace(body(alice, nil), `{"value":"已发货"}`, `{}`, 1), "argument invalid! data.phrase5.value is empty"},
		{"a bare string", strings.Replace(body(alice, nil), `{"value":"已发货"}`, `"已发货"`, 1), "argument invalid! data.phrase5.value is empty"},
		{"a number value", strings.Replace(body(alice, nil), `"value":"已发货"`, `"value":5`, 1), "argument invalid! data.phrase5.value invalid"},
		{"the first of two", body(alice, map[string]string{"thing1": strings.Repeat("长", 21), "phrase5": "x"}), "argument invalid! data.thing1.value invalid"},
		{"no data", fmt.Sprintf(`{"touser":%q,"template_id":%q}`, alice, shipped.ID), "argument invalid! data.thing1.value is empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := f.Platform(t, send, c.body)
			emutest.WantPlatformErr(t, r, 47003, c.msg)
		})
	}
	f.MustPlatform(t, send, body(alice, map[string]string{"thing9": "not in the template"}))
	if s := remaining(t, f, "alice", shipped.ID); s.Sent != 1 || s.Remaining != 0 {
		t.Fatalf("the refused sends spent something: %+v", s)
	}
}

// 40003 for a touser who is no user, 40037 for a template the
// mini-program lacks, 47001 for what is not JSON of the right types or an
// unknown version or language; none spends an acceptance.
func TestWhoAndWhatIsChecked(t *testing.T) {
	f := start(t, nil)
	alice := openID(t, f, "alice")
	subscribe(t, f, "alice", map[string]string{shipped.ID: emulator.SubscribeAccept})
	good := body(alice, nil)
	for _, c := range []struct {
		name, body string
		code       int
		msg        string
	}{
		{"unknown touser", strings.Replace(good, alice, "o-nobody", 1), 40003, "invalid openid"},
		{"no touser", strings.Replace(good, `"touser":"`+alice+`",`, "", 1), 40003, "invalid openid"},
		{"another app's openid", body(emutest.Start(t, emulator.Config{AppID: "wx-another-app"}).Mint(t, "alice").OpenID, nil), 40003, "invalid openid"},
		{"unknown template", strings.Replace(good, shipped.ID, "tmpl-nope", 1), 40037, "invalid template_id"},
		{"no template", strings.Replace(good, `"template_id":"`+shipped.ID+`",`, "", 1), 40037, "invalid template_id"},
		{"bad state", strings.Replace(good, `"formal"`, `"release"`, 1), 47001, "data format error hint: [miniprogram_state is developer, trial or formal]"},
		{"bad lang", strings.Replace(good, `"zh_CN"`, `"fr_FR"`, 1), 47001, "data format error hint: [lang is zh_CN, en_US, zh_HK or zh_TW]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := f.Platform(t, send, c.body)
			emutest.WantPlatformErr(t, r, c.code, c.msg)
		})
	}
	for _, b := range []string{`{"touser":42}`, `{"data":[]}`, `[]`, `not json`} {
		if r, _ := f.Platform(t, send, b); r.Code() != 47001 {
			t.Errorf("%s: %+v, want 47001", b, r)
		}
	}
	r, _ := f.PlatformWith(t, "", send, good)
	emutest.WantPlatformErr(t, r, 41001, "access_token missing")
	r, _ = f.PlatformWith(t, "bogus", send, good)
	emutest.WantPlatformErr(t, r, 40001, emutest.InvalidCredential)
	r, _, _ = f.WeChat(t, http.MethodGet, send+"?access_token="+f.Token(t, false).AccessToken, "")
	emutest.WantPlatformErr(t, r, 43002, "require POST method")

	f.PostFault(t, `{"endpoint":"subscribe_send","errcode":45011}`)
	if err := f.Emu.InjectFault(emulator.Fault{Endpoint: emulator.SubscribeSend, ErrCode: -1}); err != nil {
		t.Fatal(err)
	}
	r, _ = f.Platform(t, send, good)
	emutest.WantPlatformErr(t, r, 45011, "api minute-quota reach limit")
	r, _ = f.Platform(t, send, good)
	emutest.WantPlatformErr(t, r, -1, "system error")
	f.MustPlatform(t, send, good) // the acceptance was still there
}

// With Config.Pages, a send to the formal version must open a released
// page (41030 otherwise); developer and trial versions are not checked.
func TestPagesOfTheReleasedVersion(t *testing.T) {
	f := start(t, func(c *emulator.Config) { c.Subscribe.Pages = []string{"pages/index/index", "/pages/order/detail"} })
	alice := openID(t, f, "alice")
	subscribe(t, f, "alice", map[string]string{shipped.ID: emulator.SubscribeAccept})
	unreleased := strings.Replace(body(alice, nil), "pages/order/detail?id=42", "pages/new/page", 1)
	r, _ := f.Platform(t, send, unreleased)
	emutest.WantPlatformErr(t, r, 41030, "invalid page")
	f.MustPlatform(t, send, strings.Replace(unreleased, `"formal"`, `"trial"`, 1))
	subscribe(t, f, "alice", map[string]string{shipped.ID: emulator.SubscribeAccept})
	f.MustPlatform(t, send, body(alice, nil)) // pages/order/detail?id=42: released, whatever its query
	subscribe(t, f, "alice", map[string]string{shipped.ID: emulator.SubscribeAccept})
	f.MustPlatform(t, send, strings.Replace(body(alice, nil), `"page":"pages/order/detail?id=42",`, "", 1)) // no page at all
}

// A long-term template, once accepted, allows any number of sends, until
// a reject.
func TestLongTermTemplates(t *testing.T) {
	notice := emulator.SubscribeTemplate{ID: "tmpl-notice", Title: "政务通知", Fields: map[string]string{"thing1": "通知内容"}, LongTerm: true}
	f := start(t, func(c *emulator.Config) { c.Subscribe.Templates = append(c.Subscribe.Templates, notice) })
	alice := openID(t, f, "alice")
	subscribe(t, f, "alice", map[string]string{notice.ID: emulator.SubscribeAccept})
	msg := fmt.Sprintf(`{"touser":%q,"template_id":%q,"data":{"thing1":{"value":"停水通知"}}}`, alice, notice.ID)
	for range 3 {
		f.MustPlatform(t, send, msg)
	}
	if s := remaining(t, f, "alice", notice.ID); s.Sent != 3 || !s.CanSend() || !s.LongTerm || s.Remaining != 0 {
		t.Fatalf("long-term after 3 sends: %+v", s)
	}
	subscribe(t, f, "alice", map[string]string{notice.ID: emulator.SubscribeReject})
	r, _ := f.Platform(t, send, msg)
	emutest.WantPlatformErr(t, r, 43101, "user refuse to accept the msg")
}

// What wx.requestSubscribeMessage fails, recording nothing.
func TestRequestSubscribeMessageFailures(t *testing.T) {
	notice := emulator.SubscribeTemplate{ID: "tmpl-notice", Title: "政务通知", Fields: map[string]string{"thing1": "通知内容"}, LongTerm: true}
	f := start(t, func(c *emulator.Config) { c.Subscribe.Templates = append(c.Subscribe.Templates, notice) })
	six := map[string]string{}
	for i := range 6 {
		id := fmt.Sprintf("tmpl-%d", i)
		if _, err := f.Emu.DeclareSubscribeTemplate(emulator.SubscribeTemplate{ID: id, Title: id, Fields: map[string]string{"thing1": "x"}}); err != nil {
			t.Fatal(err)
		}
		six[id] = emulator.SubscribeAccept
	}
	for want, results := range map[int]map[string]string{
		10001: {},
		20001: {shipped.ID: "accept", "tmpl-nope": "accept"},
		20002: {shipped.ID: "accept", notice.ID: "accept"},
		20003: six,
	} {
		_, err := f.Emu.Subscribe("alice", results)
		var failed *emulator.SubscribeRequestError
		if !errors.As(err, &failed) || failed.ErrCode != want {
			t.Errorf("%v: %v, want errCode %d", results, err, want)
		}
	}
	if _, err := f.Emu.Subscribe("alice", map[string]string{shipped.ID: "maybe"}); !errors.Is(err, emulator.ErrSubscribeResult) {
		t.Errorf("result maybe: %v", err)
	}
	if _, err := f.Emu.Subscribe("", map[string]string{shipped.ID: "accept"}); err == nil {
		t.Error("a subscription for no user")
	}
	for _, s := range f.Emu.Subscriptions("alice") {
		if s.Accepted != 0 || s.Remaining != 0 || s.LastResult != "" {
			t.Fatalf("a failed call recorded %+v", s)
		}
	}
	delete(six, "tmpl-5")
	if subs := subscribe(t, f, "alice", six); len(subs) != 5 {
		t.Fatalf("five ids: %+v", subs)
	}
}

func TestTemplatesAreChecked(t *testing.T) {
	f := start(t, nil)
	for name, tmpl := range map[string]emulator.SubscribeTemplate{
		"no title":        {ID: "t1", Fields: map[string]string{"thing1": "x"}},
		"no fields":       {ID: "t1", Title: "x"},
		"untyped key":     {ID: "t1", Title: "x", Fields: map[string]string{"stuff1": "x"}},
		"key w/o number":  {ID: "t1", Title: "x", Fields: map[string]string{"thing": "x"}},
		"unnamed field":   {ID: "t1", Title: "x", Fields: map[string]string{"thing1": ""}},
		"enum w/o values": {ID: "t1", Title: "x", Fields: map[string]string{"enum1": "x"}},
		"values of thing": {ID: "t1", Title: "x", Fields: map[string]string{"thing1": "x"}, Enums: map[string][]string{"thing1": {"a"}}},
		"bad id":          {ID: "t 1", Title: "x", Fields: map[string]string{"thing1": "x"}},
		"eleven fields": {ID: "t1", Title: "x", Fields: map[string]string{"thing1": "x", "thing2": "x", "thing3": "x", "thing4": "x", "thing5": "x",
			"thing6": "x", "thing7": "x", "thing8": "x", "thing9": "x", "thing10": "x", "thing11": "x"}},
	} {
		if _, err := f.Emu.DeclareSubscribeTemplate(tmpl); !errors.Is(err, emulator.ErrSubscribeTemplate) {
			t.Errorf("%s: %v", name, err)
		}
	}
	fresh, err := f.Emu.DeclareSubscribeTemplate(emulator.SubscribeTemplate{Title: "新模板", Fields: map[string]string{"thing1": "x"}})
	if err != nil || len(fresh.ID) != 43 {
		t.Fatalf("a template without id: %+v %v", fresh, err)
	}
	if ts := f.Emu.SubscribeTemplates(); len(ts) != 2 {
		t.Fatalf("templates %+v", ts)
	}
	// Config's templates are checked at New.
	for _, bad := range [][]emulator.SubscribeTemplate{{{Title: "x", Fields: map[string]string{"thing1": "x"}}}, {shipped, shipped}, {{ID: "t", Title: "x"}}} {
		if _, err := emulator.New(emulator.Config{AppID: emutest.TestAppID, Secret: emutest.TestSecret, Subscribe: emulator.SubscribeConfig{Templates: bad}}); err == nil {
			t.Errorf("New took %+v", bad)
		}
	}
}
