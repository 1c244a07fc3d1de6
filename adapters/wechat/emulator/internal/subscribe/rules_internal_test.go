package subscribe

import (
	"strings"
	"testing"
)

// Every key type's rule (§13's table and its notes), value by value.
func TestValueRules(t *testing.T) {
	enum := []string{"已发货", "已签收"}
	cases := []struct {
		typ     string
		valid   []string
		invalid []string
	}{
		{TypeThing,
			[]string{"微信红包抱枕", "Order 42 已发货!", strings.Repeat("好", 20), strings.Repeat("a", 20), "😀"},
			[]string{strings.Repeat("好", 21), strings.Repeat("a", 21), "换\n行", "tab\there"}},
		{TypeNumber,
			[]string{"0", "42", "3.14", strings.Repeat("9", 32), strings.Repeat("9", 30) + ".5"},
			[]string{"-1", "+1", "1.", ".5", "1,000", "12a", "一", strings.Repeat("9", 33), "1 2"}},
		{TypeLetter,
			[]string{"abc", "ABCxyz", strings.Repeat("z", 32)},
			[]string{strings.Repeat("z", 33), "ab1", "a b", "é", "字"}},
		{TypeSymbol,
			[]string{"!", "#$%", "+-*/=", "￥", "，。"},
			[]string{"!!!!!!", "a", "1", "字", " ", "!\n"}},
		{TypeCharacterString,
			[]string{"SF1234567890", "ORDER-2025/03_01#7", strings.Repeat("x", 32), "a.b-c"},
			[]string{strings.Repeat("x", 33), "订单123", "has space", "tab\t"}},
		{TypeTime,
			[]string{"15:01", "9:05", "23:59:59", "2019年10月1日 15:01", "2019年10月1日15:01", "2019-10-01 15:01", "2019/10/01 15:01:02",
				"10月1日 08:00", "15:01~16:00", "15:01 ~ 16:00", "2019年10月1日 15:01~2019年10月2日 15:01"},
			[]string{"24:00", "15:60", "15:1", "15", "2019年10月1日", "2019-10-01", "15:01～16:00", "15:01~16:00~17:00", "15:01~",
				"2019-10-0115:01", "three o'clock"}},
		{TypeDate,
			[]string{"2019年10月1日", "2019年10月", "10月1日", "2018-01-01", "2018/01/01", "2018.01.01", "2018-01", "01-01", "2018-1-1",
				"2019年10月1日 15:01", "2019-10-01 15:01:02", "2018-01-01~2018-01-31", "2024年2月29日"},
			[]string{"2018-13-01", "2018-02-30", "2023年2月29日", "2018-01/01", "18-01-01", "15:01", "2018-01-01～2018-01-31", "明天", "2018-01-01 25:00"}},
		{TypeAmount,
			[]string{"¥100", "￥99.00", "$5", "€0.5", "100元", "¥100.00元", "3.66", strings.Repeat("9", 10), "12345678.90"},
			[]string{"¥¥100", "100.", "¥1,000", "RMB100", "-5", strings.Repeat("9", 11), "123456789.12", "元100", "100元元", "十元"}},
		{TypePhoneNumber,
			[]string{"13800138000", "+86-0766-66888866", "(020)12345678", "400-800-8888"},
			[]string{"+86-0766-668888667", "tel:123", "138 0013 8000", "----"}},
		{TypeCarNumber,
			[]string{"粤A8Z888挂", "京A12345", "AB12345", "粤B12345"},
			[]string{"粤A8Z888挂X", "粤A中2345", "粤A-12345", "粤 A12345"}},
		{TypeName,
			[]string{"张三", "欧阳娜娜", "阿卜杜·艾尼", "John Smith", "O'Brien", strings.Repeat("a", 20), strings.Repeat("张", 10), "张John"},
			[]string{strings.Repeat("张", 11), strings.Repeat("a", 21), "张三1", "Agent 007", "张John Smith"}},
		{TypePhrase,
			[]string{"配送中", "已发货", "五个汉字啊"},
			[]string{"六个汉字啊啊", "配送中!", "ok", "配 送"}},
		{TypeEnum,
			[]string{"已发货", "已签收"},
			[]string{"已退货", "已发货 "}},
	}
	for _, c := range cases {
		for _, v := range c.valid {
			if !Valid(c.typ, v, enum) {
				t.Errorf("%s %q refused, want valid", c.typ, v)
			}
		}
		for _, v := range c.invalid {
			if Valid(c.typ, v, enum) {
				t.Errorf("%s %q taken, want invalid", c.typ, v)
			}
		}
	}
	if Valid(TypeThing, "\xff", nil) {
		t.Error("invalid UTF-8 taken")
	}
}

func TestKeyTypes(t *testing.T) {
	for key, want := range map[string]string{
		"thing1": TypeThing, "thing12": TypeThing, "character_string3": TypeCharacterString, "phone_number4": TypePhoneNumber,
		"car_number5": TypeCarNumber, "amount2": TypeAmount, "enum9": TypeEnum, "time1": TypeTime, "date10": TypeDate,
		"name1": TypeName, "phrase1": TypePhrase, "number1": TypeNumber, "letter1": TypeLetter, "symbol1": TypeSymbol,
	} {
		if got, ok := KeyType(key); !ok || got != want {
			t.Errorf("KeyType(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
	for _, key := range []string{"thing", "1", "things1", "Thing1", "thing1a", "character1", "thing1234", ""} {
		if got, ok := KeyType(key); ok {
			t.Errorf("KeyType(%q) = %q, want none", key, got)
		}
	}
}
