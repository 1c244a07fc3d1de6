package control

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxpay"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Control routes for refunds: look at one with its notification attempts,
// end it now instead of RefundDelay later, push its notification again,
// and refund a transaction by hand on the merchant platform. Each is a Go
// method of package wxpay too.

type refundJSON struct {
	OutRefundNo         string `json:"out_refund_no"`
	RefundID            string `json:"refund_id"`
	OutTradeNo          string `json:"out_trade_no"`
	TransactionID       string `json:"transaction_id"`
	Status              string `json:"status"`
	Reason              string `json:"reason,omitempty"`
	NotifyURL           string `json:"notify_url,omitempty"`
	Refund              int64  `json:"refund"`
	Total               int64  `json:"total"`
	UserReceivedAccount string `json:"user_received_account"`
	CreateTime          string `json:"create_time"`
	SuccessTime         string `json:"success_time,omitempty"`
	Platform            bool   `json:"platform,omitempty"` // made on the merchant platform
}

func refundToJSON(v wxpay.RefundView) refundJSON {
	j := refundJSON{
		OutRefundNo:         v.OutRefundNo,
		RefundID:            v.RefundID,
		OutTradeNo:          v.OutTradeNo,
		TransactionID:       v.TransactionID,
		Status:              v.Status,
		Reason:              v.Reason,
		NotifyURL:           v.NotifyURL,
		Refund:              v.Refund,
		Total:               v.Total,
		UserReceivedAccount: v.UserReceivedAccount,
		CreateTime:          v.CreateTime.UTC().Format(time.RFC3339Nano),
		Platform:            v.Platform,
	}
	if !v.SuccessTime.IsZero() {
		j.SuccessTime = v.SuccessTime.UTC().Format(time.RFC3339Nano)
	}
	return j
}

// GetRefund: GET /emulator/refunds/{out_refund_no}, with the notification
// attempts.
func (a *API) GetRefund(w http.ResponseWriter, r *http.Request) {
	no := r.PathValue("out_refund_no")
	v, ds, ok := a.pay.RefundDetail(no)
	var resp struct {
		refundJSON
		Deliveries []deliveryJSON `json:"deliveries"`
	}
	if ok {
		resp.refundJSON = refundToJSON(v)
		resp.Deliveries = deliveriesToJSON(ds)
	}
	if !ok {
		wxshared.WriteControlError(w, http.StatusNotFound, fmt.Sprintf("no refund with out_refund_no %q", no))
		return
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, resp)
}

// PostCompleteRefund: POST /emulator/refunds/{out_refund_no}/complete;
// answers the refund as it ended, 404 for an unknown refund, 409 for one
// that has ended already.
func (a *API) PostCompleteRefund(w http.ResponseWriter, r *http.Request) {
	v, err := a.pay.CompleteRefund(r.PathValue("out_refund_no"))
	switch {
	case errors.Is(err, wxpay.ErrNoRefund):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
	case err != nil:
		wxshared.WriteControlError(w, http.StatusConflict, err.Error())
	default:
		wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, refundToJSON(v))
	}
}

// PostRefundResend: POST /emulator/refunds/{out_refund_no}/notify; 202, as
// delivery happens in the background; 409 while the refund is PROCESSING
// or when it has no notify_url.
func (a *API) PostRefundResend(w http.ResponseWriter, r *http.Request) {
	switch err := a.pay.ResendRefundNotification(r.PathValue("out_refund_no")); {
	case errors.Is(err, wxpay.ErrNoRefund):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
	case err != nil:
		wxshared.WriteControlError(w, http.StatusConflict, err.Error())
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

// GetRefunds: GET /emulator/refunds, newest first.
func (a *API) GetRefunds(w http.ResponseWriter, _ *http.Request) {
	views := a.pay.AllRefunds()
	slices.SortFunc(views, func(a, b wxpay.RefundView) int {
		return cmp.Or(b.CreateTime.Compare(a.CreateTime), cmp.Compare(a.OutRefundNo, b.OutRefundNo))
	})
	views = views[:min(len(views), maxListed)]
	items := make([]refundJSON, 0, len(views))
	for _, v := range views {
		items = append(items, refundToJSON(v))
	}
	wxshared.WriteJSON(w, http.StatusOK, wxshared.ContentTypeJSON, map[string]any{"items": items})
}

// PostPlatformRefund: POST /emulator/transactions/{no}/refund
// {"amount_fen": N, "status": "SUCCESS"|"PROCESSING"}, a refund made by
// hand on the merchant platform (wxpay's RefundOnPlatform): 201 with the
// refund, 400 for a bad body, 404 for an unknown transaction, 409 for one
// WeChat Pay would not refund (not paid, fully refunded, more than is
// left).
func (a *API) PostPlatformRefund(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AmountFen *int64 `json:"amount_fen"`
		Status    string `json:"status"`
	}
	if err := decodeBody(w, r, &req); err != nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.AmountFen == nil {
		wxshared.WriteControlError(w, http.StatusBadRequest, "amount_fen is required: the fen to refund")
		return
	}
	v, err := a.pay.RefundOnPlatform(r.PathValue("no"), *req.AmountFen, req.Status)
	switch {
	case errors.Is(err, wxpay.ErrBadPlatformRefund):
		wxshared.WriteControlError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, wxpay.ErrNoTransaction):
		wxshared.WriteControlError(w, http.StatusNotFound, err.Error())
	case err != nil:
		wxshared.WriteControlError(w, http.StatusConflict, err.Error())
	default:
		wxshared.WriteJSON(w, http.StatusCreated, wxshared.ContentTypeJSON, refundToJSON(v))
	}
}
