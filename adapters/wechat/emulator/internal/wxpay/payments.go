package wxpay

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The user's side of a payment: what the WeChat client does when the
// mini-program calls wx.requestPayment, and what the console's pay button
// does. The control API (package control) serves both.

// Errors of the pay methods, so that callers (and the control API) can
// tell the cases apart.
var (
	ErrNoTransaction = errors.New("emulator: no such transaction")
	ErrAlreadyPaid   = errors.New("emulator: the transaction is already paid")
	ErrNotPaid       = errors.New("emulator: the transaction is not paid: there is no payment notification")
	ErrClosed        = errors.New("emulator: closed, no notification is sent")
	// ErrPrepayIDExpired: the prepay_id is PrepayIDValidity old, or a
	// later prepay replaced it. The merchant has to prepay again.
	ErrPrepayIDExpired = errors.New("emulator: the prepay_id has expired")
)

// PaymentRequest is the five arguments of wx.requestPayment (APIv3).
type PaymentRequest struct {
	TimeStamp, NonceStr, Package, SignType, PaySign string
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
func (e *Server) RequestPayment(p PaymentRequest) (TransactionView, error) {
	prepayID, isPrepay := strings.CutPrefix(p.Package, "prepay_id=")
	switch {
	case p.SignType != "RSA":
		return TransactionView{}, fmt.Errorf("emulator: signType must be RSA for APIv3, got %q", p.SignType)
	case !isPrepay || prepayID == "":
		return TransactionView{}, fmt.Errorf("emulator: package must be prepay_id=<id>, got %q", p.Package)
	case p.TimeStamp == "" || strings.Trim(p.TimeStamp, "0123456789") != "":
		return TransactionView{}, fmt.Errorf("emulator: timeStamp must be seconds since the epoch, got %q", p.TimeStamp)
	case p.NonceStr == "" || len(p.NonceStr) > 32:
		return TransactionView{}, errors.New("emulator: nonceStr must be 1 to 32 characters")
	}
	msg := e.appID + "\n" + p.TimeStamp + "\n" + p.NonceStr + "\n" + p.Package + "\n"
	if !wxshared.VerifySHA256(&e.keys.MchPrivateKey.PublicKey, msg, p.PaySign) {
		return TransactionView{}, fmt.Errorf("emulator: paySign does not verify with the merchant's key over %q", msg)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.byPrepay[prepayID]
	now := e.now()
	switch {
	case !ok:
		return TransactionView{}, fmt.Errorf("emulator: unknown prepay_id %q", prepayID)
	case t.state == tradeSuccess:
		return t.view(), ErrAlreadyPaid
	case t.state == tradeRefund:
		return t.view(), fmt.Errorf("%w, and refunded (%s)", ErrAlreadyPaid, tradeStateDesc[t.state])
	case t.state == tradeClosed:
		return t.view(), errors.New("emulator: 订单已关闭 (the transaction is closed)")
	case t.state != tradeNotPay && t.state != tradeUserPaying:
		return t.view(), fmt.Errorf("emulator: %s (the transaction is %s, which is final)", tradeStateDesc[t.state], t.state)
	// time_expire before the prepay_id: past it, a new prepay_id would not
	// help.
	case !now.Before(t.payableUntil):
		return t.view(), fmt.Errorf("emulator: 订单已过期 (payable until %s)", t.payableUntil.Format(time.RFC3339))
	case prepayID != t.prepayID:
		return t.view(), fmt.Errorf("%w: prepay_id %q was replaced by a later prepay's; pay with the current one", ErrPrepayIDExpired, prepayID)
	case !now.Before(t.prepayIssuedAt.Add(e.prepayValidity)):
		return t.view(), fmt.Errorf("%w: prepay_id %q was issued at %s and lapsed %s later; prepay again for a new one",
			ErrPrepayIDExpired, prepayID, t.prepayIssuedAt.Format(time.RFC3339), e.prepayValidity)
	}
	t.state = tradeSuccess
	t.transactionID = newTransactionID(now)
	t.successTime = now
	resource, err := json.Marshal(t.wire())
	if err != nil {
		panic(fmt.Sprintf("emulator: encode transaction: %v", err)) // the emulator's own type always encodes
	}
	t.paid = &notify.Event{ID: notify.NewEventID(now), EventType: notify.EventTransactionSuccess, CreateTime: now, OriginalType: notify.OriginalTransaction, Resource: resource}
	e.notify.Start(wxshared.Notify, t.notifyURL, &t.deliveries, t.paid, false)
	return t.view(), nil
}

// newTransactionID gives 28 digits like WeChat's: a fixed-looking prefix,
// the date in Beijing, and random digits.
func newTransactionID(now time.Time) string {
	return "4200001" + wxshared.RandomDigits(3) + now.In(wxshared.CST).Format("20060102") + wxshared.RandomDigits(10)
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
