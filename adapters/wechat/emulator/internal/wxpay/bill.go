package wxpay

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The trade bill (交易账单, §10 and §15 of the protocol docs), built from
// the emulator's own records of one Beijing day whenever it is asked for:
// one payment line per transaction whose success time falls in the day
// (whether or not its notification ever got through), one refund line per
// refund accepted that day, with the refund's status as it is when the bill
// is built, then the summary. billapi.go serves it.

// Bill types (bill_type).
const (
	BillAll     = "ALL"
	BillSuccess = "SUCCESS"
	BillRefund  = "REFUND"
)

// Headers and summary headers, exactly as WeChat writes them.
const (
	billHeaderAll = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
	billHeaderSuccess = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"商品名称,商户数据包,手续费,费率,订单金额,费率备注"
	billHeaderRefund = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额," +
		"退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
	billSummaryAll     = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
	billSummarySuccess = "总交易单数,应结订单总金额,手续费总金额,订单总金额"
)

// billEOL ends every line, the last one included, as in WeChat's files.
const billEOL = "\r\n"

// FeeRate is the emulated merchant's fee rate, 0.60% (千分之六), as the
// bill writes it in 费率.
const FeeRate = "0.60%"

// BillFee is the fee on fen, in fen: 0.6% rounded half up to the fen, as
// WeChat settles fees per order (6.00 yuan → 0.04, 0.01 yuan → 0.00). The
// bill writes it in yuan with 5 decimals (0.04000). A refund gives back
// the fee of its amount, rounded the same way, so its line carries the
// negative of BillFee(refund).
func BillFee(fen int64) int64 { return (fen*6 + 500) / 1000 }

// billTimeLayout is how the bill writes times (Beijing).
const billTimeLayout = "2006-01-02 15:04:05"

// billLine is one detail line before it is written.
type billLine struct {
	at     time.Time // 交易时间: success time, or the refund's creation
	refund *refund   // nil on a payment line
	txn    *transaction
	status string // the refund's status when the bill was built
	// A payment line spoiled by a Fault.BillCorrupt (spoilBillLines):
	// extraFen is added to the amount it says was paid; malformed writes
	// wxshared.BillMalformedAmount in 订单金额.
	extraFen  int64
	malformed bool
}

// billDay is the Beijing day [start, end) of a yyyy-MM-dd date.
func billDay(date string) (start, end time.Time, err error) {
	start, err = time.ParseInLocation(time.DateOnly, date, wxshared.CST)
	if err != nil || start.Format(time.DateOnly) != date {
		return time.Time{}, time.Time{}, fmt.Errorf("%q is not a yyyy-MM-dd date", date)
	}
	return start, start.AddDate(0, 0, 1), nil
}

// billLinesLocked collects the day's lines of billType, in the order of
// their 交易时间 (then payments before refunds, then by number). Called
// with e.mu held.
func (e *Server) billLinesLocked(start, end time.Time, billType string) []billLine {
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(start) && t.Before(end) }
	var lines []billLine
	for _, t := range e.txns {
		paid := t.state == tradeSuccess || t.state == tradeRefund
		if billType != BillRefund && paid && in(t.successTime) {
			lines = append(lines, billLine{at: t.successTime, txn: t})
		}
		if billType == BillSuccess {
			continue
		}
		for _, r := range t.refunds {
			if in(r.createTime) {
				lines = append(lines, billLine{at: r.createTime, refund: r, txn: t, status: r.status})
			}
		}
	}
	slices.SortFunc(lines, func(a, b billLine) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.kind(), b.kind()),
			cmp.Compare(a.txn.transactionID, b.txn.transactionID), cmp.Compare(a.refundID(), b.refundID()))
	})
	return lines
}

func (l billLine) kind() int {
	if l.refund == nil {
		return 0
	}
	return 1
}

func (l billLine) refundID() string {
	if l.refund == nil {
		return ""
	}
	return l.refund.refundID
}

// billTotals are one line's amounts, and the summary's sums of them: fen,
// the fee in 1/100000 yuan.
type billTotals struct {
	trades                          int
	settled, refunded, order, asked int64
	feeE5                           int64
}

func (s *billTotals) add(o billTotals) {
	s.trades++
	s.settled += o.settled
	s.refunded += o.refunded
	s.order += o.order
	s.asked += o.asked
	s.feeE5 += o.feeE5
}

// spoilBillLines applies a Fault.BillCorrupt that spoils one payment line
// (wxshared.BillCorruptsLine) to lines: the payment line of
// f.OutTradeNo, or the first payment line when it is empty. Without such
// a line, lines come back as they were. The summary adds up the lines as
// spoiled, so the file agrees with itself: a duplicated line counts twice,
// a wrong amount is summed as written; a malformed 订单金额 is only how the
// value is spelt, and the summary keeps the true amount.
func spoilBillLines(lines []billLine, f wxshared.Fault) []billLine {
	if !wxshared.BillCorruptsLine(f.BillCorrupt) {
		return lines
	}
	i := slices.IndexFunc(lines, func(l billLine) bool {
		return l.refund == nil && (f.OutTradeNo == "" || l.txn.outTradeNo == f.OutTradeNo)
	})
	if i < 0 {
		return lines
	}
	switch f.BillCorrupt {
	case wxshared.BillWrongAmount:
		lines[i].extraFen = 1
	case wxshared.BillMalformed:
		lines[i].malformed = true
	case wxshared.BillDuplicated:
		lines = slices.Insert(lines, i+1, lines[i])
	}
	return lines
}

func (l billLine) amounts() billTotals {
	if l.refund == nil {
		paid := l.txn.total + l.extraFen
		return billTotals{settled: paid, order: paid, feeE5: BillFee(paid) * 1000}
	}
	a := billTotals{asked: l.refund.amount}
	if l.status != RefundClosed { // a closed refund moved no money
		a.refunded = l.refund.amount
		a.feeE5 = -BillFee(a.refunded) * 1000
	}
	return a
}

// renderBill writes the bill of billType: header, lines, summary header,
// summary. Every value is prefixed with a backtick; headers are not.
func renderBill(billType string, lines []billLine) []byte {
	var b strings.Builder
	header, summary := billHeaderAll, billSummaryAll
	switch billType {
	case BillSuccess:
		header, summary = billHeaderSuccess, billSummarySuccess
	case BillRefund:
		header = billHeaderRefund
	}
	b.WriteString(header + billEOL)
	var sum billTotals
	for _, l := range lines {
		a := l.amounts()
		sum.add(a)
		writeValues(&b, l.fields(billType, a))
	}
	b.WriteString(summary + billEOL)
	if billType == BillSuccess {
		writeValues(&b, []string{fmt.Sprint(sum.trades), yuan(sum.settled), feeYuan(sum.feeE5), yuan(sum.order)})
	} else {
		writeValues(&b, []string{fmt.Sprint(sum.trades), yuan(sum.settled), yuan(sum.refunded), yuan(0),
			feeYuan(sum.feeE5), yuan(sum.order), yuan(sum.asked)})
	}
	return []byte(b.String())
}

func writeValues(b *strings.Builder, vs []string) {
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('`')
		b.WriteString(v)
	}
	b.WriteString(billEOL)
}

// fields are a line's values in the order of billType's header.
func (l billLine) fields(billType string, a billTotals) []string {
	t := l.txn
	state, refundID, outRefundNo, refundType := "SUCCESS", "0", "0", ""
	var status string
	if l.refund != nil {
		state, refundID, outRefundNo, refundType, status = "REFUND", l.refund.refundID, l.refund.outRefundNo, "ORIGINAL", l.status
	}
	head := []string{
		l.at.In(wxshared.CST).Format(billTimeLayout), t.appID, t.mchID, "0", "", t.transactionID, t.outTradeNo,
		t.payerOpenID, "JSAPI", state, "OTHERS", t.currency, yuan(a.settled), yuan(0),
	}
	tail := []string{billText(t.description), billText(t.attach), feeYuan(a.feeE5), FeeRate, yuan(a.order)}
	if l.malformed {
		tail[len(tail)-1] = wxshared.BillMalformedAmount
	}
	refundPart := []string{refundID, outRefundNo, yuan(a.refunded), yuan(0), refundType, status}
	switch billType {
	case BillSuccess:
		return slices.Concat(head, tail, []string{""})
	case BillRefund:
		var succeeded string
		if !l.refund.successTime.IsZero() && l.status == RefundSuccess {
			succeeded = l.refund.successTime.In(wxshared.CST).Format(billTimeLayout)
		}
		times := []string{l.refund.createTime.In(wxshared.CST).Format(billTimeLayout), succeeded}
		return slices.Concat(head, times, refundPart, tail, []string{yuan(a.asked), ""})
	}
	return slices.Concat(head, refundPart, tail, []string{yuan(a.asked), ""})
}

// billText keeps free text (商品名称, 商户数据包) on its line: a line
// break becomes a space. Commas stay, as in WeChat's files: readers split
// values on ",`", not on ",".
func billText(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// yuan writes fen as yuan with 2 decimals.
func yuan(fen int64) string { return fixed(fen, 100, 2) }

// feeYuan writes 1/100000 yuan as yuan with 5 decimals.
func feeYuan(e5 int64) string { return fixed(e5, 100000, 5) }

func fixed(v, unit int64, decimals int) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%0*d", sign, v/unit, decimals, v%unit)
}
