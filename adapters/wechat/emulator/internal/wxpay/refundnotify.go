package wxpay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Refund notifications (§9): the payment notification's envelope and
// signature (package notify), with original_type and associated_data
// "refund" and the refund resource below. They are delivered and retried
// like payment notifications; faults of RefundNotify shape them.

// refundEvents is the event_type a refund's status notifies. A PROCESSING
// refund notifies nothing; RefundNotification forges it as the success it
// would become.
var refundEvents = map[string]string{
	RefundSuccess:    "REFUND.SUCCESS",
	RefundAbnormal:   "REFUND.ABNORMAL",
	RefundClosed:     "REFUND.CLOSED",
	RefundProcessing: "REFUND.SUCCESS",
}

// refundResource is the decrypted resource of a refund notification.
type refundResource struct {
	MchID               string             `json:"mchid"`
	OutTradeNo          string             `json:"out_trade_no"`
	TransactionID       string             `json:"transaction_id"`
	OutRefundNo         string             `json:"out_refund_no"`
	RefundID            string             `json:"refund_id"`
	RefundStatus        string             `json:"refund_status"`
	SuccessTime         string             `json:"success_time,omitempty"` // only once SUCCESS
	UserReceivedAccount string             `json:"user_received_account"`
	Amount              refundNotifyAmount `json:"amount"`
}

type refundNotifyAmount struct {
	Total       int64 `json:"total"`
	Refund      int64 `json:"refund"`
	PayerTotal  int64 `json:"payer_total"`
	PayerRefund int64 `json:"payer_refund"`
}

func (r *refund) resource() refundResource {
	res := refundResource{
		MchID:               r.txn.mchID,
		OutTradeNo:          r.txn.outTradeNo,
		TransactionID:       r.txn.transactionID,
		OutRefundNo:         r.outRefundNo,
		RefundID:            r.refundID,
		RefundStatus:        r.status,
		UserReceivedAccount: userReceivedAccount,
		Amount:              refundNotifyAmount{Total: r.txn.total, Refund: r.amount, PayerTotal: r.txn.total, PayerRefund: r.amount},
	}
	if !r.successTime.IsZero() {
		res.SuccessTime = r.successTime.In(wxshared.CST).Format(time.RFC3339)
	}
	return res
}

// event is the notification of r as it is now.
func (r *refund) event(now time.Time) *notify.Event {
	plain, err := json.Marshal(r.resource())
	if err != nil {
		panic(fmt.Sprintf("emulator: encode refund: %v", err)) // the emulator's own type always encodes
	}
	return &notify.Event{ID: notify.NewEventID(now), EventType: refundEvents[r.status], CreateTime: now, OriginalType: notify.OriginalRefund, Resource: plain}
}

// RefundNotification returns the headers and raw body of a signed,
// encrypted refund notification for a refund the emulator knows (any
// status; event_type per its status unless o says otherwise), signed per
// the current SignMode unless o says otherwise. Nothing is sent or
// recorded: the caller POSTs it wherever it likes.
func (e *Server) RefundNotification(outRefundNo string, o notify.NotificationOptions) (http.Header, []byte, error) {
	e.mu.Lock()
	r, ok := e.refunds[outRefundNo]
	var res refundResource
	var eventType string
	if ok {
		res, eventType = r.resource(), refundEvents[r.status]
	}
	e.mu.Unlock()
	if !ok {
		return nil, nil, fmt.Errorf("%w: %q", ErrNoRefund, outRefundNo)
	}
	return e.notify.Forge(res, notify.OriginalRefund, eventType, o)
}

// ResendRefundNotification pushes the notification of an ended refund
// again now, with the same notification id. Its attempts are recorded with
// Duplicate set; it retries like any delivery. It is what POST
// /emulator/refunds/{out_refund_no}/notify does.
func (e *Server) ResendRefundNotification(outRefundNo string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.refunds[outRefundNo]
	switch {
	case !ok:
		return fmt.Errorf("%w: %q", ErrNoRefund, outRefundNo)
	case r.notified == nil:
		return ErrRefundProcessing
	case r.notifyURL == "":
		return ErrNoNotifyURL
	case !e.notify.Start(wxshared.RefundNotify, r.notifyURL, &r.deliveries, r.notified, true):
		return ErrClosed
	}
	return nil
}
