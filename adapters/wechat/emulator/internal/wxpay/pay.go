package emulator

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// The WeChat Pay APIv3 (JSAPI) side of the emulator: the merchant-facing
// API (payapi.go, signed and verified as in payauth.go), the user's side of
// a payment (payments.go, what wx.requestPayment does on a phone) and the
// payment notifications WeChat pushes to the merchant (notify*.go). This
// file holds the configuration and the transactions all of them share.

// SignMode says which WeChat Pay key signs responses and notifications.
// Merchants registered since late 2024 only have the public key; older ones
// migrate from platform certificates, and during a migration both arrive.
type SignMode string

const (
	SignWithPlatformCert SignMode = "platform_cert" // Wechatpay-Serial is the platform certificate's serial
	SignWithPublicKey    SignMode = "public_key"    // Wechatpay-Serial is the PUB_KEY_ID_...
)

func (m SignMode) valid() bool { return m == SignWithPlatformCert || m == SignWithPublicKey }

// DefaultRetrySchedule returns WeChat's documented waits between
// notification attempts (24h4m in all): a fresh slice, safe to edit.
func DefaultRetrySchedule() []time.Duration {
	return []time.Duration{
		15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute,
		10 * time.Minute, 20 * time.Minute, 30 * time.Minute, 30 * time.Minute,
		30 * time.Minute, 60 * time.Minute, 3 * time.Hour, 3 * time.Hour,
		3 * time.Hour, 6 * time.Hour, 6 * time.Hour,
	}
}

const (
	// defaultNotifyTimeout bounds one notification attempt when PayConfig
	// brings no HTTPClient. A merchant that takes longer is retried.
	defaultNotifyTimeout = 10 * time.Second
	// unpaidLifetime is how long a transaction without time_expire stays
	// payable, per WeChat's documentation.
	unpaidLifetime = 7 * 24 * time.Hour
)

// PayConfig turns on the WeChat Pay side of the emulator for one merchant.
type PayConfig struct {
	Keys PayKeys
	// SignMode defaults to SignWithPublicKey; SetSignMode changes it at run
	// time (simulates a migration: both kinds then arrive).
	SignMode SignMode
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

// payState is the WeChat Pay side of an Emulator; nil when Config.Pay is.
type payState struct {
	keys           PayKeys
	platformSerial string
	schedule       []time.Duration
	timeScale      float64
	client         *http.Client
	ownClient      bool // client was made here, and is closed by Close
	allowHTTP      bool
	prepayValidity time.Duration
	refundDelay    time.Duration // scaled; unused with manualRefunds
	manualRefunds  bool

	// Guarded by Emulator.mu.
	signMode SignMode
	txns     map[string]*transaction // by out_trade_no
	byPrepay map[string]*transaction // every prepay_id ever issued, current or not
	// Served query and close calls by out_trade_no (paycalls.go), also for
	// numbers without a transaction.
	queries, closes map[string]int
	refunds         map[string]*refund // by out_refund_no (refunds.go)
}

func newPayState(cfg PayConfig) (*payState, error) {
	if err := cfg.Keys.validate(); err != nil {
		return nil, err
	}
	p := &payState{
		keys:           cfg.Keys,
		platformSerial: cfg.Keys.PlatformSerial(),
		schedule:       append([]time.Duration(nil), cfg.RetrySchedule...),
		timeScale:      cfg.TimeScale,
		client:         cfg.HTTPClient,
		allowHTTP:      cfg.AllowHTTPNotify,
		prepayValidity: cmp.Or(cfg.PrepayIDValidity, PrepayIDValidity),
		signMode:       cfg.SignMode,
		txns:           make(map[string]*transaction),
		byPrepay:       make(map[string]*transaction),
		queries:        make(map[string]int),
		closes:         make(map[string]int),
		refunds:        make(map[string]*refund),
		manualRefunds:  cfg.ManualRefunds,
	}
	if p.signMode == "" {
		p.signMode = SignWithPublicKey
	}
	if !p.signMode.valid() {
		return nil, fmt.Errorf("unknown SignMode %q: use %q or %q", cfg.SignMode, SignWithPlatformCert, SignWithPublicKey)
	}
	if len(p.schedule) == 0 {
		p.schedule = DefaultRetrySchedule()
	}
	for _, d := range p.schedule {
		if d < 0 {
			return nil, fmt.Errorf("RetrySchedule has a negative wait %s", d)
		}
	}
	switch {
	case p.timeScale == 0:
		p.timeScale = 1
	case p.timeScale < 0 || math.IsNaN(p.timeScale) || math.IsInf(p.timeScale, 0):
		return nil, fmt.Errorf("TimeScale must be a positive number, got %v", cfg.TimeScale)
	}
	if cfg.RefundDelay < 0 {
		return nil, fmt.Errorf("RefundDelay must not be negative, got %s (ManualRefunds keeps refunds PROCESSING)", cfg.RefundDelay)
	}
	p.refundDelay = time.Duration(float64(cmp.Or(cfg.RefundDelay, DefaultRefundDelay)) * p.timeScale)
	if p.client == nil {
		// Its own transport, so that Close can drop its idle connections
		// without touching anyone else's.
		p.ownClient = true
		p.client = &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			Timeout:   defaultNotifyTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return p, nil
}

// SetSignMode switches the key that signs responses and notifications from
// now on. It panics on a SignMode other than the two constants (a
// programming error); without Config.Pay it does nothing.
func (e *Emulator) SetSignMode(m SignMode) {
	if !m.valid() {
		panic(fmt.Sprintf("emulator: unknown SignMode %q", m))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pay != nil {
		e.pay.signMode = m
	}
}

// ErrPayDisabled is returned by the pay methods of an emulator built
// without Config.Pay.
var ErrPayDisabled = errors.New("emulator: WeChat Pay is not configured (Config.Pay is nil)")

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
	paid           *event     // the TRANSACTION.SUCCESS event, once paid
	deliveries     []Delivery // every notification attempt, in order
	refunds        []*refund  // in the order they were created
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
func (e *Emulator) Transaction(outTradeNo string) (TransactionView, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pay == nil {
		return TransactionView{}, false
	}
	t, ok := e.pay.txns[outTradeNo]
	if !ok {
		return TransactionView{}, false
	}
	return t.view(), true
}

// Delivery is one notification attempt.
type Delivery struct {
	NotificationID string
	Attempt        int // 1 for the first try, 2 for the first retry...; 0 for a SIGNTEST probe
	At             time.Time
	Status         int    // HTTP status, 0 on transport error or a dropped attempt
	Err            string // transport error, "dropped", or empty
	Duplicate      bool   // an extra copy (Fault.Duplicate), or an attempt of a re-send
	Probe          bool   // a WECHATPAY/SIGNTEST/ probe, which must be refused
	// Final says no further attempt will follow for this delivery: it
	// succeeded, the schedule is exhausted (the merchant now has to find
	// out by querying), or Close cut it short. It is the last record of
	// its delivery; Fault.Duplicate copies and probes are never Final.
	Final bool
}

// Deliveries returns every notification attempt for outTradeNo so far, in
// the order they completed.
func (e *Emulator) Deliveries(outTradeNo string) []Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pay == nil {
		return nil
	}
	if t, ok := e.pay.txns[outTradeNo]; ok {
		return append([]Delivery(nil), t.deliveries...)
	}
	return nil
}

// Close stops the emulator's background work: it cancels pending
// notification retries and in-flight attempts (which are then recorded
// with the cancellation as Err), waits until every delivery goroutine has
// returned, and closes the idle connections of its own notification
// client. Payments after Close still succeed but notify nobody; refunds
// then stay PROCESSING until CompleteRefund, which notifies nobody either.
// It is safe to call more than once; the HTTP handler keeps working.
func (e *Emulator) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.stop()
	e.background.Wait()
	if e.pay != nil && e.pay.ownClient {
		e.pay.client.CloseIdleConnections()
	}
}

// goLocked runs f in a goroutine that Close waits for, unless the emulator
// is closed. The caller holds e.mu, which orders it before Close's Wait.
func (e *Emulator) goLocked(f func()) bool {
	if e.closed {
		return false
	}
	e.background.Add(1)
	go func() {
		defer e.background.Done()
		f()
	}()
	return true
}
