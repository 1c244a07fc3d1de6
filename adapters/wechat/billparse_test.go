package wechat

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxmp/wxmp/domain"
)

// Fixtures (testdata/bills): all.csv is a bill of type ALL in §15's
// current layout with §15's sample rows (a payment, a payment whose
// 商品名称 holds a comma, a partial refund of it with a negative fee);
// shuffled.csv is the same bill with its columns (and summary columns) in
// another order, an unknown column whose value holds a comma, and CRLF
// line ends.

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "bills", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// parseAll parses s, keeping every line streamed.
func parseAll(s string) ([]domain.BillLine, domain.BillSummary, error) {
	var lines []domain.BillLine
	sum, err := parseTradeBill(strings.NewReader(s), func(l domain.BillLine) error {
		lines = append(lines, l)
		return nil
	})
	return lines, sum, err
}

func bj(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, domain.Beijing)
	if err != nil {
		panic(err)
	}
	return t
}

// The lines of all.csv, as the domain should see them.
func fixtureLines() []domain.BillLine {
	base := domain.BillLine{AppID: "wx2421b1c4370ec43b", MchID: "1900000109", TradeType: "JSAPI", Currency: "CNY",
		Kind: domain.BillPayment, TradeState: "SUCCESS"}
	l1, l2, l3 := base, base, base
	l1.LineNo, l1.TradeTime, l1.TransactionID, l1.OutTradeNo = 2, bj("2019-07-25 08:35:41"), "4200000400201907250000000001", "ORDER_20190725-0001"
	l1.PayerOpenID, l1.SettledFen, l1.OrderFen, l1.FeeE5 = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", 600, 600, 4000
	l2.LineNo, l2.TradeTime, l2.TransactionID, l2.OutTradeNo = 3, bj("2019-07-25 09:12:03"), "4200000400201907250000000002", "ORDER_20190725-0002"
	l2.PayerOpenID, l2.SettledFen, l2.OrderFen, l2.FeeE5 = "oKm5Q5I9Xx1ZsbkT0fyHn8QW3vNc", 1999, 1999, 12000
	l3.LineNo, l3.TradeTime, l3.TransactionID, l3.OutTradeNo = 4, bj("2019-07-25 20:53:36"), l2.TransactionID, l2.OutTradeNo
	l3.PayerOpenID, l3.Kind, l3.TradeState, l3.RefundID, l3.OutRefundNo = l2.PayerOpenID, domain.BillRefund, "REFUND", "50000000382019072500001", "RF_20190725-0002-1"
	l3.RefundFen, l3.AskedFen, l3.RefundStatus, l3.FeeE5 = 500, 500, "SUCCESS", -3000
	return []domain.BillLine{l1, l2, l3}
}

var fixtureSummary = domain.BillSummary{Trades: 3, SettledFen: 2599, RefundFen: 500, FeeE5: 13000, OrderFen: 2599, AskedFen: 500}

func sameLines(t *testing.T, got, want []domain.BillLine) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d lines streamed, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.TradeTime.Equal(w.TradeTime) || g.TradeTime.Location() != domain.Beijing {
			t.Errorf("line %d: TradeTime %v, want %v (Beijing)", w.LineNo, g.TradeTime, w.TradeTime)
		}
		g.TradeTime, w.TradeTime = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("line %d:\n got %+v\nwant %+v", w.LineNo, g, w)
		}
	}
}

func TestParseTradeBillFixtures(t *testing.T) {
	for _, c := range []struct {
		name, text string
	}{
		{"all.csv", fixture(t, "all.csv")},
		{"shuffled.csv (columns reordered, an unknown column, CRLF)", fixture(t, "shuffled.csv")},
		{"all.csv with a BOM and no final newline", "\ufeff" + strings.TrimSuffix(fixture(t, "all.csv"), "\n")},
		{"all.csv with blank lines after the summary", fixture(t, "all.csv") + "\n\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines, sum, err := parseAll(c.text)
			if err != nil {
				t.Fatal(err)
			}
			sameLines(t, lines, fixtureLines())
			if sum != fixtureSummary {
				t.Errorf("summary %+v, want %+v", sum, fixtureSummary)
			}
		})
	}
}

// A bill of no line but the summary is a bill.
func TestParseTradeBillNoLines(t *testing.T) {
	all := strings.Split(fixture(t, "all.csv"), "\n")
	text := all[0] + "\n" + all[4] + "\n`0,`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00\n"
	lines, sum, err := parseAll(text)
	if err != nil || len(lines) != 0 || sum != (domain.BillSummary{}) {
		t.Fatalf("= %v, %+v, %v", lines, sum, err)
	}
}

// edit changes line n (1-based) of all.csv by fn.
func edit(t *testing.T, n int, fn func(string) string) string {
	t.Helper()
	lines := strings.Split(fixture(t, "all.csv"), "\n")
	lines[n-1] = fn(lines[n-1])
	return strings.Join(lines, "\n")
}

// setField sets the value of column col (0-based, all.csv's order) on a
// line of values.
func setField(col int, v string) func(string) string {
	return func(line string) string {
		f := strings.Split(line[1:], ",`")
		f[col] = v
		return "`" + strings.Join(f, ",`")
	}
}

// Column positions in all.csv.
const (
	fxTime, fxSettled, fxRefundID, fxFee, fxOrder = 0, 12, 14, 22, 24
)

func TestParseTradeBillRefuses(t *testing.T) {
	all := fixture(t, "all.csv")
	lines := strings.SplitAfter(all, "\n")
	cases := []struct {
		name     string
		text     string
		line     int // the BillError's line
		streamed int // lines streamed before it
		mentions string
	}{
		{"empty file", "", 0, 0, "empty"},
		{"legacy layout header", strings.Replace(all, "订单金额,申请退款金额", "总金额,x", 1), 1, 0, "订单金额,申请退款金额"},
		{"duplicate column", strings.Replace(all, "设备号", "商户号", 1), 1, 0, "twice"},
		{"truncated before the summary", strings.Join(lines[:4], ""), 4, 3, "ends without the summary"},
		{"truncated inside a line", strings.Join(lines[:2], "") + lines[2][:60], 3, 1, "values"},
		{"summary header without values", strings.Join(lines[:5], ""), 5, 3, "no line of values"},
		{"summary values cut short", strings.Join(lines[:5], "") + "`3,`25.99,`5.00", 6, 3, "3 values"},
		{"missing backtick", edit(t, 3, func(s string) string { return strings.Replace(s, ",`CNY", ",CNY", 1) }), 3, 1, "values, the header names 27"},
		{"no backtick at all", edit(t, 2, func(s string) string { return strings.ReplaceAll(s, "`", "") }), 2, 0, "backtick"},
		{"amount with 3 decimals", edit(t, 2, setField(fxSettled, "6.001")), 2, 0, `应结订单金额 "6.001"`},
		{"negative amount", edit(t, 3, setField(fxOrder, "-19.99")), 3, 1, `订单金额 "-19.99"`},
		{"amount with a comma", edit(t, 2, setField(fxSettled, "6,00")), 2, 0, `"6,00"`},
		{"amount in exponent form", edit(t, 2, setField(fxSettled, "6e2")), 2, 0, `"6e2"`},
		{"amount with a plus", edit(t, 2, setField(fxSettled, "+6.00")), 2, 0, `"+6.00"`},
		{"amount with a space", edit(t, 2, setField(fxSettled, " 6.00")), 2, 0, `" 6.00"`},
		{"amount empty", edit(t, 2, setField(fxSettled, "")), 2, 0, `应结订单金额 ""`},
		{"amount without its integer", edit(t, 2, setField(fxSettled, ".5")), 2, 0, `".5"`},
		{"amount too large", edit(t, 2, setField(fxSettled, "99999999999999.00")), 2, 0, "not an amount"},
		{"fee with 6 decimals", edit(t, 4, setField(fxFee, "-0.030000")), 4, 2, `手续费 "-0.030000"`},
		{"impossible date", edit(t, 2, setField(fxTime, "2019-02-30 08:35:41")), 2, 0, "交易时间"},
		{"time in another layout", edit(t, 2, setField(fxTime, "2019-07-25T08:35:41+08:00")), 2, 0, "交易时间"},
		{"summary count disagrees", edit(t, 6, func(s string) string { return strings.Replace(s, "`3,", "`4,", 1) }), 6, 3, "do not add up"},
		{"summary fee disagrees", edit(t, 6, func(s string) string { return strings.Replace(s, "0.13000", "0.17000", 1) }), 6, 3, "do not add up"},
		{"summary count not a count", edit(t, 6, func(s string) string { return strings.Replace(s, "`3,", "`3.5,", 1) }), 6, 3, "总交易单数"},
		{"summary lacks a column", edit(t, 5, func(s string) string { return strings.Replace(s, "退款总金额", "退款金额合计", 1) }), 5, 3, "退款总金额"},
		{"a line dropped", strings.Replace(all, lines[2], "", 1), 5, 2, "do not add up"},
		{"text after the summary", all + "`1,`2\n", 7, 3, "after the summary"},
		{"line too long", edit(t, 3, setField(fxRefundID, strings.Repeat("9", maxBillLine))), 3, 1, "longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := parseAll(c.text)
			var be *domain.BillError
			if !errors.As(err, &be) {
				t.Fatalf("error %v, want a *domain.BillError", err)
			}
			if be.LineNo != c.line || !strings.Contains(be.Reason, c.mentions) {
				t.Errorf("BillError{%d, %q}, want line %d mentioning %q", be.LineNo, be.Reason, c.line, c.mentions)
			}
			if len(got) != c.streamed {
				t.Errorf("%d lines streamed before the error, want %d", len(got), c.streamed)
			}
		})
	}
}

// each's error stops the stream and comes back as it is.
func TestParseTradeBillStopsOnEachError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	_, err := parseTradeBill(strings.NewReader(fixture(t, "all.csv")), func(domain.BillLine) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("error %v after %d lines, want stop after 1", err, n)
	}
}

func TestParseDecimal(t *testing.T) {
	for _, c := range []struct {
		s      string
		scale  int
		signed bool
		want   int64
		ok     bool
	}{
		{"6.00", 2, false, 600, true}, {"6", 2, false, 600, true}, {"6.5", 2, false, 650, true}, {"0.01", 2, false, 1, true},
		{"1234567890123.99", 2, false, 123456789012399, true}, {"0.04000", 5, true, 4000, true}, {"-0.02000", 5, true, -2000, true},
		{"-0.00001", 5, true, -1, true}, {"-1", 2, false, 0, false}, {"6.", 2, false, 0, false}, {"", 2, false, 0, false},
		{"-", 5, true, 0, false}, {"--1", 5, true, 0, false}, {"1.2.3", 2, false, 0, false}, {"١", 2, false, 0, false},
		{"0x10", 2, false, 0, false}, {"NaN", 2, false, 0, false}, {"1_000", 2, false, 0, false},
	} {
		got, ok := parseDecimal(c.s, c.scale, c.signed)
		if got != c.want || ok != c.ok {
			t.Errorf("parseDecimal(%q, %d, %v) = %d, %v; want %d, %v", c.s, c.scale, c.signed, got, ok, c.want, c.ok)
		}
	}
}
