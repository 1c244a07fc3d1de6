package wxpay

import (
	"cmp"
	"slices"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// What the order shipping side (package shipping) sees of the payments:
// every paid transaction, read under the pay side's lock and never
// written. Shipping takes its own lock first, then this one.

func (t *transaction) paidView() (wxshared.PaidTransaction, bool) {
	if t.successTime.IsZero() || t.transactionID == "" {
		return wxshared.PaidTransaction{}, false
	}
	return wxshared.PaidTransaction{
		TransactionID: t.transactionID, OutTradeNo: t.outTradeNo, MchID: t.mchID, AppID: t.appID,
		OpenID: t.payerOpenID, Description: t.description, Total: t.total,
		CreateTime: t.prepayIssuedAt, SuccessTime: t.successTime,
		Refunded: t.state == tradeRefund || (t.total > 0 && t.refundedFen() >= t.total),
	}, true
}

// PaidTransaction finds a paid transaction by its transaction_id.
func (e *Server) PaidTransaction(transactionID string) (wxshared.PaidTransaction, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.txns {
		if t.transactionID == transactionID && transactionID != "" {
			return t.paidView()
		}
	}
	return wxshared.PaidTransaction{}, false
}

// PaidByOutTradeNo finds a paid transaction by the merchant's number and
// mchid.
func (e *Server) PaidByOutTradeNo(mchID, outTradeNo string) (wxshared.PaidTransaction, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.txns[outTradeNo]
	if !ok || t.mchID != mchID {
		return wxshared.PaidTransaction{}, false
	}
	return t.paidView()
}

// PaidTransactions returns every paid transaction, the earliest paid
// first (ties by transaction_id).
func (e *Server) PaidTransactions() []wxshared.PaidTransaction {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]wxshared.PaidTransaction, 0, len(e.txns))
	for _, t := range e.txns {
		if p, ok := t.paidView(); ok {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b wxshared.PaidTransaction) int {
		return cmp.Or(a.SuccessTime.Compare(b.SuccessTime), cmp.Compare(a.TransactionID, b.TransactionID))
	})
	return out
}
