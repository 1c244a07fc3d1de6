package wxpay

import (
	"fmt"
	"net/http"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Notification returns the headers and raw body of a signed, encrypted
// TRANSACTION notification for a transaction the emulator knows (any
// state), signed per the current SignMode unless o says otherwise. Nothing
// is sent or recorded: the caller POSTs it wherever it likes.
func (e *Server) Notification(outTradeNo string, o notify.NotificationOptions) (http.Header, []byte, error) {
	e.mu.Lock()
	t, ok := e.txns[outTradeNo]
	var wire wechatTransaction
	if ok {
		wire = t.wire()
	}
	e.mu.Unlock()
	if !ok {
		return nil, nil, fmt.Errorf("%w: %q", ErrNoTransaction, outTradeNo)
	}
	return e.notify.Forge(wire, notify.OriginalTransaction, notify.EventTransactionSuccess, o)
}

// SealTransaction signs and encrypts a TRANSACTION notification for a
// transaction described by resource (WeChat's JSON fields: appid, mchid,
// out_trade_no, transaction_id, trade_state, success_time, payer, amount),
// which the emulator need not know: a load generator makes thousands of
// them for orders it wrote itself. Signed per the current SignMode.
func (e *Server) SealTransaction(resource map[string]any, o notify.NotificationOptions) (http.Header, []byte, error) {
	return e.notify.Forge(resource, notify.OriginalTransaction, notify.EventTransactionSuccess, o)
}

// ResendNotification pushes the payment notification of a paid transaction
// again now, with the same notification id, as WeChat sometimes does. Its
// attempts are recorded with Duplicate set; it retries like any delivery.
// It is what POST /emulator/transactions/{no}/notify does.
func (e *Server) ResendNotification(outTradeNo string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.txns[outTradeNo]
	switch {
	case !ok:
		return ErrNoTransaction
	case t.paid == nil:
		return ErrNotPaid
	case !e.notify.Start(wxshared.Notify, t.notifyURL, &t.deliveries, t.paid, true):
		return ErrClosed
	}
	return nil
}
