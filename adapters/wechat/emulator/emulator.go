// Package emulator is a stand-in for WeChat's servers that speaks WeChat's
// real wire protocol over HTTP, so that tests and local development never
// need WeChat (which is unreachable from CI and from most developer machines).
//
// It is a product feature, not a test double: the service talks to it
// through the same HTTP client code it uses in production, only with a
// different base URL. Four groups of routes share one http.Handler:
//
//   - the mini-program open API (login.go): /sns/jscode2session,
//     /cgi-bin/stable_token and /wxa/checksession, with WeChat's status codes,
//     error codes and quirks (HTTP 200 for errors, text/plain JSON, no errcode
//     on success);
//   - WeChat Pay APIv3, when Config.Pay is set: JSAPI prepay, query and
//     close (pay*.go) and domestic refunds, create and query (refund*.go),
//     under /v3/, with merchant signatures checked and every answer signed
//     like WeChat's; payment and refund notifications pushed to the
//     merchant's notify_url with WeChat's retry schedule (notify*.go,
//     refundnotify.go);
//   - the control API under /emulator/ (control.go, payments.go,
//     tradestate.go, refundcontrol.go), which plays the user's side (what
//     wx.login and wx.requestPayment would do on a phone), lets a test
//     inspect state (transactions with their notification attempts, refunds
//     and the query and close calls served for them; refunds with theirs),
//     ends refunds at once, and puts a transaction in the trade states
//     nothing else here produces (USERPAYING, PAYERROR, REVOKED, REFUND):
//     POST /emulator/login-codes, GET /emulator/users/{name},
//     POST and DELETE /emulator/faults, POST /emulator/payments,
//     GET /emulator/transactions/{no}, POST /emulator/transactions/{no}/notify,
//     PUT /emulator/transactions/{no}/state, PUT /emulator/pay/sign-mode,
//     GET /emulator/refunds/{out_refund_no},
//     POST /emulator/refunds/{out_refund_no}/complete and
//     POST /emulator/refunds/{out_refund_no}/notify; and what the web
//     console (Config.Console, at /console/) lists and presses
//     (console_api.go, console_deliveries.go), all of it described in
//     control.openapi.yaml;
//   - fault injection (faults.go): queued errcodes, delays, gateway failures,
//     refunds that end ABNORMAL or CLOSED, and misbehaving notifications, to
//     exercise the client's retry, timeout and idempotency paths.
//
// Every route answers only a request addressed to a loopback Host or to
// one of Config.Hosts, and the control API's writes only a same-origin or
// non-browser caller (crosssite.go): the emulator has no keys, so this is
// what keeps the web pages a developer has open away from it.
//
// All state lives in an Emulator value behind one mutex; there is no global
// state, so tests can run many emulators side by side. Time comes from
// Config.Now so that tests can expire codes, tokens, prepay_ids and orders
// without sleeping. Notifications and refunds ending RefundDelay after
// their creation are the only background work; Close ends it.
package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultCodeTTL is how long a login code stays usable. WeChat documents
// codes as valid for five minutes.
const DefaultCodeTTL = 5 * time.Minute

// Config describes the one mini-program the emulator serves.
type Config struct {
	// AppID and Secret are the credentials clients must present.
	AppID, Secret string
	// UnionID says the mini-program is bound to an Open Platform account:
	// every user then gets a unionid that is the same for every appid.
	UnionID bool
	// CodeTTL is how long a login code stays usable; zero means
	// DefaultCodeTTL.
	CodeTTL time.Duration
	// Now tells the time; nil means time.Now. It is called from concurrent
	// requests, so it must be safe for concurrent use. Injected delays
	// (faults), notification retries and PayConfig.RefundDelay use real
	// time regardless: they exist to trip real client timeouts and to be
	// waited for.
	Now func() time.Time
	// Pay turns on WeChat Pay APIv3 (pay.go). Nil serves the login side
	// only; the pay routes then answer 404.
	Pay *PayConfig
	// Console, if set, is served at /console/: the emulator's web console
	// (api/console.Emulator()), a page over the control API. The package
	// takes it as a plain handler so that it never depends on api/.
	Console http.Handler
	// Hosts are the names, besides loopback ones (localhost, 127.0.0.0/8,
	// ::1), that a request may address the emulator by in its Host header:
	// the hosts of the base URLs the service was configured to reach it at
	// (a port, if given, is ignored). Every route refuses any other Host
	// with 403, so that a web page cannot rebind its own name to this
	// machine (DNS rebinding) and use the emulator.
	Hosts []string
}

// Emulator is one emulated WeChat back end. Its methods are safe for
// concurrent use.
type Emulator struct {
	appID, secret string
	unionID       bool
	codeTTL       time.Duration
	now           func() time.Time
	handler       http.Handler

	mu        sync.Mutex
	users     map[string]*user // by test user name
	byOpenID  map[string]*user
	codes     map[string]*loginCode
	lastPrune time.Time
	token     accessToken
	faults    map[Endpoint][]*Fault // FIFO per endpoint
	pay       *payState             // nil without Config.Pay
	closed    bool                  // Close was called: start no more background work

	// Notification deliveries run in the background; Close cancels them
	// through stopped and waits for them on background.
	stopped    context.Context
	stop       context.CancelFunc
	background sync.WaitGroup
}

// New validates cfg and returns an emulator with no users, codes or faults.
func New(cfg Config) (*Emulator, error) {
	if cfg.AppID == "" {
		return nil, errors.New("emulator: AppID is required")
	}
	if cfg.Secret == "" {
		return nil, errors.New("emulator: Secret is required")
	}
	if cfg.CodeTTL < 0 {
		return nil, fmt.Errorf("emulator: CodeTTL must not be negative, got %s", cfg.CodeTTL)
	}
	e := &Emulator{
		appID:    cfg.AppID,
		secret:   cfg.Secret,
		unionID:  cfg.UnionID,
		codeTTL:  cfg.CodeTTL,
		now:      cfg.Now,
		users:    make(map[string]*user),
		byOpenID: make(map[string]*user),
		codes:    make(map[string]*loginCode),
		faults:   make(map[Endpoint][]*Fault),
	}
	if e.codeTTL == 0 {
		e.codeTTL = DefaultCodeTTL
	}
	if e.now == nil {
		e.now = time.Now
	}
	if cfg.Pay != nil {
		p, err := newPayState(*cfg.Pay)
		if err != nil {
			return nil, fmt.Errorf("emulator: Pay: %w", err)
		}
		e.pay = p
	}
	e.stopped, e.stop = context.WithCancel(context.Background())
	allowed := make(map[string]bool, len(cfg.Hosts))
	for _, h := range cfg.Hosts {
		name := hostName(h)
		if name == "" || strings.ContainsAny(h, "/@ ") {
			return nil, fmt.Errorf("emulator: Hosts: %q is not a host name", h)
		}
		allowed[name] = true
	}
	e.handler = refuseForeignHost(allowed, refuseCrossSite(e.routes(cfg)))
	return e, nil
}

// Handler serves WeChat's endpoints and the control API. Mount it at the
// root of a server: clients build paths like WeChat's from their base URL.
func (e *Emulator) Handler() http.Handler { return e.handler }

// routes registers every endpoint. Patterns carry no method so that a wrong
// method gets a JSON 405 from methods below instead of ServeMux's plain-text
// one; the catch-all gives unknown paths a JSON 404.
func (e *Emulator) routes(cfg Config) http.Handler {
	mux := http.NewServeMux()
	// WeChat mini-program open API (login.go).
	mux.Handle("/sns/jscode2session", methods{http.MethodGet: e.jscode2session})
	mux.Handle("/cgi-bin/stable_token", methods{http.MethodPost: e.stableToken})
	mux.Handle("/wxa/checksession", methods{http.MethodGet: e.checkSession})
	// Control API (control.go).
	mux.Handle("/emulator/login-codes", methods{http.MethodPost: e.postLoginCode})
	mux.Handle("/emulator/users/{name}", methods{http.MethodGet: e.getUser})
	mux.Handle("/emulator/faults", methods{
		http.MethodGet:    e.getFaults, // console_api.go
		http.MethodPost:   e.postFault,
		http.MethodDelete: e.deleteFaults,
	})
	mux.Handle("/emulator/users", methods{http.MethodGet: e.getUsers}) // console_api.go
	if cfg.Console != nil {
		mux.Handle("/console/", cfg.Console)
		mux.Handle("/console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	}
	if e.pay != nil {
		// WeChat Pay APIv3 (payapi.go).
		mux.Handle("/v3/pay/transactions/jsapi", methods{http.MethodPost: e.payRoute(JSAPI, e.jsapi)})
		mux.Handle("/v3/pay/transactions/out-trade-no/{no}", methods{http.MethodGet: e.payRoute(QueryOrder, e.queryOrder)})
		mux.Handle("/v3/pay/transactions/out-trade-no/{no}/close", methods{http.MethodPost: e.payRoute(CloseOrder, e.closeOrder)})
		// The user's phone and test inspection (payments.go).
		mux.Handle("/emulator/payments", methods{http.MethodPost: e.postPayment})
		mux.Handle("/emulator/transactions/{no}", methods{http.MethodGet: e.getTransaction})
		mux.Handle("/emulator/transactions/{no}/notify", methods{http.MethodPost: e.postResend})
		mux.Handle("/emulator/transactions/{no}/state", methods{http.MethodPut: e.putTradeState}) // tradestate.go
		mux.Handle("/emulator/pay/sign-mode", methods{http.MethodGet: e.getSignMode, http.MethodPut: e.putSignMode})
		// The console's lists and its pay button (console_api.go, console_deliveries.go).
		mux.Handle("/emulator/transactions", methods{http.MethodGet: e.getTransactions})
		mux.Handle("/emulator/transactions/{no}/pay", methods{http.MethodPost: e.postPay})
		mux.Handle("/emulator/refunds", methods{http.MethodGet: e.getRefunds})
		mux.Handle("/emulator/deliveries", methods{http.MethodGet: e.getDeliveries})
		// Refunds (refundapi.go, refundcontrol.go).
		mux.Handle("/v3/refund/domestic/refunds", methods{http.MethodPost: e.payRoute(CreateRefund, e.domesticRefund)})
		mux.Handle("/v3/refund/domestic/refunds/{out_refund_no}", methods{http.MethodGet: e.payRoute(QueryRefund, e.queryDomesticRefund)})
		mux.Handle("/emulator/refunds/{out_refund_no}", methods{http.MethodGet: e.getRefund})
		mux.Handle("/emulator/refunds/{out_refund_no}/complete", methods{http.MethodPost: e.postCompleteRefund})
		mux.Handle("/emulator/refunds/{out_refund_no}/notify", methods{http.MethodPost: e.postRefundResend})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeControlError(w, http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// methods dispatches one path by HTTP method.
type methods map[string]http.HandlerFunc

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h(w, r)
		return
	}
	allowed := make([]string, 0, len(m))
	for method := range m {
		allowed = append(allowed, method)
	}
	sort.Strings(allowed)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeControlError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed, use %s", r.Method, strings.Join(allowed, " or ")))
}

// Content types. WeChat answers jscode2session with text/plain although the
// body is JSON; clients must not depend on the header, and the emulator
// keeps the quirk so that a client that does is caught here.
const (
	contentTypePlain = "text/plain"
	contentTypeJSON  = "application/json; charset=utf-8"
)

// writeJSON encodes v with the given status and content type. Encoding the
// emulator's own structs cannot fail, so errors (a client gone away) are
// deliberately ignored.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// wechatError is WeChat's error body: always with HTTP 200.
type wechatError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// writeWeChatError answers the way WeChat does: HTTP 200, an errcode, and an
// errmsg that ends with a request id (", rid: ...") for support tickets.
func (e *Emulator) writeWeChatError(w http.ResponseWriter, contentType string, code int, msg string) {
	writeJSON(w, http.StatusOK, contentType, wechatError{ErrCode: code, ErrMsg: msg + ", rid: " + e.rid()})
}

// rid mimics WeChat's request ids ("6523a4b1-1c2d3e4f-5a6b7c8d"): the first
// group is the time in hex seconds, the rest random.
func (e *Emulator) rid() string {
	return fmt.Sprintf("%08x-%s-%s", e.now().Unix(), randomHex(4), randomHex(4))
}

// randomBytes returns n bytes from crypto/rand, which never fails since Go
// 1.24 (it crashes the program instead of returning an error).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
