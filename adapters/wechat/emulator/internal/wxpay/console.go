package wxpay

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Listing routes for the emulator's web console (api/console serves the
// page; Config.Console mounts it): everything "WeChat" has seen, newest
// first, plus the buttons a developer presses where a phone would be. They
// are described in control.openapi.yaml beside this file, from which the
// console's client is generated.
//
//	GET  /emulator/users                     test users, their logins and live codes
//	GET  /emulator/transactions              transactions with their state
//	POST /emulator/transactions/{no}/pay     the user pays (no paySign needed)
//	GET  /emulator/refunds                   refunds with their status
//	GET  /emulator/deliveries                every notification attempt (console_deliveries.go)
//	GET  /emulator/faults                    the faults still queued
//	GET  /emulator/pay/sign-mode             how WeChat Pay signs now

// maxListed bounds every list: the console shows the recent past, and a
// long-running `make run` must not answer megabytes.
const maxListed = 200

type consoleTransactionJSON struct {
	transactionJSON
	QueryCount    int   `json:"query_count"`
	CloseCount    int   `json:"close_count"`
	Deliveries    int   `json:"deliveries"`
	Refunds       int   `json:"refunds"`
	RefundedTotal int64 `json:"refunded"` // fen of SUCCESS refunds
}

// GetTransactions: GET /emulator/transactions, the latest prepay first
// (a transaction keeps no creation time of its own; a repeat prepay moves
// it up, which is what a developer watching it wants).
func (e *Server) GetTransactions(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	txns := make([]*transaction, 0, len(e.txns))
	for _, t := range e.txns {
		txns = append(txns, t)
	}
	slices.SortFunc(txns, func(a, b *transaction) int {
		return cmp.Or(b.prepayIssuedAt.Compare(a.prepayIssuedAt), cmp.Compare(a.outTradeNo, b.outTradeNo))
	})
	txns = txns[:min(len(txns), maxListed)]
	items := make([]consoleTransactionJSON, 0, len(txns))
	for _, t := range txns {
		j := consoleTransactionJSON{
			transactionJSON: transactionToJSON(t.view()),
			QueryCount:      e.queries[t.outTradeNo],
			CloseCount:      e.closes[t.outTradeNo],
			Deliveries:      len(t.deliveries),
			Refunds:         len(t.refunds),
			RefundedTotal:   t.refundedFen(),
		}
		items = append(items, j)
	}
	e.mu.Unlock()
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}

// GetRefunds: GET /emulator/refunds, newest first.
func (e *Server) GetRefunds(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	views := make([]RefundView, 0, len(e.refunds))
	for _, r := range e.refunds {
		views = append(views, r.view())
	}
	e.mu.Unlock()
	slices.SortFunc(views, func(a, b RefundView) int {
		return cmp.Or(b.CreateTime.Compare(a.CreateTime), cmp.Compare(a.OutRefundNo, b.OutRefundNo))
	})
	views = views[:min(len(views), maxListed)]
	items := make([]refundJSON, 0, len(views))
	for _, v := range views {
		items = append(items, refundToJSON(v))
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}

// PayTransaction pays outTradeNo as its user would, from the emulator's
// console, where no mini-program hands over the wx.requestPayment
// arguments: it signs them with the merchant's key (which the emulator
// generated, so it has it) over the current prepay_id and goes through
// RequestPayment, so every check and the notification are the same.
func (e *Server) PayTransaction(outTradeNo string) (TransactionView, error) {
	e.mu.Lock()
	t, ok := e.txns[outTradeNo]
	var prepayID string
	if ok {
		prepayID = t.prepayID
	}
	now := e.now()
	e.mu.Unlock()
	if !ok {
		return TransactionView{}, fmt.Errorf("%w: %q", ErrNoTransaction, outTradeNo)
	}
	p := PaymentRequest{
		TimeStamp: strconv.FormatInt(now.Unix(), 10),
		NonceStr:  wxshared.RandomAlnum(32),
		Package:   "prepay_id=" + prepayID,
		SignType:  "RSA",
	}
	sig, err := wxshared.SignSHA256(e.keys.MchPrivateKey, e.appID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n")
	if err != nil {
		return TransactionView{}, fmt.Errorf("emulator: sign the payment: %w", err)
	}
	p.PaySign = sig
	return e.RequestPayment(p)
}

// PostPay: POST /emulator/transactions/{no}/pay; the transaction as paid,
// 404 for an unknown one, 409 if it is paid already, 400 if it cannot be
// paid (closed, failed, expired).
func (e *Server) PostPay(w http.ResponseWriter, r *http.Request) {
	v, err := e.PayTransaction(r.PathValue("no"))
	writePaymentResult(w, v, err)
}

// GetSignMode: GET /emulator/pay/sign-mode
func (e *Server) GetSignMode(w http.ResponseWriter, _ *http.Request) {
	mode := e.signer.Mode()
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]wxshared.SignMode{"mode": mode})
}
