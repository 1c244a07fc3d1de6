package wxpay

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The user's side of a payment: what the WeChat client does when the
// mini-program calls wx.requestPayment, plus the control routes that let a
// test or a developer look at transactions and push notifications again.
// As in control.go, each route has a Go method doing the same.

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
	e.notify.StartLocked(wxshared.Notify, t.notifyURL, &t.deliveries, t.paid, false)
	return t.view(), nil
}

// newTransactionID gives 28 digits like WeChat's: a fixed-looking prefix,
// the date in Beijing, and random digits.
func newTransactionID(now time.Time) string {
	return "4200001" + wxshared.RandomDigits(3) + now.In(wxshared.CST).Format("20060102") + wxshared.RandomDigits(10)
}

type requestPaymentJSON struct {
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

type transactionJSON struct {
	OutTradeNo     string `json:"out_trade_no"`
	TransactionID  string `json:"transaction_id,omitempty"`
	PrepayID       string `json:"prepay_id"`
	PrepayIssuedAt string `json:"prepay_issued_at"`
	TradeState     string `json:"trade_state"`
	AppID          string `json:"appid"`
	MchID          string `json:"mchid"`
	PayerOpenID    string `json:"payer_openid"`
	NotifyURL      string `json:"notify_url"`
	Description    string `json:"description"`
	Total          int64  `json:"total"`
	SuccessTime    string `json:"success_time,omitempty"`
}

func transactionToJSON(v TransactionView) transactionJSON {
	j := transactionJSON{
		OutTradeNo:     v.OutTradeNo,
		TransactionID:  v.TransactionID,
		PrepayID:       v.PrepayID,
		PrepayIssuedAt: v.PrepayIssuedAt.UTC().Format(time.RFC3339Nano),
		TradeState:     v.TradeState,
		AppID:          v.AppID,
		MchID:          v.MchID,
		PayerOpenID:    v.PayerOpenID,
		NotifyURL:      v.NotifyURL,
		Description:    v.Description,
		Total:          v.Total,
	}
	if !v.SuccessTime.IsZero() {
		j.SuccessTime = v.SuccessTime.UTC().Format(time.RFC3339)
	}
	return j
}

type deliveryJSON struct {
	NotificationID string `json:"notification_id"`
	Attempt        int    `json:"attempt"`
	At             string `json:"at"`
	Status         int    `json:"status"`
	Error          string `json:"error,omitempty"`
	Duplicate      bool   `json:"duplicate"`
	Probe          bool   `json:"probe"`
	Final          bool   `json:"final"`
}

// PostPayment: POST /emulator/payments with the wx.requestPayment
// arguments; 409 if already paid, 400 for any other refusal (an expired
// prepay_id among them).
func (e *Server) PostPayment(w http.ResponseWriter, r *http.Request) {
	var req requestPaymentJSON
	if err := wxshared.DecodeControlBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	v, err := e.RequestPayment(PaymentRequest(req))
	writePaymentResult(w, v, err)
}

// writePaymentResult answers a payment pressed through the control API:
// the transaction as paid, 404 for an unknown one, 409 if it is paid
// already, 400 for any other refusal.
func writePaymentResult(w http.ResponseWriter, v TransactionView, err error) {
	switch {
	case errors.Is(err, ErrNoTransaction):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrAlreadyPaid):
		wxshared.WriteControlError(w, http.StatusConflict, err.Error())
	case err != nil:
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
	default:
		wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, transactionToJSON(v))
	}
}

// GetTransaction: GET /emulator/transactions/{no}, with the notification
// attempts, the served query and close calls (QueryCount, CloseCount) and
// the refunds (Refunds).
func (e *Server) GetTransaction(w http.ResponseWriter, r *http.Request) {
	no := r.PathValue("no")
	e.mu.Lock()
	t, ok := e.txns[no]
	var resp struct {
		transactionJSON
		QueryCount int            `json:"query_count"`
		CloseCount int            `json:"close_count"`
		Deliveries []deliveryJSON `json:"deliveries"`
		Refunds    []refundJSON   `json:"refunds"`
	}
	if ok {
		resp.transactionJSON = transactionToJSON(t.view())
		resp.QueryCount, resp.CloseCount = e.queries[no], e.closes[no]
		resp.Deliveries = deliveriesToJSON(t.deliveries)
		resp.Refunds = make([]refundJSON, 0, len(t.refunds))
		for _, rf := range t.refunds {
			resp.Refunds = append(resp.Refunds, refundToJSON(rf.view()))
		}
	}
	e.mu.Unlock()
	if !ok {
		wxshared.WriteControlError(w, http.StatusNotFound, fmt.Sprintf("no transaction with out_trade_no %q", no))
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, resp)
}

func deliveriesToJSON(ds []notify.Delivery) []deliveryJSON {
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryJSON{
			NotificationID: d.NotificationID, Attempt: d.Attempt, At: d.At.UTC().Format(time.RFC3339Nano),
			Status: d.Status, Error: d.Err, Duplicate: d.Duplicate, Probe: d.Probe, Final: d.Final,
		})
	}
	return out
}

// PostResend: POST /emulator/transactions/{no}/notify; 202, as delivery
// happens in the background.
func (e *Server) PostResend(w http.ResponseWriter, r *http.Request) {
	switch err := e.ResendNotification(r.PathValue("no")); {
	case errors.Is(err, ErrNoTransaction):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
	case err != nil:
		wxshared.WriteControlError(w, http.StatusConflict, err.Error())
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

// PutSignMode: PUT /emulator/pay/sign-mode {"mode":"platform_cert"|"public_key"}
func (e *Server) PutSignMode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Mode wxshared.SignMode `json:"mode"`
	}
	if err := wxshared.DecodeControlBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !req.Mode.Valid() {
		wxshared.WriteControlError(w, http.StatusBadRequest, fmt.Sprintf("mode must be %q or %q", wxshared.SignWithPlatformCert, wxshared.SignWithPublicKey))
		return
	}
	e.SetSignMode(req.Mode)
	w.WriteHeader(http.StatusNoContent)
}
