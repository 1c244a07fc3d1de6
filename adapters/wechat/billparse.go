package wechat

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/wxmp/wxmp/domain"
)

// The trade bill's file (§15, bill_type ALL), read as a stream: a header
// line of column names, one line per payment or refund with every value
// prefixed by a backtick, then a summary header (总交易单数,...) and its one
// line of values. Columns are found by name, never by position: WeChat has
// changed the layout before, and legacy merchants still get another one.

// The detail columns read, by their header names.
const (
	bcTime = iota
	bcAppID
	bcMchID
	bcTransactionID
	bcOutTradeNo
	bcOpenID
	bcTradeType
	bcTradeState
	bcCurrency
	bcSettled
	bcRefundID
	bcOutRefundNo
	bcRefund
	bcRefundStatus
	bcFee
	bcOrder
	bcAsked
	billCols
)

var billColNames = [billCols]string{"交易时间", "公众账号ID", "商户号", "微信订单号", "商户订单号", "用户标识", "交易类型",
	"交易状态", "货币种类", "应结订单金额", "微信退款单号", "商户退款单号", "退款金额", "退款状态", "手续费", "订单金额", "申请退款金额"}

// The summary columns read.
const (
	bsTrades = iota
	bsSettled
	bsRefund
	bsFee
	bsOrder
	bsAsked
	billSumCols
)

var billSumNames = [billSumCols]string{"总交易单数", "应结订单总金额", "退款总金额", "手续费总金额", "订单总金额", "申请退款总金额"}

// maxBillLine bounds one line, and so the parser's memory.
const maxBillLine = 64 << 10

// billReadError is the reader failing under the parser (the network, the
// gzip stream), as opposed to the file being wrong.
type billReadError struct{ err error }

func (e *billReadError) Error() string { return "read bill: " + e.err.Error() }
func (e *billReadError) Unwrap() error { return e.err }

type billParser struct {
	r      *bufio.Reader
	lineNo int // of the line last returned by next
	eof    bool
	col    [billCols]int // position of each column read
	width  int           // the header's number of columns
	fields []string      // reused by every line
	sum    domain.BillSummary
}

// parseTradeBill reads a whole uncompressed trade bill from r, handing
// each detail line to each as soon as it is read, and returns the file's
// summary once the lines are found to add up to it. The first malformed
// line stops it with a *domain.BillError naming that line; each's error
// stops it too and is returned as it is. It reads r to the end (so that a
// hash of r covers the whole file) and never holds more than one line.
func parseTradeBill(r io.Reader, each func(domain.BillLine) error) (domain.BillSummary, error) {
	p := &billParser{r: bufio.NewReaderSize(r, maxBillLine)}
	head, ok, err := p.next()
	if err != nil {
		return domain.BillSummary{}, err
	}
	if !ok {
		return domain.BillSummary{}, &domain.BillError{Reason: "the file is empty"}
	}
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	cols, err := p.locate(string(head), billColNames[:])
	if err != nil {
		return domain.BillSummary{}, err
	}
	copy(p.col[:], cols)
	p.width = strings.Count(string(head), ",") + 1
	var got domain.BillSummary
	for {
		line, ok, err := p.next()
		if err != nil {
			return domain.BillSummary{}, err
		}
		if !ok {
			return domain.BillSummary{}, p.bad("the file ends without the summary (总交易单数...): cut short?")
		}
		// The summary header starts with 总交易单数; it is found by name
		// too, in case its columns move like the others.
		if !bytes.HasPrefix(line, []byte("`")) && bytes.Contains(line, []byte(billSumNames[bsTrades])) {
			return p.summary(string(line), got)
		}
		l, err := p.detail(line)
		if err != nil {
			return domain.BillSummary{}, err
		}
		if err := p.add(&got, l); err != nil {
			return domain.BillSummary{}, err
		}
		if err := each(l); err != nil {
			return domain.BillSummary{}, err
		}
	}
}

// next returns the next line without its "\n" or "\r\n"; ok is false at
// the end of the file. The line is valid until the next call.
func (p *billParser) next() (line []byte, ok bool, err error) {
	if p.eof {
		return nil, false, nil
	}
	line, err = p.r.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, false, &domain.BillError{LineNo: p.lineNo + 1, Reason: fmt.Sprintf("line longer than %d bytes", maxBillLine)}
	case err == io.EOF:
		p.eof = true
		if len(line) == 0 {
			return nil, false, nil
		}
	case err != nil:
		return nil, false, &billReadError{err}
	}
	p.lineNo++
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), true, nil
}

func (p *billParser) bad(format string, args ...any) error {
	return &domain.BillError{LineNo: p.lineNo, Reason: fmt.Sprintf(format, args...)}
}

// locate finds each wanted name among a header line's columns.
func (p *billParser) locate(header string, want []string) ([]int, error) {
	at := make(map[string]int, len(want))
	for i, name := range strings.Split(header, ",") {
		name = strings.TrimSpace(strings.TrimPrefix(name, "`"))
		if _, dup := at[name]; dup {
			return nil, p.bad("column %q appears twice", clip(name))
		}
		at[name] = i
	}
	pos := make([]int, len(want))
	var missing []string
	for i, name := range want {
		j, ok := at[name]
		if !ok {
			missing = append(missing, name)
		}
		pos[i] = j
	}
	if missing != nil {
		return nil, p.bad("the header lacks the column(s) %s: not a trade bill of type ALL in the current layout", strings.Join(missing, ","))
	}
	return pos, nil
}

// values splits a line of values: each starts with a backtick, so values
// are separated by ",`" and a comma inside one (a 商品名称) is kept.
func (p *billParser) values(s string, width int) ([]string, error) {
	if !strings.HasPrefix(s, "`") {
		return nil, p.bad("does not start with a backtick: not a line of values")
	}
	f := p.fields[:0]
	s = s[1:]
	for len(f) <= width {
		i := strings.Index(s, ",`")
		if i < 0 {
			f = append(f, s)
			break
		}
		f = append(f, s[:i])
		s = s[i+2:]
	}
	p.fields = f
	if len(f) != width {
		more := ""
		if len(f) > width {
			more = "more than "
		}
		return nil, p.bad("%s%d values, the header names %d (every value starts with a backtick)", more, len(f), width)
	}
	return f, nil
}

// detail reads one payment or refund line. One string holds the whole
// line; the line's fields are parts of it.
func (p *billParser) detail(line []byte) (domain.BillLine, error) {
	f, err := p.values(string(line), p.width)
	if err != nil {
		return domain.BillLine{}, err
	}
	v := func(c int) string { return f[p.col[c]] }
	l := domain.BillLine{
		LineNo: p.lineNo, AppID: v(bcAppID), MchID: v(bcMchID), TransactionID: v(bcTransactionID),
		OutTradeNo: v(bcOutTradeNo), PayerOpenID: v(bcOpenID), TradeType: v(bcTradeType), TradeState: v(bcTradeState),
		Currency: v(bcCurrency), RefundID: noRefund(v(bcRefundID)), OutRefundNo: noRefund(v(bcOutRefundNo)),
		RefundStatus: v(bcRefundStatus), Kind: domain.BillPayment,
	}
	if l.TradeState == "REFUND" || l.RefundID != "" {
		l.Kind = domain.BillRefund
	}
	var ok bool
	if l.TradeTime, ok = parseBillTime(v(bcTime)); !ok {
		return domain.BillLine{}, p.bad("交易时间 %q is not a time like 2019-07-25 08:35:41", clip(v(bcTime)))
	}
	for _, m := range [...]struct {
		col int
		to  *int64
	}{{bcSettled, &l.SettledFen}, {bcOrder, &l.OrderFen}, {bcRefund, &l.RefundFen}, {bcAsked, &l.AskedFen}} {
		if *m.to, ok = parseDecimal(v(m.col), 2, false); !ok {
			return domain.BillLine{}, p.bad("%s %q is not an amount in yuan (at most 2 decimals, not negative)", billColNames[m.col], clip(v(m.col)))
		}
	}
	if l.FeeE5, ok = parseDecimal(v(bcFee), 5, true); !ok {
		return domain.BillLine{}, p.bad("手续费 %q is not an amount in yuan (at most 5 decimals)", clip(v(bcFee)))
	}
	return l, nil
}

// noRefund: a payment line writes "0" for the refund ids it has not.
func noRefund(id string) string {
	if id == "0" {
		return ""
	}
	return id
}

// add counts l into the running totals.
func (p *billParser) add(s *domain.BillSummary, l domain.BillLine) error {
	s.Trades++
	for _, a := range [...]struct {
		to *int64
		v  int64
	}{{&s.SettledFen, l.SettledFen}, {&s.RefundFen, l.RefundFen},
		{&s.FeeE5, l.FeeE5}, {&s.OrderFen, l.OrderFen}, {&s.AskedFen, l.AskedFen}} {
		t := *a.to + a.v
		if (a.v > 0 && t < *a.to) || (a.v < 0 && t > *a.to) {
			return p.bad("the amounts overflow when added up")
		}
		*a.to = t
	}
	return nil
}

// summary reads the summary header (line), its values and what follows,
// and checks that the lines added up to got.
func (p *billParser) summary(header string, got domain.BillSummary) (domain.BillSummary, error) {
	cols, err := p.locate(header, billSumNames[:])
	if err != nil {
		return domain.BillSummary{}, err
	}
	line, ok, err := p.next()
	if err != nil {
		return domain.BillSummary{}, err
	}
	if !ok {
		return domain.BillSummary{}, p.bad("the summary header has no line of values: cut short?")
	}
	f, err := p.values(string(line), strings.Count(header, ",")+1)
	if err != nil {
		return domain.BillSummary{}, err
	}
	var s domain.BillSummary
	trades, ok := parseDecimal(f[cols[bsTrades]], 2, false)
	if !ok || trades%100 != 0 || trades/100 > 1<<40 {
		return domain.BillSummary{}, p.bad("总交易单数 %q is not a count", clip(f[cols[bsTrades]]))
	}
	s.Trades = int(trades / 100)
	for _, m := range [...]struct {
		col   int
		to    *int64
		scale int
	}{{bsSettled, &s.SettledFen, 2}, {bsRefund, &s.RefundFen, 2}, {bsFee, &s.FeeE5, 5}, {bsOrder, &s.OrderFen, 2}, {bsAsked, &s.AskedFen, 2}} {
		if *m.to, ok = parseDecimal(f[cols[m.col]], m.scale, m.col == bsFee); !ok {
			return domain.BillSummary{}, p.bad("%s %q is not an amount in yuan", billSumNames[m.col], clip(f[cols[m.col]]))
		}
	}
	if s != got {
		return domain.BillSummary{}, p.bad("the lines do not add up to the summary: it says %+v, the lines make %+v", s, got)
	}
	for {
		line, ok, err := p.next()
		if err != nil {
			return domain.BillSummary{}, err
		}
		if !ok {
			return s, nil
		}
		if len(bytes.TrimSpace(line)) != 0 {
			return domain.BillSummary{}, p.bad("text after the summary")
		}
	}
}
