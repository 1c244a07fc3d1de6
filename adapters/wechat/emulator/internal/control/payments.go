package control

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxpay"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The user's side of a payment (what the WeChat client does when the
// mini-program calls wx.requestPayment) and the routes that let a test or
// a developer look at transactions, push their notifications again and put
// them in the trade states nothing else produces (package wxpay).

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

func transactionToJSON(v wxpay.TransactionView) transactionJSON {
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
func (a *API) PostPayment(w http.ResponseWriter, r *http.Request) {
	var req requestPaymentJSON
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	v, err := a.pay.RequestPayment(wxpay.PaymentRequest(req))
	writePaymentResult(w, v, err)
}

// writePaymentResult answers a payment pressed through the control API:
// the transaction as paid, 404 for an unknown one, 409 if it is paid
// already, 400 for any other refusal.
func writePaymentResult(w http.ResponseWriter, v wxpay.TransactionView, err error) {
	switch {
	case errors.Is(err, wxpay.ErrNoTransaction):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, wxpay.ErrAlreadyPaid):
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
func (a *API) GetTransaction(w http.ResponseWriter, r *http.Request) {
	no := r.PathValue("no")
	t, ok := a.pay.TransactionDetail(no)
	var resp struct {
		transactionJSON
		QueryCount int            `json:"query_count"`
		CloseCount int            `json:"close_count"`
		Deliveries []deliveryJSON `json:"deliveries"`
		Refunds    []refundJSON   `json:"refunds"`
	}
	if ok {
		resp.transactionJSON = transactionToJSON(t.TransactionView)
		resp.QueryCount, resp.CloseCount = t.QueryCount, t.CloseCount
		resp.Deliveries = deliveriesToJSON(t.Deliveries)
		resp.Refunds = make([]refundJSON, 0, len(t.Refunds))
		for _, v := range t.Refunds {
			resp.Refunds = append(resp.Refunds, refundToJSON(v))
		}
	}
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
func (a *API) PostResend(w http.ResponseWriter, r *http.Request) {
	switch err := a.pay.ResendNotification(r.PathValue("no")); {
	case errors.Is(err, wxpay.ErrNoTransaction):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
	case err != nil:
		wxshared.WriteControlError(w, http.StatusConflict, err.Error())
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

// PutSignMode: PUT /emulator/pay/sign-mode {"mode":"platform_cert"|"public_key"}
func (a *API) PutSignMode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Mode wxshared.SignMode `json:"mode"`
	}
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !req.Mode.Valid() {
		wxshared.WriteControlError(w, http.StatusBadRequest, fmt.Sprintf("mode must be %q or %q", wxshared.SignWithPlatformCert, wxshared.SignWithPublicKey))
		return
	}
	a.pay.SetSignMode(req.Mode)
	w.WriteHeader(http.StatusNoContent)
}

// PutTradeState: PUT /emulator/transactions/{no}/state
// {"trade_state":"USERPAYING"}; answers the transaction, or 404 for an
// unknown transaction, 400 for an unknown state, 409 for a move
// SetTradeState refuses.
func (a *API) PutTradeState(w http.ResponseWriter, r *http.Request) {
	var req struct {
		TradeState string `json:"trade_state"`
	}
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	v, err := a.pay.SetTradeState(r.PathValue("no"), req.TradeState)
	switch {
	case errors.Is(err, wxpay.ErrNoTransaction):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, wxpay.ErrUnknownTradeState):
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		wxshared.WriteControlError(w, http.StatusConflict, err.Error())
	default:
		wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, transactionToJSON(v))
	}
}
