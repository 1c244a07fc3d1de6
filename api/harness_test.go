package api_test

import (
	"bytes"
	"cmp"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxmp/wxmp/adapters/images"
	"github.com/wxmp/wxmp/adapters/jobs"
	"github.com/wxmp/wxmp/adapters/metrics"
	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
	"github.com/wxmp/wxmp/adapters/token"
	"github.com/wxmp/wxmp/adapters/wechat"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api"
	"github.com/wxmp/wxmp/api/apitest"
	"github.com/wxmp/wxmp/domain"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	ttl      = time.Hour
	orderTTL = 30 * time.Minute
)

// harness is the real service (router, use cases, Postgres store, token
// adapter, WeChat adapter) in front of the WeChat emulator over HTTP, with
// a clock the test moves.
type harness struct {
	t      testing.TB
	url    string
	emuURL string
	client *http.Client
	emu    *emulator.Emulator
	pool   *pgxpool.Pool
	store  *postgres.Store
	clock  *clock
	logs   *syncBuffer

	pay       *wechat.Pay
	confirm   *domain.ConfirmPayment
	reconcile *domain.Reconcile
	refresh   *domain.RefreshOrder
	late      *domain.HandleLatePayment
	submit    *domain.SubmitRefund
	check     *domain.CheckRefund
	bill      *domain.CheckBill
	upload    *domain.UploadShipment
	message   *domain.SendMessage
	platform  *wechat.Platform
	registry  *prometheus.Registry
	// operatorKey is accepted on the operator API.
	operatorKey string
	keys        emulator.PayKeys
}

func newHarness(t testing.TB) *harness { return newHarnessWith(t, harnessConfig{}) }

// harnessConfig changes what a test needs changed; zero values are the
// defaults.
type harnessConfig struct {
	orderTTL         time.Duration
	sessionTTL       time.Duration
	prepayReuse      time.Duration // the service's
	prepayIDValidity time.Duration // the emulator's
	policy           *domain.ReconcilePolicy
	shippingSync     time.Duration // how long WeChat's shipping management takes to learn of a payment; 0: at once
}

func newHarnessWith(t testing.TB, hc harnessConfig) *harness {
	t.Helper()
	if hc.orderTTL == 0 {
		hc.orderTTL = orderTTL
	}
	if hc.sessionTTL == 0 {
		hc.sessionTTL = ttl
	}
	policy := domain.DefaultReconcilePolicy()
	if hc.policy != nil {
		policy = *hc.policy
	}
	orderPolicy := domain.OrderPolicy{TTL: hc.orderTTL, PrepayReuse: hc.prepayReuse}
	keys := payKeys()
	// The notify_url and the push URL must be known before the server
	// starts: listen first.
	srv := httptest.NewUnstartedServer(nil)
	emu, err := emulator.New(emulator.Config{Push: &emulator.PushConfig{URL: "http://" + srv.Listener.Addr().String() + "/v1/wechat/push",
		Token: testPushToken, EncodingAESKey: testPushAESKey},
		AppID: "wxapitest", Secret: "apitest-secret", Pay: &emulator.PayConfig{
			Keys: keys, AllowHTTPNotify: true, TimeScale: 0.0001, PrepayIDValidity: hc.prepayIDValidity,
		}, Shipping: emulator.ShippingConfig{SyncDelay: cmp.Or(hc.shippingSync, -1)}})
	if err != nil {
		t.Fatal(err)
	}
	emuSrv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { emu.Close(); emuSrv.Close() })

	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	auth, err := wechat.NewAuth(wechat.AuthConfig{
		BaseURL: emuSrv.URL, AppID: "wxapitest", Secret: "apitest-secret",
		Timeout: 2 * time.Second, RetryBackoff: time.Millisecond,
	}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	pool := pgtest.NewPool(t)
	sealer, err := postgres.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sched, err := jobs.NewScheduler()
	if err != nil {
		t.Fatal(err)
	}
	sched.SendMessages()
	store := postgres.NewStore(pool, sealer, sched)
	// Real time, not a fixed date: WeChat Pay signatures are checked against
	// the system clock (by the SDK too), so the test clock starts at now.
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	tokens := token.NewOpaque()

	pay, err := wechat.NewPay(wechat.PayConfig{
		BaseURL: emuSrv.URL, AppID: "wxapitest", MchID: keys.MchID,
		MchCertSerial: keys.MchCertSerial, MchPrivateKey: keys.MchPrivateKey, APIv3Key: keys.APIv3Key,
		PublicKeyID: keys.PublicKeyID, PublicKey: &keys.PublicKeyPrivate.PublicKey,
		PlatformCerts:   []*x509.Certificate{keys.PlatformCert},
		NotifyURL:       "http://" + srv.Listener.Addr().String() + "/v1/wechatpay/notify",
		RefundNotifyURL: "http://" + srv.Listener.Addr().String() + "/v1/wechatpay/refund-notify",
		Now:             clk.Now,
		BillsOfOpenDays: true,
	}, nil, log)
	if err != nil {
		t.Fatal(err)
	}

	login := domain.NewLogin(auth, tokens, store, clk.Now, domain.SessionPolicy{TTL: hc.sessionTTL})
	logout := domain.NewLogout(store, clk.Now)
	authn := domain.NewAuthenticate(tokens, store, clk.Now)
	registry := prometheus.NewRegistry()
	monitor := metrics.New(registry)
	confirm := domain.NewConfirmPayment(store, domain.Merchant{AppID: "wxapitest", MchID: keys.MchID}, clk.Now, monitor, log, domain.DefaultLedgerPolicy())
	refresh := domain.NewRefreshOrder(store, pay, confirm, clk.Now, monitor, log)
	merchant := domain.Merchant{AppID: "wxapitest", MchID: keys.MchID}
	confirmRefund := domain.NewConfirmRefund(store, merchant, clk.Now, monitor, log)
	refundPolicy := domain.RefundPolicy{Checks: []time.Duration{time.Second}, MaxChecks: 3}
	check := domain.NewCheckRefund(store, pay, confirmRefund, clk.Now, refundPolicy, monitor, log)
	platform, err := wechat.NewPlatform(wechat.PlatformConfig{BaseURL: emuSrv.URL, AppID: "wxapitest", Secret: "apitest-secret",
		RetryBackoff: time.Millisecond}, store, nil, monitor, log)
	if err != nil {
		t.Fatal(err)
	}
	operate := domain.NewOperate(store, store, platform, store, domain.NewRefundOrder(store, clk.Now), check, clk.Now)
	shipping := wechat.NewShipping(platform, keys.MchID)
	receipt := domain.NewConfirmReceipt(store, shipping, clk.Now, log)
	server := api.NewServer(login, logout, store, store,
		domain.NewPlaceOrder(store, pay, clk.Now, orderPolicy, policy),
		domain.NewPayOrder(store, pay, clk.Now, orderPolicy),
		domain.NewCancelOrder(store, pay, confirm, clk.Now),
		refresh, operate, store,
		store.Ping, receipt, domain.NewAskRefund(store, clk.Now), domain.NewEditProfile(store, images.Pictures{}, platform),
		domain.NewSubscribe(store, domain.SubscribePolicy{Templates: testTemplates}))
	opKey, opEntry, _, err := token.MintOperatorKey("test-ops")
	if err != nil {
		t.Fatal(err)
	}
	operators, err := token.ParseOperatorKeys(opEntry)
	if err != nil {
		t.Fatal(err)
	}
	opener, err := wechat.NewPush(wechat.PushConfig{Token: testPushToken, EncodingAESKey: testPushAESKey, AppID: "wxapitest"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.NewHandler(server, authn, operators, api.NewNotifyHandler(pay, confirm, log),
		api.NewRefundNotifyHandler(pay, confirmRefund, confirm, log), api.NewPushHandler(opener, receipt, log), monitor, api.AccessLogAll, log)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return &harness{
		t: t, url: srv.URL, emuURL: emuSrv.URL, client: apitest.Client(t), emu: emu, pool: pool, store: store, clock: clk, logs: logs,
		pay: pay, confirm: confirm, keys: keys, refresh: refresh, registry: registry, operatorKey: opKey,
		submit:    domain.NewSubmitRefund(store, pay, confirmRefund, clk.Now, refundPolicy, monitor, log),
		check:     check,
		reconcile: domain.NewReconcile(store, pay, confirm, clk.Now, policy, monitor, log),
		late:      domain.NewHandleLatePayment(store, clk.Now, monitor, log),
		upload:    domain.NewUploadShipment(store, shipping, clk.Now, monitor, log),
		message:   domain.NewSendMessage(store, store, store, platform, domain.SubscribePolicy{Templates: testTemplates}, log),
		platform:  platform,
		bill:      domain.NewCheckBill(pay, store, pay, pay, confirm, confirmRefund, clk.Now, domain.DefaultBillPolicy(), monitor, log),
	}
}

// The subscribe-message templates the shop sends.
var testTemplates = []domain.SubscribeTemplate{{Event: domain.MessagePaid, ID: "TMPL_PAID"}, {Event: domain.MessageShipped, ID: "TMPL_SHIPPED"},
	{Event: domain.MessageRefundRequest, ID: "TMPL_REQUEST"}}

// The message push settings the emulator pushes with.
const (
	testPushToken  = "apitestPush"
	testPushAESKey = "apitestPushEncodingAESKey0123456789abcdefgh"
)

// payKeys are generated once per package run: RSA key generation is slow.
var payKeys = sync.OnceValue(func() emulator.PayKeys {
	k, err := emulator.GeneratePayKeys("1900000001")
	if err != nil {
		panic(err)
	}
	return k
})

// do sends a request and decodes a JSON answer (if any) into out.
func (h *harness) do(method, path, bearer string, body any, out any) *http.Response {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return h.send(req, out)
}

func (h *harness) send(req *http.Request, out any) *http.Response {
	h.t.Helper()
	res, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("decode %s: %v", b, err)
		}
	}
	return res
}

func jsonMarshal(v any) (io.Reader, error) {
	b, err := json.Marshal(v)
	return bytes.NewReader(b), err
}

// login mints a code for user at the emulator (as wx.login would) and logs in.
func (h *harness) login(user string) api.LoginResponse {
	h.t.Helper()
	code, err := h.emu.MintCode(user)
	if err != nil {
		h.t.Fatal(err)
	}
	var out api.LoginResponse
	if res := h.do("POST", "/v1/auth/login", "", api.LoginRequest{Code: code.Code}, &out); res.StatusCode != 200 {
		h.t.Fatalf("login %s: status %d", user, res.StatusCode)
	}
	return out
}

// problem asserts that res is a problem with this status and code.
func wantProblem(t *testing.T, res *http.Response, p api.Problem, status int, code api.ProblemCode) {
	t.Helper()
	if res.StatusCode != status || p.Code != code || p.Status != status {
		t.Fatalf("got %d %q (body status %d), want %d %q", res.StatusCode, p.Code, p.Status, status, code)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type = %q", ct)
	}
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
