package wxpay

import (
	"cmp"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/notify"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
)

// The configuration of the pay side and the transactions every part of it
// shares.

// unpaidLifetime is how long a transaction without time_expire stays
// payable, per WeChat's documentation.
const unpaidLifetime = 7 * 24 * time.Hour

// PayConfig turns on the WeChat Pay side of the emulator for one merchant.
type PayConfig struct {
	Keys wxshared.PayKeys
	// SignMode defaults to SignWithPublicKey; SetSignMode changes it at run
	// time (simulates a migration: both kinds then arrive).
	SignMode wxshared.SignMode
	// RetrySchedule is the wait before each notification retry; nil or
	// empty means DefaultRetrySchedule. After the last, delivery stops.
	RetrySchedule []time.Duration
	// TimeScale multiplies every schedule delay (not fault delays); zero
	// means 1. Tests use e.g. 0.001 to run WeChat's real schedule fast.
	TimeScale float64
	// HTTPClient delivers notifications; nil means a client with a 10s
	// timeout that does not follow redirects (a 3xx is a failed attempt).
	HTTPClient *http.Client
	// AllowHTTPNotify lets notify_url be http://. Real WeChat requires
	// https; `make run` and tests have no certificate for the service.
	AllowHTTPNotify bool
	// PrepayIDValidity is how long a prepay_id can be paid with; zero
	// means WeChat's PrepayIDValidity (2 hours). Tests shorten it, as
	// moving Config.Now would also move the signatures' timestamps.
	PrepayIDValidity time.Duration
	// RefundDelay is how long a refund stays PROCESSING before it ends
	// (SUCCESS, or what a Fault.RefundOutcome says), in real time scaled
	// by TimeScale; zero means DefaultRefundDelay.
	RefundDelay time.Duration
	// ManualRefunds keeps every refund PROCESSING until CompleteRefund (or
	// POST /emulator/refunds/{out_refund_no}/complete) ends it, for tests
	// that look at a refund while WeChat is still processing it.
	ManualRefunds bool
}

// Server is the WeChat Pay side of an Emulator.
type Server struct {
	appID          string
	now            func() time.Time
	keys           wxshared.PayKeys
	allowHTTP      bool
	prepayValidity time.Duration
	refundDelay    time.Duration // scaled; unused with manualRefunds
	manualRefunds  bool
	faults         *wxshared.Faults
	bg             *wxshared.Background
	signer         *wxshared.Signer
	notify         *notify.Notifier

	// Guarded by mu, which notify takes too to record attempts. Faults,
	// background work and the signer have locks of their own, taken after
	// mu, never before.
	mu       sync.Mutex
	txns     map[string]*transaction // by out_trade_no
	byPrepay map[string]*transaction // every prepay_id ever issued, current or not
	// Served query and close calls by out_trade_no (paycalls.go), also for
	// numbers without a transaction.
	queries, closes map[string]int
	refunds         map[string]*refund // by out_refund_no (refunds.go)
	// Bills handed out, by download token, and the days made ready before
	// their time (billapi.go). Neither is kept in the StateFile.
	bills      map[string]*billFile
	billsReady map[string]bool
}

// New validates cfg and returns the WeChat Pay side of an emulator of the
// mini-program appID.
func New(cfg PayConfig, appID string, now func() time.Time, faults *wxshared.Faults, bg *wxshared.Background) (*Server, error) {
	if err := cfg.Keys.Validate(); err != nil {
		return nil, err
	}
	p := &Server{
		appID:          appID,
		now:            now,
		keys:           cfg.Keys,
		allowHTTP:      cfg.AllowHTTPNotify,
		prepayValidity: cmp.Or(cfg.PrepayIDValidity, PrepayIDValidity),
		faults:         faults,
		bg:             bg,
		txns:           make(map[string]*transaction),
		byPrepay:       make(map[string]*transaction),
		queries:        make(map[string]int),
		closes:         make(map[string]int),
		refunds:        make(map[string]*refund),
		bills:          make(map[string]*billFile),
		billsReady:     make(map[string]bool),
		manualRefunds:  cfg.ManualRefunds,
	}
	signMode := cfg.SignMode
	if signMode == "" {
		signMode = wxshared.SignWithPublicKey
	}
	if !signMode.Valid() {
		return nil, fmt.Errorf("unknown SignMode %q: use %q or %q", cfg.SignMode, wxshared.SignWithPlatformCert, wxshared.SignWithPublicKey)
	}
	p.signer = wxshared.NewSigner(cfg.Keys, signMode, now)
	var err error
	p.notify, err = notify.New(notify.Config{
		RetrySchedule: cfg.RetrySchedule, TimeScale: cfg.TimeScale, HTTPClient: cfg.HTTPClient,
		Keys: cfg.Keys, Signer: p.signer, Faults: faults, Background: bg, Now: now,
	}, &p.mu)
	if err != nil {
		return nil, err
	}
	if cfg.RefundDelay < 0 {
		return nil, fmt.Errorf("RefundDelay must not be negative, got %s (ManualRefunds keeps refunds PROCESSING)", cfg.RefundDelay)
	}
	p.refundDelay = p.notify.Scale(cmp.Or(cfg.RefundDelay, DefaultRefundDelay))
	return p, nil
}

// SetSignMode switches the key that signs responses and notifications from
// now on.
func (e *Server) SetSignMode(m wxshared.SignMode) { e.signer.SetMode(m) }

// order is what a JSAPI prepay asked for. A repeat prepay must ask for
// exactly the same, so the struct is kept comparable.
type order struct {
	appID, mchID, description, outTradeNo, notifyURL, attach, payerOpenID, currency string
	total                                                                           int64
}

// transaction is WeChat Pay's record of one out_trade_no.
type transaction struct {
	order
	timeExpire     time.Time // as the first prepay gave it; zero if absent
	prepayID       string    // the current one; earlier ones stay in byPrepay, to be told apart as stale
	prepayIssuedAt time.Time // when prepayID was issued: it lapses PrepayIDValidity later
	payableUntil   time.Time
	state          string // one of the trade* constants (tradestate.go)
	transactionID  string
	successTime    time.Time
	paid           *notify.Event     // the TRANSACTION.SUCCESS event, once paid
	deliveries     []notify.Delivery // every notification attempt, in order
	refunds        []*refund         // in the order they were created
}

// TransactionView is a transaction as the emulator sees it.
type TransactionView struct {
	OutTradeNo, TransactionID, PrepayID string
	PrepayIssuedAt                      time.Time // when PrepayID was issued (Config.Now)
	// TradeState is NOTPAY, SUCCESS or CLOSED as prepay, payment and close
	// leave it, or USERPAYING, PAYERROR, REVOKED or REFUND as SetTradeState
	// puts it.
	TradeState                string
	AppID, MchID, PayerOpenID string
	NotifyURL, Description    string
	Total                     int64     // fen
	SuccessTime               time.Time // zero unless paid (SUCCESS, or REFUND after it)
}

func (t *transaction) view() TransactionView {
	return TransactionView{
		OutTradeNo:     t.outTradeNo,
		TransactionID:  t.transactionID,
		PrepayID:       t.prepayID,
		PrepayIssuedAt: t.prepayIssuedAt,
		TradeState:     t.state,
		AppID:          t.appID,
		MchID:          t.mchID,
		PayerOpenID:    t.payerOpenID,
		NotifyURL:      t.notifyURL,
		Description:    t.description,
		Total:          t.total,
		SuccessTime:    t.successTime,
	}
}

// Transaction returns what the emulator knows of outTradeNo.
func (e *Server) Transaction(outTradeNo string) (TransactionView, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.txns[outTradeNo]
	if !ok {
		return TransactionView{}, false
	}
	return t.view(), true
}

// Deliveries returns every notification attempt for outTradeNo so far, in
// the order they completed.
func (e *Server) Deliveries(outTradeNo string) []notify.Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.txns[outTradeNo]; ok {
		return append([]notify.Delivery(nil), t.deliveries...)
	}
	return nil
}

// CloseIdleConnections closes the idle connections of the notification
// client, if the emulator made it.
func (e *Server) CloseIdleConnections() { e.notify.CloseIdleConnections() }
