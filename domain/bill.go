package domain

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// WeChat Pay's daily trade bill (对账单, README: "The daily bill"): every
// payment and refund of one Beijing day, as WeChat booked them. The bill
// finds differences with our books; the signed query decides them.

// Beijing is the time zone WeChat Pay's days are cut in.
var Beijing = time.FixedZone("CST", 8*60*60)

// BillLineKind says what a bill line records.
type BillLineKind string

const (
	BillPayment BillLineKind = "payment" // 交易状态 SUCCESS (or REVOKED)
	BillRefund  BillLineKind = "refund"  // 交易状态 REFUND: one line per refund
)

// BillLine is one line of a trade bill, amounts in integer fen (the bill
// writes yuan; fees in 1/100000 yuan).
type BillLine struct {
	LineNo        int // 1-based, in the uncompressed file (the header is line 1)
	Kind          BillLineKind
	TradeTime     time.Time // 交易时间 (Beijing), as an instant
	AppID         string    // 公众账号ID
	MchID         string    // 商户号
	TransactionID string    // 微信订单号
	OutTradeNo    string    // 商户订单号
	PayerOpenID   string    // 用户标识
	TradeType     string    // 交易类型, e.g. JSAPI
	TradeState    string    // 交易状态: SUCCESS, REFUND, REVOKED
	Currency      string    // 货币种类
	SettledFen    int64     // 应结订单金额
	OrderFen      int64     // 订单金额
	RefundID      string    // 微信退款单号 ("" on a payment line)
	OutRefundNo   string    // 商户退款单号 ("" on a payment line)
	RefundFen     int64     // 退款金额
	AskedFen      int64     // 申请退款金额
	RefundStatus  string    // 退款状态 (a snapshot, never updated)
	FeeE5         int64     // 手续费, in 1/100000 yuan (can be negative)
}

// BillSummary is the bill's last line: its own totals, which the lines
// must add up to.
type BillSummary struct {
	Trades     int   // 总交易单数
	SettledFen int64 // 应结订单总金额
	RefundFen  int64 // 退款总金额
	FeeE5      int64 // 手续费总金额
	OrderFen   int64 // 订单总金额
	AskedFen   int64 // 申请退款总金额
}

// Bill errors.
var (
	// ErrBillNotReady: STATEMENT_CREATING, or asked before 10:00 Beijing
	// the next day: ask again later.
	ErrBillNotReady = errors.New("the bill is not ready yet")
	// ErrNoBill: NO_STATEMENT_EXIST, WeChat Pay had no trade that day.
	ErrNoBill = errors.New("no bill for that day (no trade)")
)

// BillError says why a bill cannot be believed: its SHA1 does not match,
// or a line (LineNo, 0 for the file as a whole) is malformed or cut short.
// Nothing of such a bill is applied.
type BillError struct {
	LineNo int
	Reason string
}

func (e *BillError) Error() string {
	if e.LineNo == 0 {
		return "bill: " + e.Reason
	}
	return fmt.Sprintf("bill line %d: %s", e.LineNo, e.Reason)
}

// WeChatBills is WeChat Pay's bill API.
type WeChatBills interface {
	// TradeBill fetches the trade bill (bill_type ALL) of the Beijing day
	// ("2006-01-02"), checks its SHA1, and streams its lines to each, in
	// the file's order, then returns its summary. each's error stops the
	// stream and is returned. Errors: ErrBillNotReady, ErrNoBill,
	// *BillError, ErrPaymentUnavailable.
	//
	// The file is streamed, never held, so lines reach each before the
	// SHA1 (over the whole file) and the summary can be checked: whatever
	// each received is provisional until TradeBill returns nil. On any
	// error, discard all of it (a *BillError with LineNo 0 and a SHA1
	// reason arrives after every line was handed over).
	TradeBill(ctx context.Context, day string, each func(BillLine) error) (BillSummary, error)
}
