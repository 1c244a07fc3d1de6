package emulator

import (
	"context"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/push"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/shipping"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// Order shipping management (package shipping) and the message push
// (package push): their types, constants and methods.

type (
	// ShippingConfig is Config.Shipping: SyncDelay, Unmanaged.
	ShippingConfig = shipping.Config
	// ShippingOrder is a paid transaction's shipping order: the payment,
	// its order_state now, its uploads and the shipping as it stands, the
	// receipt and the settlement.
	ShippingOrder = shipping.Order
	// ShippingUpload is one accepted upload_shipping_info.
	ShippingUpload = shipping.UploadState
	// ShippingParcel is one entry of a shipping_list.
	ShippingParcel = shipping.ParcelState
	// DeliveryCompany is a carrier of get_delivery_list.
	DeliveryCompany = shipping.Company
	// PushConfig is Config.Push: URL, Token, EncodingAESKey (43
	// characters), AppID (default Config.AppID), OriginalID (ToUserName,
	// default derived), HTTPClient.
	PushConfig = push.Config
	// PushAttempt is one try at delivering a pushed message.
	PushAttempt = push.Attempt
	// PushVerification is what the URL check of the admin console saw.
	PushVerification = push.Verification
)

const (
	DefaultShippingSyncDelay = shipping.DefaultSyncDelay       // 10 s after payment, the shipping APIs see the order
	ShippingRemindAfter      = shipping.RemindAfter            // 48 h unshipped: trade_manage_remind_shipping
	SettleAfterExpress       = shipping.SettleAfterExpress     // T+10 days after shipping by express
	SettleAfterOther         = shipping.SettleAfterOther       // T+2 days otherwise
	PendingSettlementAfter   = shipping.PendingSettlementAfter // 确认收货 (3) → 资金待结算 (6)

	// order_state values.
	ShippingToShip            = shipping.StateToShip     // 1 待发货
	ShippingShipped           = shipping.StateShipped    // 2 已发货
	ShippingConfirmed         = shipping.StateConfirmed  // 3 确认收货
	ShippingCompleted         = shipping.StateCompleted  // 4 交易完成
	ShippingRefunded          = shipping.StateRefunded   // 5 已退款
	ShippingPendingSettlement = shipping.StatePendingSet // 6 资金待结算
	// confirm_receive_method, as documented (§14 notes that reality is
	// reported reversed; the emulator keeps the documented meaning).
	ConfirmReceiveAuto   = shipping.ConfirmAuto   // 1
	ConfirmReceiveManual = shipping.ConfirmManual // 2
	// The events pushed.
	EventOrderSettlement = shipping.EventOrderSettlement // trade_manage_order_settlement
	EventRemindShipping  = shipping.EventRemindShipping  // trade_manage_remind_shipping

	DefaultPushRetryWait = push.DefaultRetryWait // 5 s between push attempts, scaled by PayConfig.TimeScale
	PushRetries          = push.Retries          // 3 retries after the first attempt

	// Fault endpoints of the shipping APIs (errcode, delay, http_status).
	UploadShippingInfo         = wxshared.UploadShippingInfo
	GetShippingOrder           = wxshared.GetShippingOrder
	GetShippingOrderList       = wxshared.GetShippingOrderList
	NotifyConfirmReceive       = wxshared.NotifyConfirmReceive
	SetMsgJumpPath             = wxshared.SetMsgJumpPath
	IsTradeManaged             = wxshared.IsTradeManaged
	IsTradeManagementConfirmed = wxshared.IsTradeManagementConfirmed
	GetDeliveryList            = wxshared.GetDeliveryList
)

// Errors of the shipping and push methods.
var (
	// ErrNoShippingOrder: no paid transaction with that transaction_id has
	// reached the shipping APIs (unknown, unpaid, or within SyncDelay).
	ErrNoShippingOrder = shipping.ErrNoOrder
	// ErrShippingState: the order's state does not allow the move.
	ErrShippingState = shipping.ErrOrderState
	// ErrNotTradeManaged: ShippingConfig.Unmanaged; WeChat pushes no
	// trade_manage event.
	ErrNotTradeManaged = shipping.ErrUnmanaged
	// ErrPushDisabled: no Config.Push.
	ErrPushDisabled = push.ErrNotConfigured
)

// DeliveryCompanies returns the carriers get_delivery_list answers; an
// express upload's express_company must be one of their IDs.
func DeliveryCompanies() []DeliveryCompany {
	return append([]DeliveryCompany(nil), shipping.Companies...)
}

// ShippingOrders returns the shipping orders, one per paid transaction
// (synced or not yet), the latest paid first, at most 200, as GET
// /emulator/shipping lists them; none without Config.Pay.
func (e *Emulator) ShippingOrders() []ShippingOrder {
	if e.ship == nil {
		return nil
	}
	return e.ship.Orders(200)
}

// ShippingOrder returns the shipping order of a paid transaction.
func (e *Emulator) ShippingOrder(transactionID string) (ShippingOrder, bool) {
	if e.ship == nil {
		return ShippingOrder{}, false
	}
	return e.ship.Order(transactionID)
}

// ConfirmReceipt does what the buyer does in WeChat on confirming the
// receipt of a shipped order (2): 确认收货 (3), then 资金待结算 (6)
// PendingSettlementAfter later, and WeChat pushes
// trade_manage_order_settlement with confirm_receive_method 2 (manual) and
// confirm_receive_time. ErrNoShippingOrder, ErrShippingState,
// ErrPayDisabled. It is what POST
// /emulator/shipping/{transaction_id}/confirm does.
func (e *Emulator) ConfirmReceipt(transactionID string) (ShippingOrder, error) {
	if e.ship == nil {
		return ShippingOrder{}, ErrPayDisabled
	}
	return e.ship.Confirm(transactionID)
}

// SettleOrder settles the funds of a shipped or confirmed order now, as
// WeChat does on its own at the estimated settlement time (T+10 days
// after shipping by express, T+2 otherwise): 交易完成 (4), the receipt
// confirmed automatically (confirm_receive_method 1) if the buyer had not,
// and trade_manage_order_settlement pushed with settlement_time.
// ErrNoShippingOrder, ErrShippingState, ErrPayDisabled. It is what POST
// /emulator/shipping/{transaction_id}/settle does.
func (e *Emulator) SettleOrder(transactionID string) (ShippingOrder, error) {
	if e.ship == nil {
		return ShippingOrder{}, ErrPayDisabled
	}
	return e.ship.Settle(transactionID)
}

// RemindShipping pushes trade_manage_remind_shipping for an order still to
// ship now, as WeChat does 48 hours after payment (once the mini-program
// has shipped before). ErrNoShippingOrder, ErrShippingState,
// ErrNotTradeManaged, ErrPayDisabled. It is what POST
// /emulator/shipping/{transaction_id}/remind does.
func (e *Emulator) RemindShipping(transactionID string) (ShippingOrder, error) {
	if e.ship == nil {
		return ShippingOrder{}, ErrPayDisabled
	}
	return e.ship.Remind(transactionID)
}

// Pushes returns every push attempt so far, in the order they completed;
// none without Config.Push.
func (e *Emulator) Pushes() []PushAttempt {
	if e.push == nil {
		return nil
	}
	return e.push.Attempts()
}

// VerifyPushURL checks Config.Push.URL as the admin console does when the
// push configuration is saved: a GET with signature, timestamp, nonce and
// echostr, which the server must answer with echostr. Its OK says whether
// it did. ErrPushDisabled without Config.Push. It is what POST
// /emulator/push/verify does.
func (e *Emulator) VerifyPushURL(ctx context.Context) (PushVerification, error) {
	if e.push == nil {
		return PushVerification{}, ErrPushDisabled
	}
	return e.push.VerifyURL(ctx), nil
}
