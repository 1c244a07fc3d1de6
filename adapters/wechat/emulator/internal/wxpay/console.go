package emulator

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
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

type codeJSON struct {
	Code      string `json:"code"`
	ExpiresAt string `json:"expires_at"`
	Used      bool   `json:"used"`
}

type consoleUserJSON struct {
	userResponse
	Codes []codeJSON `json:"codes"`
}

// getUsers: GET /emulator/users, by name, each with the codes minted for it
// that have not been forgotten yet (expired codes are pruned).
func (e *Emulator) getUsers(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	items := make([]consoleUserJSON, 0, len(e.users))
	byUser := make(map[*user][]codeJSON)
	for code, c := range e.codes {
		byUser[c.user] = append(byUser[c.user], codeJSON{Code: code, ExpiresAt: c.expiresAt.UTC().Format(time.RFC3339), Used: c.used})
	}
	for _, u := range e.users {
		j := consoleUserJSON{userResponse: u.view().response()}
		j.Codes = byUser[u]
		if j.Codes == nil {
			j.Codes = []codeJSON{}
		}
		slices.SortFunc(j.Codes, func(a, b codeJSON) int { return cmp.Compare(b.ExpiresAt, a.ExpiresAt) })
		items = append(items, j)
	}
	e.mu.Unlock()
	slices.SortFunc(items, func(a, b consoleUserJSON) int { return cmp.Compare(a.User, b.User) })
	writeJSON(w, http.StatusOK, contentTypeJSON, map[string]any{"items": items})
}

type consoleTransactionJSON struct {
	transactionJSON
	QueryCount    int   `json:"query_count"`
	CloseCount    int   `json:"close_count"`
	Deliveries    int   `json:"deliveries"`
	Refunds       int   `json:"refunds"`
	RefundedTotal int64 `json:"refunded"` // fen of SUCCESS refunds
}

// getTransactions: GET /emulator/transactions, the latest prepay first
// (a transaction keeps no creation time of its own; a repeat prepay moves
// it up, which is what a developer watching it wants).
func (e *Emulator) getTransactions(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	txns := make([]*transaction, 0, len(e.pay.txns))
	for _, t := range e.pay.txns {
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
			QueryCount:      e.pay.queries[t.outTradeNo],
			CloseCount:      e.pay.closes[t.outTradeNo],
			Deliveries:      len(t.deliveries),
			Refunds:         len(t.refunds),
			RefundedTotal:   t.refundedFen(),
		}
		items = append(items, j)
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, contentTypeJSON, map[string]any{"items": items})
}

// getRefunds: GET /emulator/refunds, newest first.
func (e *Emulator) getRefunds(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	views := make([]RefundView, 0, len(e.pay.refunds))
	for _, r := range e.pay.refunds {
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
	writeJSON(w, http.StatusOK, contentTypeJSON, map[string]any{"items": items})
}

// PayTransaction pays outTradeNo as its user would, from the emulator's
// console, where no mini-program hands over the wx.requestPayment
// arguments: it signs them with the merchant's key (which the emulator
// generated, so it has it) over the current prepay_id and goes through
// RequestPayment, so every check and the notification are the same.
func (e *Emulator) PayTransaction(outTradeNo string) (TransactionView, error) {
	if e.pay == nil {
		return TransactionView{}, ErrPayDisabled
	}
	e.mu.Lock()
	t, ok := e.pay.txns[outTradeNo]
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
		NonceStr:  randomAlnum(32),
		Package:   "prepay_id=" + prepayID,
		SignType:  "RSA",
	}
	sig, err := signSHA256(e.pay.keys.MchPrivateKey, e.appID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n")
	if err != nil {
		return TransactionView{}, fmt.Errorf("emulator: sign the payment: %w", err)
	}
	p.PaySign = sig
	return e.RequestPayment(p)
}

// postPay: POST /emulator/transactions/{no}/pay; the transaction as paid,
// 404 for an unknown one, 409 if it is paid already, 400 if it cannot be
// paid (closed, failed, expired).
func (e *Emulator) postPay(w http.ResponseWriter, r *http.Request) {
	v, err := e.PayTransaction(r.PathValue("no"))
	writePaymentResult(w, v, err)
}

// getFaults: GET /emulator/faults, queued faults in the order they will
// be used, with the calls each has left (times).
func (e *Emulator) getFaults(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	items := []faultJSON{}
	// By endpoint, so the answer is stable; each queue in the order it
	// will be used.
	endpoints := slices.Sorted(maps.Keys(e.faults))
	for _, ep := range endpoints {
		for _, f := range e.faults[ep] {
			items = append(items, faultJSON{
				Endpoint: f.Endpoint, ErrCode: f.ErrCode, Code: f.Code, ErrMsg: f.ErrMsg,
				DelayMS: f.Delay.Milliseconds(), HTTPStatus: f.HTTPStatus, Duplicate: f.Duplicate,
				Drop: f.Drop, SignTest: f.SignTest, RefundOutcome: f.RefundOutcome, Times: f.Times,
			})
		}
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, contentTypeJSON, map[string]any{"items": items})
}

// getSignMode: GET /emulator/pay/sign-mode
func (e *Emulator) getSignMode(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	mode := e.pay.signMode
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, contentTypeJSON, map[string]SignMode{"mode": mode})
}
