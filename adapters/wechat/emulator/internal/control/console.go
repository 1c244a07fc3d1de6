package control

import (
	"net/http"

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
//	POST /emulator/transactions/{no}/refund  a refund by hand on the merchant platform (refunds.go)
//	GET  /emulator/refunds                   refunds with their status
//	GET  /emulator/deliveries                every notification attempt (deliveries.go)
//	GET  /emulator/faults                    the faults still queued
//	GET  /emulator/pay/sign-mode             how WeChat Pay signs now
//	GET  /emulator/token                     the access tokens and calls counted (token.go)
//	POST /emulator/token/invalidate          kill the stable token
//	GET  /emulator/shipping                  shipping orders with state and uploads (shipping.go)
//	POST /emulator/shipping/{id}/confirm     the buyer's 确认收货
//	POST /emulator/shipping/{id}/settle      the funds settle now
//	POST /emulator/shipping/{id}/remind      WeChat's 48-hour reminder now
//	GET  /emulator/pushes                    every message push attempt (pushes.go)
//	POST /emulator/push/verify               the admin console's URL check
//	GET  /emulator/phone-codes               codes the getPhoneNumber button gave (phone.go)
//	POST /emulator/phone-codes               the user taps the button
//	PUT  /emulator/phone/country-code-type   countryCode as "86" or 86
//	PUT  /emulator/users/{name}/phone        the user's number
//	GET  /emulator/subscribe-templates       the templates (subscribe.go)
//	GET  /emulator/subscriptions?user=       the user's sends left per template
//	POST /emulator/subscriptions             what wx.requestSubscribeMessage answered
//	GET  /emulator/messages?user=            the messages the phone shows

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
func (a *API) GetTransactions(w http.ResponseWriter, _ *http.Request) {
	txns := a.pay.Transactions(maxListed)
	items := make([]consoleTransactionJSON, 0, len(txns))
	for _, t := range txns {
		items = append(items, consoleTransactionJSON{
			transactionJSON: transactionToJSON(t.TransactionView),
			QueryCount:      t.QueryCount,
			CloseCount:      t.CloseCount,
			Deliveries:      t.Deliveries,
			Refunds:         t.Refunds,
			RefundedTotal:   t.Refunded,
		})
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}

// PostPay: POST /emulator/transactions/{no}/pay; the transaction as paid,
// 404 for an unknown one, 409 if it is paid already, 400 if it cannot be
// paid (closed, failed, expired).
func (a *API) PostPay(w http.ResponseWriter, r *http.Request) {
	v, err := a.pay.PayTransaction(r.PathValue("no"))
	writePaymentResult(w, v, err)
}

// GetSignMode: GET /emulator/pay/sign-mode
func (a *API) GetSignMode(w http.ResponseWriter, _ *http.Request) {
	mode := a.pay.SignMode()
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]wxshared.SignMode{"mode": mode})
}
