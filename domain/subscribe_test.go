package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Every value is valid for its keyword's type before it is sent (§13):
// WeChat's 47003 must never happen.
func TestKeywordValuesAreValidForTheirType(t *testing.T) {
	for _, c := range []struct{ key, in, want string }{
		{"thing2", "一二三四五六七八九十一二三四五六七八九十", "一二三四五六七八九十一二三四五六七八九十"},
		{"thing2", "一二三四五六七八九十一二三四五六七八九十多", "一二三四五六七八九十一二三四五六七八九…"},
		{"phrase3", "已同意退款", "已同意退款"},
		{"phrase3", "已经同意退款", "已经同意…"},
		{"name1", "欧阳一二三四五六七八九", "欧阳一二三四五六七…"},
		{"character_string1", strings.Repeat("A", 40), strings.Repeat("A", 32)},
		{"number4", "12345", "12345"},
		{"amount2", "-¥1.00", "¥1.00"},
		{"time4", "2026-12-05 13:29", "2026-12-05 13:29"},
	} {
		if got := KeywordValue(c.key, c.in); got != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.key, c.in, got, c.want)
		}
	}
}

// The message a refund request's decision sends shows the request, not the
// order's refunds; a template's own keywords replace the defaults.
func TestARefundRequestMessageShowsTheDecision(t *testing.T) {
	o := paidOrder(t)
	r, err := NewRefundApplication(o, 1000, "少发一件", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Reject("请先寄回商品照片，我们再为您处理退款事宜，谢谢理解", t0); err != nil {
		t.Fatal(err)
	}
	data := o.messageData(SubscribeTemplate{Event: MessageRefundRequest, ID: "T"}, MessageRefundRequest, r)
	if data["phrase3"] != "已拒绝" || data["amount2"] != "¥10.00" || data["character_string1"] != o.OutTradeNo() ||
		utf8.RuneCountInString(data["thing4"]) != 20 || !strings.HasPrefix(data["thing4"], "请先寄回") || data["time5"] == "" {
		t.Fatalf("data %+v", data)
	}
	own := SubscribeTemplate{Event: MessageRefundRequest, ID: "T", Keywords: map[string]MessageSource{"thing9": SourceNote, "phrase1": SourceStatus}}
	r2, _ := NewRefundApplication(o, 500, "不想要了", t0)
	if _, err := r2.Approve(o, "operator:a", t0); err != nil {
		t.Fatal(err)
	}
	if data := o.messageData(own, MessageRefundRequest, r2); len(data) != 2 || data["thing9"] != "不想要了" || data["phrase1"] != "已同意退款" {
		t.Fatalf("own keywords %+v", data)
	}
	for status, phrase := range requestSteps {
		if utf8.RuneCountInString(phrase) > 5 {
			t.Errorf("%s: %q is no phrase", status, phrase)
		}
	}
}
