package wxpay

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// WeChat Pay's domestic refunds (境内退款, §9 of docs/wechat-protocol.md).
// The refund API (refundapi.go) creates a refund of a paid transaction,
// PROCESSING; RefundDelay later it ends on its own, SUCCESS unless a
// Fault.RefundOutcome said ABNORMAL or CLOSED, and its notification goes to
// the refund's notify_url (refundnotify.go). A transaction whose SUCCESS
// refunds add up to its total becomes REFUND. The control API (package
// control) shows refunds and ends them at once through the Go methods
// below, and makes the refunds a person makes by hand on the merchant
// platform (RefundOnPlatform), which notify no one.

// DefaultRefundDelay is how long a refund stays PROCESSING when
// PayConfig.RefundDelay is zero. WeChat takes seconds to days; tests scale
// it down with TimeScale, or end refunds themselves (ManualRefunds).
const DefaultRefundDelay = time.Second

// Refund statuses (§9). A refund is PROCESSING until it ends in one of the
// other three.
const (
	RefundProcessing = "PROCESSING"
	RefundSuccess    = "SUCCESS"
	RefundClosed     = wxshared.RefundClosed   // closed: no money moved
	RefundAbnormal   = wxshared.RefundAbnormal // the money could not reach the user: a person must act
)

// Limits from WeChat Pay's documentation.
const (
	maxRefundsPerTransaction = 50
	maxOutRefundNo           = 64
	maxRefundReason          = 80 // characters
	// userReceivedAccount is where a refund of a balance payment lands,
	// in WeChat's words.
	userReceivedAccount = "支付用户零钱"
)

// Errors of the refund methods.
var (
	ErrNoRefund = errors.New("emulator: no such refund")
	// ErrRefundFinal: CompleteRefund of a refund that has ended already.
	ErrRefundFinal = errors.New("emulator: the refund has ended already")
	// ErrRefundProcessing: a PROCESSING refund has no notification yet.
	ErrRefundProcessing = errors.New("emulator: the refund is still PROCESSING: there is no refund notification")
	ErrNoNotifyURL      = errors.New("emulator: the refund was created without notify_url")
	// ErrBadPlatformRefund: RefundOnPlatform asked for a refund the merchant
	// platform's form does not take (an amount not above zero, a status
	// other than SUCCESS or PROCESSING).
	ErrBadPlatformRefund = errors.New("emulator: not a refund the merchant platform takes")
	// ErrNotRefundable: RefundOnPlatform of a transaction WeChat Pay would
	// not refund (not paid, fully refunded, too many refunds, or an amount
	// above what is left), wrapped with WeChat's reason.
	ErrNotRefundable = errors.New("emulator: WeChat Pay refuses the refund")
)

// refundParams is a create-refund request as parsed (refundapi.go). A
// repeat with the same out_refund_no must ask for the same, field by field.
type refundParams struct {
	transactionID, outTradeNo string // at least one
	outRefundNo, reason       string
	notifyURL                 string // may be empty: no notification
	amount, total             int64
}

// refund is WeChat Pay's record of one out_refund_no.
type refund struct {
	txn                     *transaction
	refundID, outRefundNo   string
	reason, notifyURL       string
	amount                  int64  // fen refunded
	status                  string // one of the Refund* constants
	outcome                 string // the status it ends in
	createTime, successTime time.Time
	notified                *notify.Event     // the REFUND.* event, once ended
	deliveries              []notify.Delivery // every notification attempt, in order
	// platform: made by hand on the merchant platform (RefundOnPlatform),
	// not through the refund API.
	platform bool
}

// RefundView is a refund as the emulator sees it.
type RefundView struct {
	OutRefundNo, RefundID     string
	OutTradeNo, TransactionID string
	Status                    string // PROCESSING, SUCCESS, ABNORMAL or CLOSED
	Reason, NotifyURL         string
	Refund, Total             int64 // fen: this refund, and the transaction's total
	UserReceivedAccount       string
	CreateTime                time.Time
	SuccessTime               time.Time // zero unless SUCCESS
	// Platform: made by hand on the merchant platform (RefundOnPlatform):
	// OutRefundNo is RefundID, and there is no NotifyURL.
	Platform bool
}

func (r *refund) view() RefundView {
	return RefundView{
		OutRefundNo:         r.outRefundNo,
		RefundID:            r.refundID,
		OutTradeNo:          r.txn.outTradeNo,
		TransactionID:       r.txn.transactionID,
		Status:              r.status,
		Reason:              r.reason,
		NotifyURL:           r.notifyURL,
		Refund:              r.amount,
		Total:               r.txn.total,
		UserReceivedAccount: userReceivedAccount,
		CreateTime:          r.createTime,
		SuccessTime:         r.successTime,
		Platform:            r.platform,
	}
}

// same says whether q repeats the request that created r. transaction_id
// and out_trade_no name the same transaction, so either may be given.
func (r *refund) same(q refundParams) bool {
	return (q.transactionID == "" || q.transactionID == r.txn.transactionID) &&
		(q.outTradeNo == "" || q.outTradeNo == r.txn.outTradeNo) &&
		q.reason == r.reason && q.notifyURL == r.notifyURL && q.amount == r.amount && q.total == r.txn.total
}

func invalidRequest(msg string) *payFailure {
	return &payFailure{http.StatusBadRequest, "INVALID_REQUEST", msg}
}

// createRefund creates the refund q asks for, or finds it for a repeat of
// the same out_refund_no (the idempotency key), and answers it as it is
// now. The checks follow WeChat's: the number first, then the transaction,
// then the amounts.
func (e *Server) createRefund(q refundParams) (wechatRefund, *payFailure) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.refunds[q.outRefundNo]; ok {
		if !r.same(q) {
			return wechatRefund{}, invalidRequest("商户退款单号 out_refund_no 已存在，且请求参数与原退款不一致")
		}
		return r.wire(), nil
	}
	t, f := e.refundableLocked(q)
	if f != nil {
		return wechatRefund{}, f
	}
	if q.total != t.total {
		return wechatRefund{}, invalidRequest(fmt.Sprintf("订单金额 amount.total %d 与原订单金额 %d 不一致", q.total, t.total))
	}
	if f := t.refundLimitLocked(q.amount); f != nil {
		return wechatRefund{}, f
	}
	now := e.now()
	r := &refund{
		txn: t, refundID: newRefundID(now), outRefundNo: q.outRefundNo, reason: q.reason, notifyURL: q.notifyURL,
		amount: q.amount, status: RefundProcessing, outcome: RefundSuccess, createTime: now,
	}
	if f, ok := e.faults.Take(wxshared.RefundOutcomes); ok {
		r.outcome = f.RefundOutcome
	}
	e.addRefundLocked(r)
	if !e.manualRefunds {
		e.endRefundLater(r.outRefundNo)
	}
	return r.wire(), nil
}

// refundLimitLocked checks that t can take one more refund of amount fen:
// at most maxRefundsPerTransaction, and never more than what refunds that
// may still move money leave of its total.
func (t *transaction) refundLimitLocked(amount int64) *payFailure {
	var committed int64 // what refunds that may still move money hold
	for _, r := range t.refunds {
		if r.status != RefundClosed {
			committed += r.amount
		}
	}
	switch {
	case len(t.refunds) >= maxRefundsPerTransaction:
		return invalidRequest(fmt.Sprintf("该订单已退款 %d 次，达到上限", len(t.refunds)))
	case amount > t.total-committed:
		return invalidRequest("申请退款金额超过订单可退金额")
	}
	return nil
}

// addRefundLocked records a new refund.
func (e *Server) addRefundLocked(r *refund) {
	e.refunds[r.outRefundNo] = r
	r.txn.refunds = append(r.txn.refunds, r)
}

// RefundOnPlatform refunds amountFen of outTradeNo as a person does by hand
// on the merchant platform (商户平台 → 交易中心 → 退款), which the
// merchant's service never asked for. WeChat Pay checks it as the refund
// API checks a refund (the transaction paid and not fully refunded, at
// most 50 refunds, no more than what is left) and records it like any
// other: a refund_id, a refund line in the bill of its day, the query
// GET /v3/refund/domestic/refunds/{out_refund_no} finds it. Its
// out_refund_no is the one the platform makes: the refund_id itself. It
// has no notify_url, so no notification is ever sent for it; a
// Fault.RefundOutcome, which is for the refund API, does not apply to it.
//
// status is RefundSuccess ("" too), ended at once, the transaction
// becoming REFUND if it is now refunded in full, or RefundProcessing,
// which ends like an API refund (RefundDelay later, or CompleteRefund).
// Errors: ErrBadPlatformRefund, ErrNoTransaction, ErrNotRefundable. It is
// what POST /emulator/transactions/{no}/refund does.
func (e *Server) RefundOnPlatform(outTradeNo string, amountFen int64, status string) (RefundView, error) {
	switch status {
	case "":
		status = RefundSuccess
	case RefundSuccess, RefundProcessing:
	default:
		return RefundView{}, fmt.Errorf("%w: status %q: use %s or %s", ErrBadPlatformRefund, status, RefundSuccess, RefundProcessing)
	}
	if amountFen <= 0 {
		return RefundView{}, fmt.Errorf("%w: the amount must be at least 1 fen, not %d", ErrBadPlatformRefund, amountFen)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.txns[outTradeNo] == nil {
		return RefundView{}, fmt.Errorf("%w: %q", ErrNoTransaction, outTradeNo)
	}
	t, f := e.refundableLocked(refundParams{outTradeNo: outTradeNo})
	if f == nil {
		f = t.refundLimitLocked(amountFen)
	}
	if f != nil {
		return RefundView{}, fmt.Errorf("%w: %s", ErrNotRefundable, f.message)
	}
	now := e.now()
	id := newRefundID(now)
	for e.refunds[id] != nil { // an API refund chose this number: draw again
		id = newRefundID(now)
	}
	r := &refund{
		txn: t, refundID: id, outRefundNo: id, amount: amountFen, status: RefundProcessing, outcome: RefundSuccess,
		createTime: now, platform: true,
	}
	e.addRefundLocked(r)
	switch {
	case status == RefundSuccess:
		e.endRefundLocked(r, now) // no notify_url: nothing is sent
	case !e.manualRefunds:
		e.endRefundLater(r.outRefundNo)
	}
	return r.view(), nil
}

// endRefundLater ends the refund RefundDelay from now, as WeChat would.
func (e *Server) endRefundLater(outRefundNo string) {
	wait := e.refundDelay
	e.bg.Go(func() {
		if wxshared.Sleep(e.bg.Stopped(), wait) {
			_, _ = e.CompleteRefund(outRefundNo) // ErrRefundFinal: a test ended it first
		}
	})
}

// refundableLocked finds the transaction q refunds and checks that it can
// be refunded at all.
func (e *Server) refundableLocked(q refundParams) (*transaction, *payFailure) {
	var t *transaction
	if q.transactionID != "" {
		for _, c := range e.txns {
			if c.transactionID == q.transactionID {
				t = c
				break
			}
		}
	} else {
		t = e.txns[q.outTradeNo]
	}
	switch {
	case t == nil:
		return nil, &payFailure{http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在"}
	case q.outTradeNo != "" && q.outTradeNo != t.outTradeNo:
		return nil, invalidRequest("transaction_id 与 out_trade_no 不属于同一笔订单")
	case t.state == tradeRefund:
		return nil, invalidRequest("订单已全额退款")
	case t.state != tradeSuccess:
		return nil, invalidRequest("订单未支付（" + tradeStateDesc[t.state] + "），不能退款")
	}
	return t, nil
}

// newRefundID looks like WeChat's refund ids: 29 digits starting 50.
func newRefundID(now time.Time) string {
	return "50" + wxshared.RandomDigits(5) + now.In(wxshared.CST).Format("20060102") + wxshared.RandomDigits(14)
}

// CompleteRefund ends a PROCESSING refund now, as WeChat would after
// RefundDelay: SUCCESS (success_time is Config.Now) unless a
// Fault.RefundOutcome said otherwise. The transaction becomes REFUND once
// its SUCCESS refunds add up to its total; the refund notification goes to
// the refund's notify_url, if it has one. An ABNORMAL refund ends SUCCESS,
// as when a person finishes it through WeChat's abnormal-refund flow (to
// another card). A refund that has ended otherwise gives its view and
// ErrRefundFinal. It is what POST /emulator/refunds/{out_refund_no}/complete
// does.
func (e *Server) CompleteRefund(outRefundNo string) (RefundView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.refunds[outRefundNo]
	switch {
	case !ok:
		return RefundView{}, fmt.Errorf("%w: %q", ErrNoRefund, outRefundNo)
	case r.status != RefundProcessing && r.status != RefundAbnormal:
		return r.view(), fmt.Errorf("%w (%s)", ErrRefundFinal, r.status)
	}
	e.endRefundLocked(r, e.now())
	return r.view(), nil
}

// endRefundLocked ends a PROCESSING or ABNORMAL refund at now: see
// CompleteRefund.
func (e *Server) endRefundLocked(r *refund, now time.Time) {
	if r.status == RefundAbnormal {
		r.status = RefundSuccess // a person finished it
	} else {
		r.status = r.outcome
	}
	if r.status == RefundSuccess {
		r.successTime = now
		if r.txn.refundedFen() == r.txn.total && r.txn.state == tradeSuccess {
			r.txn.state = tradeRefund
		}
	}
	r.notified = r.event(now)
	if r.notifyURL != "" {
		e.notify.Start(wxshared.RefundNotify, r.notifyURL, &r.deliveries, r.notified, false)
	}
}

// Refunds returns the refunds of outTradeNo in the order they were created.
func (e *Server) Refunds(outTradeNo string) []RefundView {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.txns[outTradeNo] == nil {
		return nil
	}
	return refundViews(e.txns[outTradeNo].refunds)
}

func refundViews(rs []*refund) []RefundView {
	vs := make([]RefundView, 0, len(rs))
	for _, r := range rs {
		vs = append(vs, r.view())
	}
	return vs
}

// Refund returns what the emulator knows of outRefundNo.
func (e *Server) Refund(outRefundNo string) (RefundView, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.refunds[outRefundNo]
	if !ok {
		return RefundView{}, false
	}
	return r.view(), true
}

// RefundDeliveries returns every notification attempt for outRefundNo so
// far, in the order they completed.
func (e *Server) RefundDeliveries(outRefundNo string) []notify.Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.refunds[outRefundNo]; ok {
		return append([]notify.Delivery(nil), r.deliveries...)
	}
	return nil
}

// refundedFen is what the transaction's SUCCESS refunds gave back (the
// caller holds e.mu).
func (t *transaction) refundedFen() int64 {
	var fen int64
	for _, r := range t.refunds {
		if r.status == RefundSuccess {
			fen += r.amount
		}
	}
	return fen
}
