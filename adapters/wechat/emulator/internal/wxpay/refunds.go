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
// below.

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
	var committed int64 // what refunds that may still move money hold
	for _, r := range t.refunds {
		if r.status != RefundClosed {
			committed += r.amount
		}
	}
	switch {
	case q.total != t.total:
		return wechatRefund{}, invalidRequest(fmt.Sprintf("订单金额 amount.total %d 与原订单金额 %d 不一致", q.total, t.total))
	case len(t.refunds) >= maxRefundsPerTransaction:
		return wechatRefund{}, invalidRequest(fmt.Sprintf("该订单已退款 %d 次，达到上限", len(t.refunds)))
	case q.amount > t.total-committed:
		return wechatRefund{}, invalidRequest("申请退款金额超过订单可退金额")
	}
	now := e.now()
	r := &refund{
		txn: t, refundID: newRefundID(now), outRefundNo: q.outRefundNo, reason: q.reason, notifyURL: q.notifyURL,
		amount: q.amount, status: RefundProcessing, outcome: RefundSuccess, createTime: now,
	}
	if f, ok := e.faults.Take(wxshared.RefundOutcomes); ok {
		r.outcome = f.RefundOutcome
	}
	e.refunds[r.outRefundNo] = r
	t.refunds = append(t.refunds, r)
	if !e.manualRefunds {
		e.endRefundLater(r.outRefundNo)
	}
	return r.wire(), nil
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
	now := e.now()
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
	return r.view(), nil
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
