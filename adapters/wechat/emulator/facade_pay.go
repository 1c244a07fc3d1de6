package emulator

import (
	"fmt"
	"net/http"
)

// The WeChat Pay methods: each goes to the pay side, or answers as an
// emulator without Config.Pay does.

// SetSignMode switches the key that signs responses and notifications from
// now on. It panics on a SignMode other than the two constants (a
// programming error); without Config.Pay it does nothing.
func (e *Emulator) SetSignMode(m SignMode) {
	if !m.Valid() {
		panic(fmt.Sprintf("emulator: unknown SignMode %q", m))
	}
	if e.pay != nil {
		e.pay.SetSignMode(m)
	}
}

// Transaction returns what the emulator knows of outTradeNo.
func (e *Emulator) Transaction(outTradeNo string) (TransactionView, bool) {
	if e.pay == nil {
		return TransactionView{}, false
	}
	return e.pay.Transaction(outTradeNo)
}

// Deliveries returns every notification attempt for outTradeNo so far, in
// the order they completed.
func (e *Emulator) Deliveries(outTradeNo string) []Delivery {
	if e.pay == nil {
		return nil
	}
	return e.pay.Deliveries(outTradeNo)
}

// QueryCount is how many queries of outTradeNo the emulator served; 0
// without Config.Pay.
func (e *Emulator) QueryCount(outTradeNo string) int {
	if e.pay == nil {
		return 0
	}
	return e.pay.QueryCount(outTradeNo)
}

// CloseCount is how many closes of outTradeNo the emulator served; 0
// without Config.Pay.
func (e *Emulator) CloseCount(outTradeNo string) int {
	if e.pay == nil {
		return 0
	}
	return e.pay.CloseCount(outTradeNo)
}

// RequestPayment does what the WeChat client does when the user confirms a
// payment: it checks the merchant's paySign over
// APPID\nTIMESTAMP\nNONCESTR\nprepay_id=...\n with the merchant's public
// key, pays the transaction, and delivers the TRANSACTION.SUCCESS
// notification in the background. Only NOTPAY and USERPAYING can be paid:
// a transaction already paid (SUCCESS, or REFUND after it) gives
// ErrAlreadyPaid; one CLOSED, PAYERROR or REVOKED, or past time_expire (7
// days without it), cannot be paid; a prepay_id that is not the
// transaction's current one, or is PrepayIDValidity old, gives
// ErrPrepayIDExpired.
func (e *Emulator) RequestPayment(p PaymentRequest) (TransactionView, error) {
	if e.pay == nil {
		return TransactionView{}, ErrPayDisabled
	}
	return e.pay.RequestPayment(p)
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
	return e.pay.PayTransaction(outTradeNo)
}

// SetTradeState moves outTradeNo to state, one of USERPAYING, PAYERROR,
// REVOKED (from NOTPAY or USERPAYING), NOTPAY (back from USERPAYING) or
// REFUND (from SUCCESS). A state WeChat does not have gives
// ErrUnknownTradeState; SUCCESS, CLOSED and any other move give
// ErrTradeStateTransition and leave the transaction as it was. It is what
// PUT /emulator/transactions/{no}/state does.
func (e *Emulator) SetTradeState(outTradeNo, state string) (TransactionView, error) {
	if e.pay == nil {
		return TransactionView{}, ErrPayDisabled
	}
	return e.pay.SetTradeState(outTradeNo, state)
}

// Notification returns the headers and raw body of a signed, encrypted
// TRANSACTION notification for a transaction the emulator knows (any
// state), signed per the current SignMode unless o says otherwise. Nothing
// is sent or recorded: the caller POSTs it wherever it likes.
func (e *Emulator) Notification(outTradeNo string, o NotificationOptions) (http.Header, []byte, error) {
	if e.pay == nil {
		return nil, nil, ErrPayDisabled
	}
	return e.pay.Notification(outTradeNo, o)
}

// SealTransaction signs and encrypts a TRANSACTION notification for a
// transaction described by resource (WeChat's JSON fields: appid, mchid,
// out_trade_no, transaction_id, trade_state, success_time, payer, amount),
// which the emulator need not know: a load generator makes thousands of
// them for orders it wrote itself. Signed per the current SignMode.
func (e *Emulator) SealTransaction(resource map[string]any, o NotificationOptions) (http.Header, []byte, error) {
	if e.pay == nil {
		return nil, nil, ErrPayDisabled
	}
	return e.pay.SealTransaction(resource, o)
}

// ResendNotification pushes the payment notification of a paid transaction
// again now, with the same notification id, as WeChat sometimes does. Its
// attempts are recorded with Duplicate set; it retries like any delivery.
// It is what POST /emulator/transactions/{no}/notify does.
func (e *Emulator) ResendNotification(outTradeNo string) error {
	if e.pay == nil {
		return ErrPayDisabled
	}
	return e.pay.ResendNotification(outTradeNo)
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
func (e *Emulator) CompleteRefund(outRefundNo string) (RefundView, error) {
	if e.pay == nil {
		return RefundView{}, ErrPayDisabled
	}
	return e.pay.CompleteRefund(outRefundNo)
}

// RefundOnPlatform refunds amountFen of outTradeNo as a person does by hand
// on the merchant platform (商户平台 手工退款), which the merchant's service
// never asked for. WeChat Pay checks it as the refund API checks a refund
// and records it like any other (a refund_id, a refund line in the bill of
// its day, found by GET /v3/refund/domestic/refunds/{out_refund_no}); its
// out_refund_no is the refund_id itself, as the platform makes none of the
// merchant's, and it has no notify_url: no notification is ever sent for
// it. status is RefundSuccess ("" too), ended at once (the transaction
// becomes REFUND once refunded in full), or RefundProcessing, which ends
// like any refund (RefundDelay later, or CompleteRefund). Errors:
// ErrBadPlatformRefund (amount not above zero, another status),
// ErrNoTransaction, ErrNotRefundable (not paid, fully refunded, more than
// is left, 50 refunds already). It is what POST
// /emulator/transactions/{no}/refund does.
func (e *Emulator) RefundOnPlatform(outTradeNo string, amountFen int64, status string) (RefundView, error) {
	if e.pay == nil {
		return RefundView{}, ErrPayDisabled
	}
	return e.pay.RefundOnPlatform(outTradeNo, amountFen, status)
}

// Refunds returns the refunds of outTradeNo in the order they were created.
func (e *Emulator) Refunds(outTradeNo string) []RefundView {
	if e.pay == nil {
		return nil
	}
	return e.pay.Refunds(outTradeNo)
}

// Refund returns what the emulator knows of outRefundNo.
func (e *Emulator) Refund(outRefundNo string) (RefundView, bool) {
	if e.pay == nil {
		return RefundView{}, false
	}
	return e.pay.Refund(outRefundNo)
}

// RefundDeliveries returns every notification attempt for outRefundNo so
// far, in the order they completed.
func (e *Emulator) RefundDeliveries(outRefundNo string) []Delivery {
	if e.pay == nil {
		return nil
	}
	return e.pay.RefundDeliveries(outRefundNo)
}

// RefundNotification returns the headers and raw body of a signed,
// encrypted refund notification for a refund the emulator knows (any
// status; event_type per its status unless o says otherwise), signed per
// the current SignMode unless o says otherwise. Nothing is sent or
// recorded: the caller POSTs it wherever it likes.
func (e *Emulator) RefundNotification(outRefundNo string, o NotificationOptions) (http.Header, []byte, error) {
	if e.pay == nil {
		return nil, nil, ErrPayDisabled
	}
	return e.pay.RefundNotification(outRefundNo, o)
}

// ResendRefundNotification pushes the notification of an ended refund
// again now, with the same notification id. Its attempts are recorded with
// Duplicate set; it retries like any delivery. It is what POST
// /emulator/refunds/{out_refund_no}/notify does.
func (e *Emulator) ResendRefundNotification(outRefundNo string) error {
	if e.pay == nil {
		return ErrPayDisabled
	}
	return e.pay.ResendRefundNotification(outRefundNo)
}
