package wxpay

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
)

// State is everything WeChat Pay knows, in a form that survives a restart
// of the emulator (make run keeps it under DATA_DIR): transactions with
// every prepay_id they were given, their refunds, and the notifications
// each sent and how their deliveries went. Faults and call counts are not
// kept: they belong to the run that queued or made them.
type State struct {
	Transactions []TransactionState `json:"transactions"`
}

// TransactionState is one transaction, its refunds in the order they were
// created.
type TransactionState struct {
	AppID          string            `json:"appid"`
	MchID          string            `json:"mchid"`
	Description    string            `json:"description"`
	OutTradeNo     string            `json:"out_trade_no"`
	NotifyURL      string            `json:"notify_url"`
	Attach         string            `json:"attach,omitempty"`
	PayerOpenID    string            `json:"payer_openid"`
	Currency       string            `json:"currency"`
	Total          int64             `json:"total"`
	TimeExpire     time.Time         `json:"time_expire,omitzero"`
	PrepayIDs      []string          `json:"prepay_ids"` // every one issued, the current last
	PrepayIssuedAt time.Time         `json:"prepay_issued_at"`
	PayableUntil   time.Time         `json:"payable_until"`
	TradeState     string            `json:"trade_state"`
	TransactionID  string            `json:"transaction_id,omitempty"`
	SuccessTime    time.Time         `json:"success_time,omitzero"`
	Paid           *notify.Event     `json:"paid,omitempty"`
	Deliveries     []notify.Delivery `json:"deliveries,omitempty"`
	Refunds        []RefundState     `json:"refunds,omitempty"`
}

// RefundState is one refund of a transaction.
type RefundState struct {
	RefundID    string            `json:"refund_id"`
	OutRefundNo string            `json:"out_refund_no"`
	Reason      string            `json:"reason,omitempty"`
	NotifyURL   string            `json:"notify_url,omitempty"`
	Amount      int64             `json:"amount"`
	Status      string            `json:"status"`
	Outcome     string            `json:"outcome"`
	CreateTime  time.Time         `json:"create_time"`
	SuccessTime time.Time         `json:"success_time,omitzero"`
	Notified    *notify.Event     `json:"notified,omitempty"`
	Deliveries  []notify.Delivery `json:"deliveries,omitempty"`
	Platform    bool              `json:"platform,omitempty"` // made on the merchant platform (RefundOnPlatform)
}

// State returns a copy of what the pay side knows, transactions in the
// order their out_trade_no sorts (a stable file for a stable state).
func (e *Server) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	prepayIDs := make(map[*transaction][]string, len(e.txns))
	for id, t := range e.byPrepay {
		if id != t.prepayID {
			prepayIDs[t] = append(prepayIDs[t], id)
		}
	}
	s := State{Transactions: make([]TransactionState, 0, len(e.txns))}
	for _, no := range slices.Sorted(maps.Keys(e.txns)) {
		t := e.txns[no]
		ids := append(slices.Sorted(slices.Values(prepayIDs[t])), t.prepayID)
		ts := TransactionState{
			AppID: t.appID, MchID: t.mchID, Description: t.description, OutTradeNo: t.outTradeNo, NotifyURL: t.notifyURL,
			Attach: t.attach, PayerOpenID: t.payerOpenID, Currency: t.currency, Total: t.total, TimeExpire: t.timeExpire,
			PrepayIDs: ids, PrepayIssuedAt: t.prepayIssuedAt, PayableUntil: t.payableUntil, TradeState: t.state,
			TransactionID: t.transactionID, SuccessTime: t.successTime, Paid: t.paid,
			Deliveries: append([]notify.Delivery(nil), t.deliveries...),
		}
		for _, r := range t.refunds {
			ts.Refunds = append(ts.Refunds, RefundState{
				RefundID: r.refundID, OutRefundNo: r.outRefundNo, Reason: r.reason, NotifyURL: r.notifyURL, Amount: r.amount,
				Status: r.status, Outcome: r.outcome, CreateTime: r.createTime, SuccessTime: r.successTime, Notified: r.notified,
				Deliveries: append([]notify.Delivery(nil), r.deliveries...), Platform: r.platform,
			})
		}
		s.Transactions = append(s.Transactions, ts)
	}
	return s
}

// Restore makes the pay side know what s says, before it serves anything.
// A refund still PROCESSING ends on its own again, RefundDelay from now
// (unless ManualRefunds), as it would have had the emulator not stopped.
// Notifications whose deliveries the stop cut short are not sent again:
// the merchant's own queries find those payments, as with WeChat when
// every retry fails.
func (e *Server) Restore(s State) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.txns) > 0 {
		return fmt.Errorf("restore: the pay side already holds %d transactions", len(e.txns))
	}
	var processing []string
	for _, ts := range s.Transactions {
		if ts.OutTradeNo == "" || len(ts.PrepayIDs) == 0 {
			return fmt.Errorf("restore: a transaction without out_trade_no or prepay_id")
		}
		if _, dup := e.txns[ts.OutTradeNo]; dup {
			return fmt.Errorf("restore: transaction %s twice", ts.OutTradeNo)
		}
		t := &transaction{
			order: order{appID: ts.AppID, mchID: ts.MchID, description: ts.Description, outTradeNo: ts.OutTradeNo, notifyURL: ts.NotifyURL,
				attach: ts.Attach, payerOpenID: ts.PayerOpenID, currency: ts.Currency, total: ts.Total},
			timeExpire: ts.TimeExpire, prepayID: ts.PrepayIDs[len(ts.PrepayIDs)-1], prepayIssuedAt: ts.PrepayIssuedAt,
			payableUntil: ts.PayableUntil, state: ts.TradeState, transactionID: ts.TransactionID, successTime: ts.SuccessTime,
			paid: ts.Paid, deliveries: ts.Deliveries,
		}
		e.txns[t.outTradeNo] = t
		for _, id := range ts.PrepayIDs {
			e.byPrepay[id] = t
		}
		for _, rs := range ts.Refunds {
			if _, dup := e.refunds[rs.OutRefundNo]; dup || rs.OutRefundNo == "" {
				return fmt.Errorf("restore: refund %q missing or twice", rs.OutRefundNo)
			}
			r := &refund{
				txn: t, refundID: rs.RefundID, outRefundNo: rs.OutRefundNo, reason: rs.Reason, notifyURL: rs.NotifyURL,
				amount: rs.Amount, status: rs.Status, outcome: rs.Outcome, createTime: rs.CreateTime, successTime: rs.SuccessTime,
				notified: rs.Notified, deliveries: rs.Deliveries, platform: rs.Platform,
			}
			e.refunds[r.outRefundNo] = r
			t.refunds = append(t.refunds, r)
			if r.status == RefundProcessing {
				processing = append(processing, r.outRefundNo)
			}
		}
	}
	if !e.manualRefunds {
		for _, no := range processing {
			e.endRefundLater(no)
		}
	}
	return nil
}
