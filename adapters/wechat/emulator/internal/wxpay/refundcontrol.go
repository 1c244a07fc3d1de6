package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Control routes for refunds: look at one with its notification attempts,
// end it now instead of RefundDelay later, push its notification again.
// Each is a Go method too (refunds.go, refundnotify.go).

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
}

func refundToJSON(v RefundView) refundJSON {
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
	}
	if !v.SuccessTime.IsZero() {
		j.SuccessTime = v.SuccessTime.UTC().Format(time.RFC3339Nano)
	}
	return j
}

// getRefund: GET /emulator/refunds/{out_refund_no}, with the notification
// attempts.
func (e *Emulator) getRefund(w http.ResponseWriter, r *http.Request) {
	no := r.PathValue("out_refund_no")
	e.mu.Lock()
	rf, ok := e.pay.refunds[no]
	var resp struct {
		refundJSON
		Deliveries []deliveryJSON `json:"deliveries"`
	}
	if ok {
		resp.refundJSON = refundToJSON(rf.view())
		resp.Deliveries = deliveriesToJSON(rf.deliveries)
	}
	e.mu.Unlock()
	if !ok {
		writeControlError(w, http.StatusNotFound, fmt.Sprintf("no refund with out_refund_no %q", no))
		return
	}
	writeJSON(w, http.StatusOK, contentTypeJSON, resp)
}

// postCompleteRefund: POST /emulator/refunds/{out_refund_no}/complete;
// answers the refund as it ended, 404 for an unknown refund, 409 for one
// that has ended already.
func (e *Emulator) postCompleteRefund(w http.ResponseWriter, r *http.Request) {
	v, err := e.CompleteRefund(r.PathValue("out_refund_no"))
	switch {
	case errors.Is(err, ErrNoRefund):
		writeControlError(w, http.StatusNotFound, err.Error())
	case err != nil:
		writeControlError(w, http.StatusConflict, err.Error())
	default:
		writeJSON(w, http.StatusOK, contentTypeJSON, refundToJSON(v))
	}
}

// postRefundResend: POST /emulator/refunds/{out_refund_no}/notify; 202, as
// delivery happens in the background; 409 while the refund is PROCESSING
// or when it has no notify_url.
func (e *Emulator) postRefundResend(w http.ResponseWriter, r *http.Request) {
	switch err := e.ResendRefundNotification(r.PathValue("out_refund_no")); {
	case errors.Is(err, ErrNoRefund):
		writeControlError(w, http.StatusNotFound, err.Error())
	case err != nil:
		writeControlError(w, http.StatusConflict, err.Error())
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}
