package wechat

import (
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/wxmp/wxmp/domain"
)

// billGen writes a trade bill of n lines (every tenth a refund) as it is
// read, so that a test can feed a large bill without holding it.
type billGen struct {
	n, i int
	buf  bytes.Buffer
	sum  domain.BillSummary
	done bool
}

const billGenHeader = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n"

func newBillGen(n int) *billGen {
	g := &billGen{n: n}
	g.buf.WriteString(billGenHeader)
	return g
}

func (g *billGen) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && !g.done {
		g.line()
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

func (g *billGen) line() {
	if g.i == g.n {
		s := g.sum
		fmt.Fprintf(&g.buf, "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n`%d,`%s,`%s,`0.00,`%s,`%s,`%s\n",
			s.Trades, yuan(s.SettledFen, 2), yuan(s.RefundFen, 2), yuan(s.FeeE5, 5), yuan(s.OrderFen, 2), yuan(s.AskedFen, 2))
		g.done = true
		return
	}
	g.i++
	fen := int64(100 + g.i%9900)
	sec := g.i % 86400
	when := fmt.Sprintf("2019-07-25 %02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	g.sum.Trades++
	if g.i%10 == 0 {
		fee := -fen * 6 // 0.6% of fen, in 1/100000 yuan, given back
		g.sum.RefundFen += fen
		g.sum.AskedFen += fen
		g.sum.FeeE5 += fee
		fmt.Fprintf(&g.buf, "`%s,`wx2421b1c4370ec43b,`1900000109,`0,`,`42000004002019072500%08d,`ORDER_20190725-%08d,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`REFUND,`CFT,`CNY,`0.00,`0.00,`5000000038201907250%08d,`RF_20190725-%08d,`%s,`0.00,`ORIGINAL,`SUCCESS,`拿铁,大杯,`attach,`%s,`0.60%%,`0.00,`%s,`\n",
			when, g.i, g.i, g.i, g.i, yuan(fen, 2), yuan(fee, 5), yuan(fen, 2))
		return
	}
	fee := fen * 6
	g.sum.SettledFen += fen
	g.sum.OrderFen += fen
	g.sum.FeeE5 += fee
	fmt.Fprintf(&g.buf, "`%s,`wx2421b1c4370ec43b,`1900000109,`0,`,`42000004002019072500%08d,`ORDER_20190725-%08d,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`SUCCESS,`PSBC_DEBIT,`CNY,`%s,`0.00,`0,`0,`0.00,`0.00,`,`,`商品,`attach,`%s,`0.60%%,`%s,`0.00,`\n",
		when, g.i, g.i, yuan(fen, 2), yuan(fee, 5), yuan(fen, 2))
}

// yuan writes v (in units of 10^-scale yuan) as the bill does.
func yuan(v int64, scale int) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	s := fmt.Sprintf("%0*d", scale+1, v)
	return sign + s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// The parser holds one line at a time: the live heap halfway through a
// 200,000-line bill is what it was near the start, where a parser that
// kept lines would have grown by tens of megabytes.
func TestParseTradeBillMemoryIsFlat(t *testing.T) {
	const n = 200_000
	var early, late runtime.MemStats
	lines := 0
	sum, err := parseTradeBill(newBillGen(n), func(l domain.BillLine) error {
		lines++
		switch lines {
		case 10_000:
			runtime.GC()
			runtime.ReadMemStats(&early)
		case n - 10:
			runtime.GC()
			runtime.ReadMemStats(&late)
		}
		return nil
	})
	if err != nil || lines != n || sum.Trades != n {
		t.Fatalf("%d lines, %+v, %v", lines, sum, err)
	}
	if grown := int64(late.HeapAlloc) - int64(early.HeapAlloc); grown > 8<<20 {
		t.Errorf("live heap grew by %d bytes over %d lines", grown, n-10_010)
	}
}

// BenchmarkParseTradeBill parses a 1,000,000-line bill from a gzip stream,
// with the SHA1 check, as TradeBill does after the download. Its
// live-heap-growth-MB is the live heap (after a GC, every 250,000 lines)
// beyond what it was before parsing, which holds the compressed bill.
func BenchmarkParseTradeBill(b *testing.B) {
	const n = 1_000_000
	var z bytes.Buffer
	h := sha1.New()
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	if _, err := io.Copy(io.MultiWriter(zw, h), newBillGen(n)); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	hash := hex.EncodeToString(h.Sum(nil))
	b.ReportAllocs()
	var peak uint64
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	for b.Loop() {
		lines := 0
		sum, err := readTradeBill(bytes.NewReader(z.Bytes()), hash, func(domain.BillLine) error {
			if lines++; lines%250_000 == 0 { // the live heap, garbage aside
				var m runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
			return nil
		})
		if err != nil || sum.Trades != n || lines != n {
			b.Fatalf("%d lines, %+v, %v", lines, sum, err)
		}
	}
	var end runtime.MemStats
	runtime.ReadMemStats(&end)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/line")
	b.ReportMetric(float64(end.Mallocs-base.Mallocs)/float64(b.N)/n, "allocs/line")
	b.ReportMetric(float64(z.Len())/(1<<20), "gzip-MB")
	b.ReportMetric(float64(int64(peak)-int64(base.HeapAlloc))/(1<<20), "live-heap-growth-MB")
}
