package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Refund notifications (§9): the payment notification's envelope and
// signature (notify.go), with original_type and associated_data "refund"
// and the refund resource below. They are delivered and retried like
// payment notifications (notifydelivery.go); faults of RefundNotify shape
// them.

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
		res.SuccessTime = r.successTime.In(cst).Format(time.RFC3339)
	}
	return res
}

// event is the notification of r as it is now.
func (r *refund) event(now time.Time) *event {
	plain, err := json.Marshal(r.resource())
	if err != nil {
		panic(fmt.Sprintf("emulator: encode refund: %v", err)) // the emulator's own type always encodes
	}
	return &event{id: newEventID(now), eventType: refundEvents[r.status], createTime: now, originalType: originalRefund, resource: plain}
}

// RefundNotification returns the headers and raw body of a signed,
// encrypted refund notification for a refund the emulator knows (any
// status; event_type per its status unless o says otherwise), signed per
// the current SignMode unless o says otherwise. Nothing is sent or
// recorded: the caller POSTs it wherever it likes.
func (e *Emulator) RefundNotification(outRefundNo string, o NotificationOptions) (http.Header, []byte, error) {
	e.mu.Lock()
	if e.pay == nil {
		e.mu.Unlock()
		return nil, nil, ErrPayDisabled
	}
	r, ok := e.pay.refunds[outRefundNo]
	var res refundResource
	var eventType string
	if ok {
		res, eventType = r.resource(), refundEvents[r.status]
	}
	e.mu.Unlock()
	if !ok {
		return nil, nil, fmt.Errorf("%w: %q", ErrNoRefund, outRefundNo)
	}
	return e.forge(res, originalRefund, eventType, o)
}

// ResendRefundNotification pushes the notification of an ended refund
// again now, with the same notification id. Its attempts are recorded with
// Duplicate set; it retries like any delivery. It is what POST
// /emulator/refunds/{out_refund_no}/notify does.
func (e *Emulator) ResendRefundNotification(outRefundNo string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pay == nil {
		return ErrPayDisabled
	}
	r, ok := e.pay.refunds[outRefundNo]
	switch {
	case !ok:
		return fmt.Errorf("%w: %q", ErrNoRefund, outRefundNo)
	case r.notified == nil:
		return ErrRefundProcessing
	case r.notifyURL == "":
		return ErrNoNotifyURL
	case !e.startDeliveryLocked(RefundNotify, r.notifyURL, &r.deliveries, r.notified, true):
		return ErrClosed
	}
	return nil
}
