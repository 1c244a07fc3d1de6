package emulator

import (
	"errors"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/login"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxpay"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The types, constants and errors of the emulator's parts, under the names
// callers have always used.

type (
	// Faults (wxshared).
	Endpoint = wxshared.Endpoint
	Fault    = wxshared.Fault
	// Keys and signatures (wxshared).
	PayKeys  = wxshared.PayKeys
	SignMode = wxshared.SignMode
	// Login (login).
	LoginCode = login.LoginCode
	TestUser  = login.TestUser
	// WeChat Pay (wxpay, notify).
	PayConfig           = wxpay.PayConfig
	TransactionView     = wxpay.TransactionView
	PaymentRequest      = wxpay.PaymentRequest
	RefundView          = wxpay.RefundView
	Delivery            = notify.Delivery
	NotificationOptions = notify.NotificationOptions
)

const (
	JSCode2Session = wxshared.JSCode2Session // GET /sns/jscode2session
	StableToken    = wxshared.StableToken    // POST /cgi-bin/stable_token
	CheckSession   = wxshared.CheckSession   // GET /wxa/checksession
	JSAPI          = wxshared.JSAPI          // POST /v3/pay/transactions/jsapi
	QueryOrder     = wxshared.QueryOrder     // GET /v3/pay/transactions/out-trade-no/{no}
	CloseOrder     = wxshared.CloseOrder     // POST /v3/pay/transactions/out-trade-no/{no}/close
	Notify         = wxshared.Notify         // WeChat's payment notifications to notify_url
	CreateRefund   = wxshared.CreateRefund   // POST /v3/refund/domestic/refunds
	QueryRefund    = wxshared.QueryRefund    // GET /v3/refund/domestic/refunds/{out_refund_no}
	// RefundNotify shapes refund notifications, apart from Notify: a test
	// that drops every payment notification still gets its refunds'.
	RefundNotify = wxshared.RefundNotify
	TradeBill    = wxshared.TradeBill    // GET /v3/bill/tradebill
	BillDownload = wxshared.BillDownload // GET /v3/billdownload/file
	// Fault.BillCorrupt values: the next bill's hash_value is wrong, or its
	// download stops halfway through the file...
	BillWrongHash = wxshared.BillWrongHash
	BillTruncated = wxshared.BillTruncated
	// ...or one payment line (Fault.OutTradeNo's, else the first) is 1 fen
	// more than the transaction was, appears twice, or has 订单金额
	// BillMalformedAmount; the summary and hash_value agree with the file
	// as written.
	BillWrongAmount     = wxshared.BillWrongAmount
	BillDuplicated      = wxshared.BillDuplicated
	BillMalformed       = wxshared.BillMalformed
	BillMalformedAmount = wxshared.BillMalformedAmount

	MaxFaultDelay     = wxshared.MaxFaultDelay
	MaxFaultDuplicate = wxshared.MaxFaultDuplicate
	MaxFaultDrop      = wxshared.MaxFaultDrop

	SignWithPlatformCert = wxshared.SignWithPlatformCert
	SignWithPublicKey    = wxshared.SignWithPublicKey

	PrepayIDValidity   = wxpay.PrepayIDValidity
	DefaultRefundDelay = wxpay.DefaultRefundDelay
	RefundProcessing   = wxpay.RefundProcessing
	RefundSuccess      = wxpay.RefundSuccess
	RefundClosed       = wxpay.RefundClosed
	RefundAbnormal     = wxpay.RefundAbnormal
	BillURLLifetime    = wxpay.BillURLLifetime
	BillAll            = wxpay.BillAll
	BillSuccess        = wxpay.BillSuccess
	BillRefund         = wxpay.BillRefund
)

// ErrPayDisabled is returned by the pay methods of an emulator built
// without Config.Pay.
var ErrPayDisabled = errors.New("emulator: WeChat Pay is not configured (Config.Pay is nil)")

// Errors of the pay and refund methods, so that callers (and the control
// API) can tell the cases apart.
var (
	ErrNoTransaction        = wxpay.ErrNoTransaction
	ErrAlreadyPaid          = wxpay.ErrAlreadyPaid
	ErrNotPaid              = wxpay.ErrNotPaid
	ErrClosed               = wxpay.ErrClosed
	ErrPrepayIDExpired      = wxpay.ErrPrepayIDExpired
	ErrUnknownTradeState    = wxpay.ErrUnknownTradeState
	ErrTradeStateTransition = wxpay.ErrTradeStateTransition
	ErrNoRefund             = wxpay.ErrNoRefund
	ErrRefundFinal          = wxpay.ErrRefundFinal
	ErrRefundProcessing     = wxpay.ErrRefundProcessing
	ErrNoNotifyURL          = wxpay.ErrNoNotifyURL
	ErrBadPlatformRefund    = wxpay.ErrBadPlatformRefund
	ErrNotRefundable        = wxpay.ErrNotRefundable
	ErrBadBillDate          = wxpay.ErrBadBillDate
	ErrNoBill               = wxpay.ErrNoBill
)

// GeneratePayKeys makes a fresh, unrelated set of RSA 2048 keys for mchID.
func GeneratePayKeys(mchID string) (PayKeys, error) { return wxshared.GeneratePayKeys(mchID) }

// SavePayKeys writes k to path (mode 0600).
func SavePayKeys(path string, k PayKeys) error { return wxshared.SavePayKeys(path, k) }

// LoadPayKeys reads what SavePayKeys wrote.
func LoadPayKeys(path string) (PayKeys, error) { return wxshared.LoadPayKeys(path) }

// DefaultRetrySchedule returns WeChat's documented waits between
// notification attempts (24h4m in all): a fresh slice, safe to edit.
func DefaultRetrySchedule() []time.Duration { return notify.DefaultRetrySchedule() }

// InjectFault queues f behind any faults already queued for its endpoint.
// It is what POST /emulator/faults does, and refuses the same faults.
func (e *Emulator) InjectFault(f Fault) error { return e.faults.Inject(f) }

// ClearFaults drops every queued fault.
func (e *Emulator) ClearFaults() { e.faults.Clear() }

// MintCode does what wx.login does for the named test user, creating the
// user on first use; "" means a fresh random user.
func (e *Emulator) MintCode(name string) (LoginCode, error) { return e.login.MintCode(name) }

// User returns the named test user, if a code was ever minted for it.
func (e *Emulator) User(name string) (TestUser, bool) { return e.login.User(name) }
