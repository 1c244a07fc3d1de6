// Package emulator is a stand-in for WeChat's servers that speaks WeChat's
// real wire protocol over HTTP, so that tests and local development never
// need WeChat (which is unreachable from CI and from most developer machines).
//
// It is a product feature, not a test double: the service talks to it
// through the same HTTP client code it uses in production, only with a
// different base URL. An Emulator composes one package per part of WeChat
// it plays, behind one http.Handler (routes.go):
//
//   - internal/login, the mini-program server APIs of login:
//     /sns/jscode2session and /wxa/checksession, with WeChat's status
//     codes, error codes and quirks (HTTP 200 for errors, text/plain JSON,
//     no errcode on success), and the test users whose codes wx.login
//     would hand out;
//   - internal/token, the access_token (§11): POST /cgi-bin/stable_token
//     (the same token with what is left of its life, rotated in its last
//     5 minutes with an overlap, force_refresh at most 20 a day and not
//     within 30 s of the last) and the classic GET /cgi-bin/token (new at
//     every call, the previous valid 5 more minutes), two families apart,
//     the calls counted, and the Validate every API taking ?access_token=
//     asks (41001, 40001, 42001);
//   - internal/wxpay, WeChat Pay APIv3 under /v3/ when Config.Pay is set:
//     JSAPI prepay, query and close, the user's payment, trade states and
//     domestic refunds (create, query, ending on their own) and the daily
//     trade bill (apply, then the unsigned download, built from the day's
//     payments and refunds), with merchant signatures checked and every
//     answer signed like WeChat's;
//   - internal/notify, WeChat Pay's payment and refund notifications,
//     pushed to the merchant's notify_url with WeChat's retry schedule;
//   - internal/shipping, order shipping management (发货信息管理, §14) with
//     Config.Pay: the /wxa/sec/order/... APIs and get_delivery_list, every
//     one behind the access_token, over the paid transactions (an order
//     per payment once Config.Shipping.SyncDelay has passed), with
//     WeChat's rules and errcodes, order_state 1 → 2 → 3 → 6 → 4 (5 when
//     refunded), settlement on its own at T+10 (express) or T+2 days and
//     the 48-hour reminder;
//   - internal/phone, the phone number (手机号快速验证, §12): POST
//     /wxa/business/getuserphonenumber behind the access_token, which
//     spends a code the getPhoneNumber button gave (single use, 5
//     minutes; 40029 for an unknown, used, expired, other mini-program's
//     or wx.login code) for the test user's number (138 and eight digits
//     derived from the openid, unless set), countryCode the string "86"
//     or, with Config.Phone, the number 86;
//   - internal/subscribe, subscribe messages (订阅消息, §13): the
//     mini-program's templates (Config.Subscribe or declared at run time,
//     keys typed by their prefix), what each user accepted in
//     wx.requestSubscribeMessage (one send per accept, accumulating), and
//     POST /cgi-bin/message/subscribe/send behind the access_token, with
//     WeChat's checks (40003, 40037, 41030, 47003 naming the field whose
//     value breaks its type's rule, 43101) and every message delivered
//     kept as the phone shows it;
//   - internal/push, message push (消息推送, §17) to Config.Push: the
//     trade_manage_* events sealed in safe mode (AES-256-CBC, signature
//     and msg_signature), retried 3 times 5 s apart, every attempt kept,
//     and the admin console's URL check;
//   - internal/control, the control API under /emulator/ (described in
//     control.openapi.yaml), which plays the user's side (what wx.login and
//     wx.requestPayment would do on a phone), lets a test inspect state
//     (transactions with their notification attempts, refunds and the query
//     and close calls served for them; refunds with theirs; the access
//     tokens and the calls counted), kills the stable token as a force
//     refresh elsewhere would, confirms a receipt and settles an order
//     as the buyer and time would, lists every push, ends refunds at
//     once, taps the getPhoneNumber button and answers
//     wx.requestSubscribeMessage for a user and shows the phone codes,
//     subscriptions and messages delivered, refunds a transaction by hand
//     as on the merchant platform
//     (no notification), puts a transaction in the trade states nothing
//     else here produces (USERPAYING, PAYERROR, REVOKED, REFUND), makes a
//     day's bill available before 10:00 Beijing the next day and shows
//     it, queues faults, and lists what the web console (Config.Console,
//     at /console/) shows;
//   - internal/wxshared, what the parts share: faults (queued errcodes,
//     delays, gateway failures, refunds that end ABNORMAL or CLOSED,
//     bills that are broken or disagree with the merchant's books, and
//     misbehaving notifications, to exercise the client's retry, timeout and
//     idempotency paths) and the queue every endpoint takes them from,
//     WeChat Pay's keys and signatures, ids, JSON answers and the background
//     work.
//
// This package holds the exported API: Config, New and the Emulator's
// methods, which forward to the parts, and the parts' types and constants
// under the names callers use (facade.go, facade_pay.go, facade_bill.go,
// facade_token.go, facade_shipping.go, facade_phone.go,
// facade_subscribe.go). Each part's tests
// live beside it and share the fixtures of internal/emutest.
//
// Every route answers only a request addressed to a loopback Host or to
// one of Config.Hosts, and the control API's writes only a same-origin or
// non-browser caller (crosssite.go): the emulator has no keys, so this is
// what keeps the web pages a developer has open away from it.
//
// All state lives in an Emulator value, each part's behind its own mutex
// (the pay side's one covers transactions, refunds and their notification
// attempts, which refer to each other; shipping reads the pay side under
// its own lock, never the other way round; the token side, the pushes, the
// fault queue, the background work and the signer have locks of their
// own, always taken last; the phone and subscribe sides ask the login side
// for the test users before taking their own lock, never holding both);
// there is no global state, so tests can run many
// emulators side by side. Time comes from Config.Now so that tests can
// expire codes, tokens, prepay_ids and orders, and bring shipping orders
// to their settlement, without sleeping. Notifications, pushes, refunds ending RefundDelay after
// their creation and the shipping side's sweep (reminders and settlements
// coming due by Config.Now) are the only background work; Close ends it.
package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/control"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/login"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/phone"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/push"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/shipping"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/subscribe"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/token"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxpay"
	"github.com/wxmp/wxmp/adapters/wechat/emulator/internal/wxshared"
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
	// (faults), notification and push retries and PayConfig.RefundDelay
	// use real time regardless: they exist to trip real client timeouts
	// and to be waited for.
	Now func() time.Time
	// Pay turns on WeChat Pay APIv3 (package wxpay). Nil serves the login
	// side only; the pay routes then answer 404.
	Pay *PayConfig
	// Shipping is how the mini-program takes part in order shipping
	// management (发货信息管理, package shipping): when a paid transaction
	// reaches the shipping APIs (SyncDelay), and whether the mini-program
	// is trade managed. The shipping APIs are served with Config.Pay, whose
	// paid transactions are their orders.
	Shipping ShippingConfig
	// Phone is how the phone number API (手机号快速验证, package phone)
	// answers: CountryCode says whether phone_info.countryCode is the
	// string "86" (the default, as the API's table says) or the number 86
	// (as its official example shows).
	Phone PhoneConfig
	// Subscribe is the mini-program's subscribe messages (订阅消息, package
	// subscribe): the templates it has picked (more can be declared at run
	// time) and, if set, the pages of its released version, outside which
	// a send to the formal version answers 41030.
	Subscribe SubscribeConfig
	// Push, if set, is the mini-program's message push (消息推送, package
	// push): where WeChat pushes the trade_manage_* events, sealed in safe
	// mode. Nil pushes nothing.
	Push *PushConfig
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
	// StateFile, if set, is where the emulator keeps what it knows (users,
	// access tokens and the day's quotas, transactions, refunds and their
	// notifications, shipping orders, push attempts, phone codes and the
	// numbers set, subscribe templates declared at run time, subscriptions
	// and delivered messages; not faults, call counts or the countryCode
	// type switched at run time): read at New, written every second while it changes and at
	// Close, so that a restart beside a database that remembers its orders
	// still knows them. Unset, everything is forgotten at exit.
	StateFile string
	// OnSaveError hears a failed write of StateFile (the emulator keeps
	// serving); nil ignores it.
	OnSaveError func(error)
}

// Emulator is one emulated WeChat back end. Its methods are safe for
// concurrent use.
type Emulator struct {
	handler http.Handler

	// Each part guards its own state.
	faults *wxshared.Faults
	bg     *wxshared.Background
	token  *token.Server
	login  *login.Server
	pay    *wxpay.Server    // nil without Config.Pay
	ship   *shipping.Server // nil without Config.Pay
	push   *push.Server     // nil without Config.Push
	phone  *phone.Server
	sub    *subscribe.Server
	// control is the control API under /emulator/ over the parts above.
	control *control.API
	keeper  *keeper // nil without Config.StateFile
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
	codeTTL, now := cfg.CodeTTL, cfg.Now
	if codeTTL == 0 {
		codeTTL = DefaultCodeTTL
	}
	if now == nil {
		now = time.Now
	}
	e := &Emulator{}
	e.faults = wxshared.NewFaults()
	e.bg = wxshared.NewBackground()
	e.token = token.New(token.Config{AppID: cfg.AppID, Secret: cfg.Secret, Now: now}, e.faults)
	e.login = login.New(login.Config{AppID: cfg.AppID, Secret: cfg.Secret, UnionID: cfg.UnionID, CodeTTL: codeTTL, Now: now}, e.faults, e.token.Validate)
	ph, err := phone.New(cfg.Phone, cfg.AppID, now, e.faults, e.token.Validate, e.login)
	if err != nil {
		return nil, fmt.Errorf("emulator: Phone: %w", err)
	}
	e.phone = ph
	sub, err := subscribe.New(cfg.Subscribe, now, e.faults, e.token.Validate, e.login)
	if err != nil {
		return nil, fmt.Errorf("emulator: Subscribe: %w", err)
	}
	e.sub = sub
	if cfg.Pay != nil {
		p, err := wxpay.New(*cfg.Pay, cfg.AppID, now, e.faults, e.bg)
		if err != nil {
			return nil, fmt.Errorf("emulator: Pay: %w", err)
		}
		e.pay = p
	}
	if cfg.Push != nil {
		scale := 1.0
		if cfg.Pay != nil && cfg.Pay.TimeScale > 0 {
			scale = cfg.Pay.TimeScale
		}
		p, err := push.New(*cfg.Push, cfg.AppID, now, e.bg, time.Duration(float64(push.DefaultRetryWait)*scale))
		if err != nil {
			e.bg.Close()
			return nil, fmt.Errorf("emulator: Push: %w", err)
		}
		e.push = p
	}
	if e.pay != nil {
		var pusher shipping.Pusher
		if e.push != nil {
			pusher = e.push
		}
		e.ship = shipping.New(cfg.Shipping, cfg.AppID, now, e.faults, e.token.Validate, e.pay, pusher, e.bg)
	}
	if cfg.StateFile != "" {
		if err := e.restore(cfg.StateFile); err != nil {
			e.bg.Close()
			return nil, fmt.Errorf("emulator: StateFile: %w", err)
		}
		e.keeper = &keeper{path: cfg.StateFile, onError: cfg.OnSaveError}
		if e.keeper.onError == nil {
			e.keeper.onError = func(error) {}
		}
		e.keep()
	}
	e.control = control.New(control.Parts{Login: e.login, Token: e.token, Faults: e.faults, Pay: e.pay, Shipping: e.ship, Push: e.push,
		Phone: e.phone, Subscribe: e.sub})
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

// Close stops the emulator's background work: it cancels pending
// notification retries and in-flight attempts (which are then recorded
// with the cancellation as Err), waits until every delivery goroutine has
// returned, and closes the idle connections of its own notification
// client. Payments after Close still succeed but notify nobody; refunds
// then stay PROCESSING until CompleteRefund, which notifies nobody either.
// With Config.StateFile, it then writes the state a last time (a failure
// goes to Config.OnSaveError). It is safe to call more than once; the HTTP
// handler keeps working.
func (e *Emulator) Close() {
	e.bg.Close()
	if e.pay != nil {
		e.pay.CloseIdleConnections()
	}
	if e.push != nil {
		e.push.CloseIdleConnections()
	}
	if e.keeper != nil {
		if err := e.save(); err != nil {
			e.keeper.onError(err)
		}
	}
}
