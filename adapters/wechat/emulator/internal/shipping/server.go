package shipping

import (
	"errors"
	"sync"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/push"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Times of WeChat's shipping management (§14).
const (
	// DefaultSyncDelay is how long after a payment its order reaches the
	// shipping APIs when Config.SyncDelay is zero ("wait ≥1 min/≈10 s").
	DefaultSyncDelay = 10 * time.Second
	// RemindAfter: an order not shipped this long after payment is
	// reminded (trade_manage_remind_shipping), once the mini-program has
	// shipped before.
	RemindAfter = 48 * time.Hour
	// SettleAfterExpress and SettleAfterOther are when the funds settle
	// after shipping if nothing else happens (T+10 by express, T+2
	// otherwise; UNCONFIRMED in §14): estimated_settlement_time.
	SettleAfterExpress = 10 * 24 * time.Hour
	SettleAfterOther   = 2 * 24 * time.Hour
	// PendingSettlementAfter is how long a confirmed order is 确认收货 (3)
	// before it is 资金待结算 (6).
	PendingSettlementAfter = time.Minute
	// sweepEvery is how often, in real time, the background looks for
	// orders to remind or settle by Config.Now's clock.
	sweepEvery = time.Second
)

// order_state values (§14).
const (
	StateToShip     = 1 // 待发货
	StateShipped    = 2 // 已发货
	StateConfirmed  = 3 // 确认收货
	StateCompleted  = 4 // 交易完成
	StateRefunded   = 5 // 已退款
	StatePendingSet = 6 // 资金待结算
)

// StateDesc is WeChat's name of each order_state.
var StateDesc = map[int]string{
	StateToShip: "待发货", StateShipped: "已发货", StateConfirmed: "确认收货",
	StateCompleted: "交易完成", StateRefunded: "已退款", StatePendingSet: "资金待结算",
}

// confirm_receive_method, as documented: 1 automatic, 2 manual.
const (
	ConfirmAuto   = 1
	ConfirmManual = 2
)

// Config is how the mini-program takes part in shipping management.
type Config struct {
	// SyncDelay is how long after a payment (by Config.Now) its order
	// reaches the shipping APIs; before, they answer 10060001. Zero means
	// DefaultSyncDelay; a negative value means at once.
	SyncDelay time.Duration
	// Unmanaged says the mini-program is not in 发货信息管理
	// (is_trade_managed false, the confirmation not completed): its APIs
	// still work, but no trade_manage_* event is pushed.
	Unmanaged bool
}

// Payments is what shipping reads of WeChat Pay (package wxpay).
type Payments interface {
	PaidTransaction(transactionID string) (wxshared.PaidTransaction, bool)
	PaidByOutTradeNo(mchID, outTradeNo string) (wxshared.PaidTransaction, bool)
	PaidTransactions() []wxshared.PaidTransaction
}

// Pusher sends a message to the mini-program's server (package push).
type Pusher interface {
	Send(push.Message) bool
}

// Errors of the buyer's and the console's moves (lifecycle.go).
var (
	ErrNoOrder    = errors.New("emulator: no such shipping order")
	ErrOrderState = errors.New("emulator: the shipping order is not in a state that allows it")
	ErrUnmanaged  = errors.New("emulator: the mini-program is not trade managed: WeChat pushes no trade_manage event")
)

// Server is the order shipping side of an Emulator.
type Server struct {
	appID      string
	now        func() time.Time
	syncDelay  time.Duration
	managed    bool
	api        wxshared.ErrcodeAPI
	checkToken wxshared.TokenCheck
	pay        Payments
	push       Pusher // nil without a push target

	mu          sync.Mutex
	orders      map[string]*OrderRecord // by transaction_id, once something happened to it
	jumpPath    string
	shippedEver bool // some order was shipped: reminders are sent from then on
}

// New returns the shipping side over pay; pusher may be nil. Its sweep
// (reminders, settlements that come due) runs on bg until Close.
func New(cfg Config, appID string, now func() time.Time, faults *wxshared.Faults, checkToken wxshared.TokenCheck,
	pay Payments, pusher Pusher, bg *wxshared.Background) *Server {
	e := &Server{
		appID: appID, now: now, managed: !cfg.Unmanaged, checkToken: checkToken, pay: pay, push: pusher,
		api:    wxshared.ErrcodeAPI{Now: now, Faults: faults, RIDSep: wxshared.RIDSpace},
		orders: make(map[string]*OrderRecord),
	}
	switch {
	case cfg.SyncDelay == 0:
		e.syncDelay = DefaultSyncDelay
	case cfg.SyncDelay > 0:
		e.syncDelay = cfg.SyncDelay
	}
	bg.Go(func() {
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			select {
			case <-bg.Stopped().Done():
				return
			case <-t.C:
				e.Sweep()
			}
		}
	})
	return e
}

// Managed says whether the mini-program is in shipping management.
func (e *Server) Managed() bool { return e.managed }

// synced says whether p's order has reached the shipping APIs at now.
func (e *Server) synced(p wxshared.PaidTransaction, now time.Time) bool {
	return !now.Before(p.SuccessTime.Add(e.syncDelay))
}

// stateOf is p's order_state at now, given what shipping recorded (o may
// be nil: nothing yet).
func stateOf(p wxshared.PaidTransaction, o *OrderRecord, now time.Time) int {
	switch {
	case p.Refunded:
		return StateRefunded
	case o == nil:
		return StateToShip
	case !o.SettledAt.IsZero():
		return StateCompleted
	case !o.ConfirmedAt.IsZero() && now.Before(o.ConfirmedAt.Add(PendingSettlementAfter)):
		return StateConfirmed
	case !o.ConfirmedAt.IsZero():
		return StatePendingSet
	case o.FinishShipping:
		return StateShipped
	}
	return StateToShip
}

// settleAfter is how long after shipping the funds settle on their own.
func settleAfter(logisticsType int) time.Duration {
	if logisticsType == logisticsExpress {
		return SettleAfterExpress
	}
	return SettleAfterOther
}

// pushLocked sends m if the mini-program is managed and has a push target.
func (e *Server) pushLocked(m push.Message) {
	if e.managed && e.push != nil {
		e.push.Send(m)
	}
}

// orderFields are the fields every trade_manage event about p carries.
func orderFields(p wxshared.PaidTransaction) map[string]any {
	return map[string]any{
		"transaction_id":    p.TransactionID,
		"merchant_id":       p.MchID,
		"sub_merchant_id":   "",
		"merchant_trade_no": p.OutTradeNo,
		"pay_time":          p.SuccessTime.Unix(),
	}
}

// Sweep does what time does to the orders at Config.Now: the funds of a
// shipped order settle at its estimated settlement time (confirming the
// receipt automatically if the buyer has not), and an order unshipped
// RemindAfter its payment is reminded, once the mini-program has shipped
// before. The background runs it every second; every API and control call
// settles what came due first.
func (e *Server) Sweep() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.settleDueLocked(now)
	if !e.shippedEver {
		return
	}
	for _, p := range e.pay.PaidTransactions() {
		o := e.orders[p.TransactionID]
		if !e.synced(p, now) || stateOf(p, o, now) != StateToShip || now.Before(p.SuccessTime.Add(RemindAfter)) ||
			(o != nil && !o.RemindedAt.IsZero()) {
			continue
		}
		e.remindLocked(p, e.orderLocked(p), now)
	}
}

// settleDue settles what came due by now.
func (e *Server) settleDue() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleDueLocked(e.now())
}

// settleDueLocked settles every order whose estimated settlement time has
// come.
func (e *Server) settleDueLocked(now time.Time) {
	for id, o := range e.orders {
		if o.SettledAt.IsZero() && o.FinishShipping && !now.Before(o.EstimatedSettlementAt) {
			if p, ok := e.pay.PaidTransaction(id); ok && !p.Refunded {
				e.settleLocked(p, o, o.EstimatedSettlementAt)
			}
		}
	}
}

// orderLocked is p's record, made on first use.
func (e *Server) orderLocked(p wxshared.PaidTransaction) *OrderRecord {
	o, ok := e.orders[p.TransactionID]
	if !ok {
		o = &OrderRecord{TransactionID: p.TransactionID}
		e.orders[p.TransactionID] = o
	}
	return o
}
