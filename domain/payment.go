package domain

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Payment errors.
var (
	// ErrPaymentUnavailable: WeChat Pay did not answer usefully.
	ErrPaymentUnavailable = errors.New("WeChat Pay is unavailable")
	// ErrPaymentRejected: WeChat Pay refused the request as made (bad
	// parameters, order closed or already paid at WeChat).
	ErrPaymentRejected = errors.New("WeChat Pay rejected the request")
	// ErrOrderPaidAtWeChat: WeChat Pay refused to close (or prepay) a
	// transaction because it is paid (ORDERPAID). It is a rejection too.
	ErrOrderPaidAtWeChat = fmt.Errorf("%w: the transaction is paid (ORDERPAID)", ErrPaymentRejected)
)

// PrepayRequest is what JSAPI prepay needs for one order.
type PrepayRequest struct {
	OutTradeNo  string
	Description string // at most 127 characters
	TotalFen    int64
	PayerOpenID string
	ExpiresAt   time.Time // time_expire
}

// PaymentParams are the arguments of wx.requestPayment, signed by the
// merchant (APIv3: signType RSA).
type PaymentParams struct {
	TimeStamp string
	NonceStr  string
	Package   string // "prepay_id=..."
	SignType  string // "RSA"
	PaySign   string
}

// TradeState is WeChat Pay's state of a transaction.
type TradeState string

const (
	TradeSuccess    TradeState = "SUCCESS"
	TradeRefund     TradeState = "REFUND"
	TradeNotPay     TradeState = "NOTPAY"
	TradeClosed     TradeState = "CLOSED"
	TradeRevoked    TradeState = "REVOKED"
	TradeUserPaying TradeState = "USERPAYING"
	TradePayError   TradeState = "PAYERROR"
)

// Transaction is WeChat Pay's account of a payment, from a verified
// notification or a verified query.
type Transaction struct {
	AppID         string
	MchID         string
	OutTradeNo    string
	TransactionID string
	State         TradeState
	TotalFen      int64
	Currency      string
	PayerOpenID   string
	SuccessTime   time.Time
}

// PaymentNotification is a notification whose signature has been verified
// and whose resource has been decrypted.
type PaymentNotification struct {
	ID          string // WeChat's notification id, e.g. EV-2018022511223320873
	EventType   string // e.g. TRANSACTION.SUCCESS
	Transaction Transaction
}

// WeChatPay is the merchant's side of WeChat Pay APIv3 (JSAPI).
type WeChatPay interface {
	// Prepay creates (or, with identical parameters, finds) the transaction
	// and returns its prepay_id.
	Prepay(ctx context.Context, r PrepayRequest) (prepayID string, err error)
	// PaymentParams signs the wx.requestPayment arguments for a prepay_id.
	PaymentParams(prepayID string) (PaymentParams, error)
	// QueryOrder asks WeChat for the transaction of an out_trade_no; the
	// answer is signature-verified. ErrNotFound if WeChat has none.
	QueryOrder(ctx context.Context, outTradeNo string) (Transaction, error)
	// CloseOrder closes an unpaid transaction so it can no longer be paid.
	// Closing a transaction WeChat never saw is not an error; closing a
	// paid one is ErrOrderPaidAtWeChat.
	CloseOrder(ctx context.Context, outTradeNo string) error
}
