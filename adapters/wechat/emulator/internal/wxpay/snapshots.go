package wxpay

import (
	"cmp"
	"slices"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// What the control API and the console show of the pay side, each taken
// under one lock so that its parts agree.

// TransactionDetail is a transaction with its notification attempts, the
// query and close calls served for it and its refunds.
type TransactionDetail struct {
	TransactionView
	QueryCount, CloseCount int
	Deliveries             []notify.Delivery
	Refunds                []RefundView
}

// TransactionDetail returns what the emulator knows of outTradeNo.
func (e *Server) TransactionDetail(outTradeNo string) (TransactionDetail, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.txns[outTradeNo]
	if !ok {
		return TransactionDetail{}, false
	}
	return TransactionDetail{
		TransactionView: t.view(),
		QueryCount:      e.queries[outTradeNo],
		CloseCount:      e.closes[outTradeNo],
		Deliveries:      append([]notify.Delivery(nil), t.deliveries...),
		Refunds:         refundViews(t.refunds),
	}, true
}

// TransactionSummary is a transaction as the console lists it.
type TransactionSummary struct {
	TransactionView
	QueryCount, CloseCount int
	Deliveries, Refunds    int   // how many
	Refunded               int64 // fen of SUCCESS refunds
}

// Transactions returns at most limit transactions, the latest prepay first
// (a transaction keeps no creation time of its own; a repeat prepay moves
// it up).
func (e *Server) Transactions(limit int) []TransactionSummary {
	e.mu.Lock()
	defer e.mu.Unlock()
	txns := make([]*transaction, 0, len(e.txns))
	for _, t := range e.txns {
		txns = append(txns, t)
	}
	slices.SortFunc(txns, func(a, b *transaction) int {
		return cmp.Or(b.prepayIssuedAt.Compare(a.prepayIssuedAt), cmp.Compare(a.outTradeNo, b.outTradeNo))
	})
	txns = txns[:min(len(txns), limit)]
	out := make([]TransactionSummary, 0, len(txns))
	for _, t := range txns {
		out = append(out, TransactionSummary{
			TransactionView: t.view(),
			QueryCount:      e.queries[t.outTradeNo],
			CloseCount:      e.closes[t.outTradeNo],
			Deliveries:      len(t.deliveries),
			Refunds:         len(t.refunds),
			Refunded:        t.refundedFen(),
		})
	}
	return out
}

// AllRefunds returns every refund, in no particular order.
func (e *Server) AllRefunds() []RefundView {
	e.mu.Lock()
	defer e.mu.Unlock()
	views := make([]RefundView, 0, len(e.refunds))
	for _, r := range e.refunds {
		views = append(views, r.view())
	}
	return views
}

// RefundDetail returns what the emulator knows of outRefundNo, with its
// notification attempts.
func (e *Server) RefundDetail(outRefundNo string) (RefundView, []notify.Delivery, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.refunds[outRefundNo]
	if !ok {
		return RefundView{}, nil, false
	}
	return r.view(), append([]notify.Delivery(nil), r.deliveries...), true
}

// DeliveryRecord is one notification attempt as the console lists it:
// of a payment, or of a refund when OutRefundNo is set.
type DeliveryRecord struct {
	OutTradeNo, OutRefundNo string
	Seq                     int // position in its log, newest last
	notify.Delivery
	// NextRetryAt is when WeChat's schedule makes the next attempt after
	// this failed one; zero when none follows (notify.NextRetryLocked).
	NextRetryAt time.Time
}

// AllDeliveries returns every notification attempt, payment and refund
// alike, in no particular order.
func (e *Server) AllDeliveries() []DeliveryRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []DeliveryRecord
	add := func(outTradeNo, outRefundNo string, log []notify.Delivery) {
		for i := range log {
			r := DeliveryRecord{OutTradeNo: outTradeNo, OutRefundNo: outRefundNo, Seq: i, Delivery: log[i]}
			if next, ok := e.notify.NextRetryLocked(log, i); ok {
				r.NextRetryAt = next
			}
			out = append(out, r)
		}
	}
	for no, t := range e.txns {
		add(no, "", t.deliveries)
	}
	for no, r := range e.refunds {
		add(r.txn.outTradeNo, no, r.deliveries)
	}
	return out
}

// SignMode is how WeChat Pay signs now.
func (e *Server) SignMode() wxshared.SignMode { return e.signer.Mode() }
