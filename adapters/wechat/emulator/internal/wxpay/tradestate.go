package wxpay

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// WeChat Pay's trade states (§6, §8). Prepay, payment and close produce
// NOTPAY, SUCCESS and CLOSED. The others come from things the emulator does
// not act out (a user typing a password, a bank refusing, a refund), so
// SetTradeState puts a transaction in them, for a merchant's handling of
// them to be tested.
const (
	tradeSuccess    = "SUCCESS"
	tradeNotPay     = "NOTPAY"
	tradeClosed     = "CLOSED"
	tradeUserPaying = "USERPAYING" // the user is entering a password: ask again later
	tradePayError   = "PAYERROR"   // final: the payment failed (a bank refused, say)
	tradeRevoked    = "REVOKED"    // final
	tradeRefund     = "REFUND"     // final: paid, then refunded in full
)

// tradeStateDesc is WeChat's trade_state_desc per state.
var tradeStateDesc = map[string]string{
	tradeSuccess:    "支付成功",
	tradeNotPay:     "订单未支付",
	tradeClosed:     "订单已关闭",
	tradeUserPaying: "用户支付中",
	tradePayError:   "支付失败",
	tradeRevoked:    "已撤销",
	tradeRefund:     "转入退款",
}

// settableFrom lists, per state SetTradeState can set, the states it may
// come from. SUCCESS and CLOSED are missing on purpose: paying goes through
// RequestPayment, which sends the notification a merchant relies on, and
// closing through the close API, which the merchant calls. REFUND keeps the
// payment's transaction_id and success_time, and sends no notification.
var settableFrom = map[string][]string{
	tradeUserPaying: {tradeNotPay, tradeUserPaying},
	tradePayError:   {tradeNotPay, tradeUserPaying},
	tradeRevoked:    {tradeNotPay, tradeUserPaying},
	tradeNotPay:     {tradeUserPaying}, // the user backed out of the payment sheet
	tradeRefund:     {tradeSuccess},
}

// Errors of SetTradeState, besides ErrNoTransaction and ErrPayDisabled.
var (
	ErrUnknownTradeState    = errors.New("emulator: unknown trade_state")
	ErrTradeStateTransition = errors.New("emulator: trade_state cannot be set")
)

// SetTradeState moves outTradeNo to state, one of USERPAYING, PAYERROR,
// REVOKED (from NOTPAY or USERPAYING), NOTPAY (back from USERPAYING) or
// REFUND (from SUCCESS). A state WeChat does not have gives
// ErrUnknownTradeState; SUCCESS, CLOSED and any other move give
// ErrTradeStateTransition and leave the transaction as it was. It is what
// PUT /emulator/transactions/{no}/state does.
func (e *Server) SetTradeState(outTradeNo, state string) (TransactionView, error) {
	if _, known := tradeStateDesc[state]; !known {
		return TransactionView{}, fmt.Errorf("%w %q: WeChat's are %s", ErrUnknownTradeState, state, strings.Join(sortedTradeStates(), ", "))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.txns[outTradeNo]
	if !ok {
		return TransactionView{}, fmt.Errorf("%w: %q", ErrNoTransaction, outTradeNo)
	}
	from := settableFrom[state]
	switch {
	case state == tradeSuccess:
		return t.view(), fmt.Errorf("%w to SUCCESS: pay with RequestPayment (POST /emulator/payments), which notifies the merchant", ErrTradeStateTransition)
	case state == tradeClosed:
		return t.view(), fmt.Errorf("%w to CLOSED: close the order with WeChat Pay's close API", ErrTradeStateTransition)
	case !slices.Contains(from, t.state):
		return t.view(), fmt.Errorf("%w from %s to %s: %s is only reachable from %s", ErrTradeStateTransition, t.state, state, state, strings.Join(from, " or "))
	}
	t.state = state
	return t.view(), nil
}

func sortedTradeStates() []string {
	states := make([]string, 0, len(tradeStateDesc))
	for s := range tradeStateDesc {
		states = append(states, s)
	}
	slices.Sort(states)
	return states
}
