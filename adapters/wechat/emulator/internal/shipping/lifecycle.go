package shipping

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/push"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// What the buyer, WeChat and time do to a shipped order, and the orders as
// the control API shows them.

// Order is a shipping order as the console and tests see it: the payment,
// its state now, and everything shipping recorded.
type Order struct {
	TransactionID, OutTradeNo, MchID, OpenID, Description string
	Total                                                 int64 // fen
	PaidAt                                                time.Time
	// SyncedAt is when the shipping APIs see the order (PaidAt +
	// SyncDelay); Synced whether they do now.
	SyncedAt  time.Time
	Synced    bool
	State     int    // order_state, 1 to 6
	StateDesc string // WeChat's name of it
	OrderRecord
}

func (e *Server) viewLocked(p wxshared.PaidTransaction, now time.Time) Order {
	o := e.orders[p.TransactionID]
	v := Order{
		TransactionID: p.TransactionID, OutTradeNo: p.OutTradeNo, MchID: p.MchID, OpenID: p.OpenID,
		Description: p.Description, Total: p.Total, PaidAt: p.SuccessTime, SyncedAt: p.SuccessTime.Add(e.syncDelay),
		Synced: e.synced(p, now), State: stateOf(p, o, now),
	}
	v.StateDesc = StateDesc[v.State]
	if o != nil {
		v.OrderRecord = o.clone()
	} else {
		v.OrderRecord = OrderRecord{TransactionID: p.TransactionID}
	}
	return v
}

// Orders returns at most limit shipping orders, one per paid transaction
// (synced or not yet), the latest paid first.
func (e *Server) Orders(limit int) []Order {
	paid := e.pay.PaidTransactions()
	slices.SortFunc(paid, func(a, b wxshared.PaidTransaction) int {
		return cmp.Or(b.SuccessTime.Compare(a.SuccessTime), cmp.Compare(a.TransactionID, b.TransactionID))
	})
	paid = paid[:min(len(paid), limit)]
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.settleDueLocked(now)
	out := make([]Order, 0, len(paid))
	for _, p := range paid {
		out = append(out, e.viewLocked(p, now))
	}
	return out
}

// Order returns the shipping order of a paid transaction, synced or not.
func (e *Server) Order(transactionID string) (Order, bool) {
	p, ok := e.pay.PaidTransaction(transactionID)
	if !ok {
		return Order{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.settleDueLocked(now)
	return e.viewLocked(p, now), true
}

// MsgJumpPath is what set_msg_jump_path last set.
func (e *Server) MsgJumpPath() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.jumpPath
}

// move finds a synced order, settles what came due, and lets do change it
// under the lock; it answers the order after.
func (e *Server) move(transactionID string, do func(p wxshared.PaidTransaction, o *OrderRecord, state int, now time.Time) error) (Order, error) {
	p, ok := e.pay.PaidTransaction(transactionID)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if !ok || !e.synced(p, now) {
		return Order{}, fmt.Errorf("%w: no paid transaction %q has reached the shipping APIs", ErrNoOrder, transactionID)
	}
	e.settleDueLocked(now)
	if err := do(p, e.orders[p.TransactionID], stateOf(p, e.orders[p.TransactionID], now), now); err != nil {
		return e.viewLocked(p, now), err
	}
	return e.viewLocked(p, now), nil
}

func stateErr(state int, what string) error {
	return fmt.Errorf("%w: the order is %d %s; %s", ErrOrderState, state, StateDesc[state], what)
}

// Confirm does what the buyer does in WeChat when confirming the receipt
// (wx.openBusinessView weappOrderConfirm, or the order's page): a shipped
// order (2) becomes 确认收货 (3), and 资金待结算 (6) PendingSettlementAfter
// later; WeChat pushes trade_manage_order_settlement with
// confirm_receive_method 2 (manual, as documented) and
// confirm_receive_time. Other states give ErrOrderState. It is what POST
// /emulator/shipping/{transaction_id}/confirm does.
func (e *Server) Confirm(transactionID string) (Order, error) {
	return e.move(transactionID, func(p wxshared.PaidTransaction, o *OrderRecord, state int, now time.Time) error {
		if state != StateShipped {
			return stateErr(state, "only a shipped order (2 已发货) can be confirmed")
		}
		o.ConfirmedAt, o.ConfirmReceiveMethod = now, ConfirmManual
		f := orderFields(p)
		f["shipped_time"] = o.ShippedAt.Unix()
		f["confirm_receive_method"] = o.ConfirmReceiveMethod
		f["confirm_receive_time"] = o.ConfirmedAt.Unix()
		e.pushLocked(push.Message{Event: EventOrderSettlement, TransactionID: p.TransactionID, Fields: f})
		return nil
	})
}

// Settle settles the funds of an order now, as WeChat does on its own at
// the estimated settlement time: a confirmed order (3 or 6), or a shipped
// one whose receipt is then confirmed automatically (confirm_receive_method
// 1), becomes 交易完成 (4); WeChat pushes trade_manage_order_settlement with
// confirm_receive_method, confirm_receive_time and settlement_time. Other
// states give ErrOrderState. It is what POST
// /emulator/shipping/{transaction_id}/settle does.
func (e *Server) Settle(transactionID string) (Order, error) {
	return e.move(transactionID, func(p wxshared.PaidTransaction, o *OrderRecord, state int, now time.Time) error {
		switch state {
		case StateShipped, StateConfirmed, StatePendingSet:
			e.settleLocked(p, o, now)
			return nil
		}
		return stateErr(state, "only a shipped or confirmed order can be settled")
	})
}

// settleLocked settles o at at, confirming the receipt automatically if
// the buyer has not, and pushes the settlement.
func (e *Server) settleLocked(p wxshared.PaidTransaction, o *OrderRecord, at time.Time) {
	if o.ConfirmedAt.IsZero() {
		o.ConfirmedAt, o.ConfirmReceiveMethod = at, ConfirmAuto
	}
	o.SettledAt = at
	f := orderFields(p)
	f["shipped_time"] = o.ShippedAt.Unix()
	f["confirm_receive_method"] = o.ConfirmReceiveMethod
	f["confirm_receive_time"] = o.ConfirmedAt.Unix()
	f["settlement_time"] = o.SettledAt.Unix()
	e.pushLocked(push.Message{Event: EventOrderSettlement, TransactionID: p.TransactionID, Fields: f})
}

// Remind pushes trade_manage_remind_shipping for an order still to ship
// (1) now, as WeChat does on its own RemindAfter the payment once the
// mini-program has shipped before. ErrOrderState for an order shipped,
// settled or refunded; ErrUnmanaged when the mini-program is not trade
// managed. It is what POST /emulator/shipping/{transaction_id}/remind
// does.
func (e *Server) Remind(transactionID string) (Order, error) {
	return e.move(transactionID, func(p wxshared.PaidTransaction, o *OrderRecord, state int, now time.Time) error {
		switch {
		case !e.managed:
			return ErrUnmanaged
		case state != StateToShip:
			return stateErr(state, "only an order still to ship (1 待发货) is reminded")
		}
		e.remindLocked(p, e.orderLocked(p), now)
		return nil
	})
}

func (e *Server) remindLocked(p wxshared.PaidTransaction, o *OrderRecord, now time.Time) {
	o.RemindedAt = now
	f := orderFields(p)
	f["msg"] = "你有一笔订单已超过48小时未发货，请尽快发货并录入发货信息"
	e.pushLocked(push.Message{Event: EventRemindShipping, TransactionID: p.TransactionID, Fields: f})
}
