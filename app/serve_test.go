package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
	"github.com/wxmp/wxmp/api/apitest"
)

func TestMain(m *testing.M) {
	// The bench harness starts the service and the emulator as children of
	// its own binary, which in a test is this test binary: play them.
	if len(os.Args) > 1 && (os.Args[1] == "serve" || os.Args[1] == "emulator" || os.Args[1] == "bench-floor") {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], environ(), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	pgtest.Main(m)
}

func TestServiceGraphIsComplete(t *testing.T) {
	for _, env := range []map[string]string{{}, liveEnv()} {
		cfg, err := LoadConfig(env)
		if err != nil {
			t.Fatal(err)
		}
		cfg.SessionKeyEncryptionKey = liveEnv()["SESSION_KEY_ENCRYPTION_KEY"]
		if err := fx.ValidateApp(serviceOptions(cfg, newLogger(cfg, &bytes.Buffer{}))); err != nil {
			t.Fatalf("%s mode: %v", cfg.WeChatMode, err)
		}
	}
}

// server runs `wxmp serve` in-process, as main would, until the test ends
// (or stop).
type server struct {
	api, emulator string
	stdout, logs  *lockedBuffer
	stop          func()
}

func startServe(t *testing.T, env map[string]string) *server {
	t.Helper()
	if env["DATA_DIR"] == "" {
		env["DATA_DIR"] = t.TempDir() // never the package folder: keys are written there
	}
	if _, ok := env["SHUTDOWN_DELAY"]; !ok {
		env["SHUTDOWN_DELAY"] = "0s"
	}
	s := &server{stdout: &lockedBuffer{}, logs: &lockedBuffer{}}
	if env["HTTP_ADDR"] == "" { // a restart keeps its addresses, as make run does
		env["HTTP_ADDR"], env["EMULATOR_ADDR"] = freeAddr(t), freeAddr(t)
	}
	s.api, s.emulator = "http://"+env["HTTP_ADDR"], "http://"+env["EMULATOR_ADDR"]

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, env, s.stdout, s.logs) }()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("serve exited %d; logs:\n%s", code, s.logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop within 30s of cancellation")
			}
		})
	}
	t.Cleanup(s.stop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.api + "/readyz")
		if err == nil && res.StatusCode == http.StatusOK {
			res.Body.Close()
			return s
		}
		if err == nil {
			res.Body.Close()
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before it was ready; logs:\n%s", code, s.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 60s; logs:\n%s", s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// walkthrough is README.md's curl sequence, request for request.
func (s *server) walkthrough(t *testing.T) {
	t.Helper()
	client := apitest.Client(t)
	post := func(c *http.Client, url, bearer, body string, out any) int {
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		return do(t, c, req, out)
	}
	get := func(url, bearer string, out any) int {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		return do(t, client, req, out)
	}

	var code struct{ Code, OpenID string }
	if st := post(http.DefaultClient, s.emulator+"/emulator/login-codes", "", `{"user":"alice"}`, &code); st != 201 || code.Code == "" {
		t.Fatalf("mint code: %d %+v", st, code)
	}
	var login struct{ Token string }
	if st := post(client, s.api+"/v1/auth/login", "", fmt.Sprintf(`{"code":%q}`, code.Code), &login); st != 200 {
		t.Fatalf("login: %d", st)
	}
	var me struct{ Openid string }
	if st := get(s.api+"/v1/me", login.Token, &me); st != 200 || me.Openid != code.OpenID {
		t.Fatalf("/v1/me: %d %+v, want openid %s", st, me, code.OpenID)
	}

	var products struct{ Items []struct{ ID string } }
	if st := get(s.api+"/v1/products", "", &products); st != 200 || len(products.Items) == 0 {
		t.Fatalf("products: %d %+v", st, products)
	}
	var checkout struct {
		Order struct {
			ID     string
			Status string
		}
		Payment json.RawMessage
	}
	body := fmt.Sprintf(`{"items":[{"product_id":%q,"quantity":2}]}`, products.Items[0].ID)
	if st := post(client, s.api+"/v1/orders", login.Token, body, &checkout); st != 201 || checkout.Order.Status != "pending" {
		t.Fatalf("place order: %d %+v", st, checkout)
	}
	// What wx.requestPayment does: the five arguments go to WeChat (here the emulator).
	var paid struct {
		TradeState string `json:"trade_state"`
	}
	if st := post(http.DefaultClient, s.emulator+"/emulator/payments", "", string(checkout.Payment), &paid); st != 200 || paid.TradeState != "SUCCESS" {
		t.Fatalf("request payment: %d %+v", st, paid)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var o struct{ Status string }
		if st := get(s.api+"/v1/orders/"+checkout.Order.ID, login.Token, &o); st != 200 {
			t.Fatalf("get order: %d", st)
		}
		if o.Status == "paid" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("order still %s 20s after payment", o.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The operator refunds part of it with the key make run printed: the
	// refund_submit job asks the emulator, whose refund notification ends it.
	key := regexp.MustCompile(`OPERATOR_KEY=(wxop_\S+)`).FindStringSubmatch(s.stdout.String())
	if key == nil {
		t.Fatalf("no operator key printed:\n%s", s.stdout.String())
	}
	var refund struct{ Status string }
	if st := post(client, s.api+"/admin/v1/orders/"+checkout.Order.ID+"/refunds", key[1], `{"amount_fen":100,"reason":"少发一件"}`, &refund); st != 201 || refund.Status != "PROCESSING" {
		t.Fatalf("refund: %d %+v", st, refund)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		var o struct {
			RefundedFen int64 `json:"refunded_fen"`
			Refunds     []struct{ Status string }
		}
		if st := get(s.api+"/v1/orders/"+checkout.Order.ID, login.Token, &o); st != 200 {
			t.Fatalf("get order: %d", st)
		}
		if len(o.Refunds) == 1 && o.Refunds[0].Status == "SUCCESS" && o.RefundedFen == 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("refund still %+v after 30s; logs:\n%s", o, s.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Contains(s.logs.String(), key[1]) {
		t.Error("the operator key reached the logs")
	}

	var refreshed struct{ Status string }
	if st := post(client, s.api+"/v1/orders/"+checkout.Order.ID+"/refresh", login.Token, "", &refreshed); st != 200 || refreshed.Status != "paid" {
		t.Fatalf("refresh: %d %+v", st, refreshed)
	}
	if st := post(client, s.api+"/v1/auth/logout", login.Token, "", nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	var p struct{ Code string }
	if st := get(s.api+"/v1/me", login.Token, &p); st != 401 || p.Code != "unauthorized" {
		t.Fatalf("/v1/me after logout: %d %+v", st, p)
	}
	if strings.Contains(s.logs.String(), login.Token) {
		t.Error("the token reached the logs")
	}
}

func TestServeWithDatabaseURL(t *testing.T) {
	metricsAddr := freeAddr(t)
	s := startServe(t, map[string]string{"WECHAT_MODE": "emulator", "DATABASE_URL": pgtest.NewDB(t), "DATA_DIR": t.TempDir(), "METRICS_ADDR": metricsAddr})
	s.walkthrough(t)
	// The payment's notification is counted on the metrics listener (and
	// only there: the API does not serve /metrics).
	res, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`wxmp_payment_verdicts_total{source="notification",verdict="applied"} 1`,
		`wxmp_http_requests_total{method="POST",route="/v1/orders",status="201"} 1`,
		`wxmp_http_requests_total{method="GET",route="/v1/orders/{orderId}",status="200"}`,
		`wxmp_wechat_requests_total{endpoint="pay.jsapi",result="2xx"} 1`,
		`wxmp_wechat_requests_total{endpoint="code2session",result="2xx"} 1`,
		`wxmp_wechat_requests_total{endpoint="refund.create",result="2xx"} 1`,
		`wxmp_jobs_total{kind="refund_submit",outcome="completed"} 1`,
		`wxmp_db_pool_max_connections`,
		`wxmp_orders_open{status="pending"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if res, err := http.Get(s.api + "/metrics"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("the API serves /metrics: %v %v", res.StatusCode, err)
	}
	if out := s.stdout.String(); !strings.Contains(out, s.emulator+"/emulator/login-codes") || !strings.Contains(out, s.api+"/v1/me") {
		t.Errorf("printed walk-through lacks this run's URLs:\n%s", out)
	}
}

// `make run` on a fresh clone: no DATABASE_URL, so a private cluster under
// DATA_DIR, plus an encryption key created there on first start.
func TestServeWithEmbeddedPostgres(t *testing.T) {
	dataDir := filepath.Join(reachableTempDir(t), ".data") // not there yet, like a fresh checkout's
	s := startServe(t, map[string]string{"DATA_DIR": dataDir})
	s.walkthrough(t)
	key, err := os.ReadFile(filepath.Join(dataDir, "session-key-encryption.key"))
	if err != nil || len(bytes.TrimSpace(key)) != 44 {
		t.Fatalf("dev key: %q, %v", key, err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postgres", "PG_VERSION")); err != nil {
		t.Fatalf("no cluster under DATA_DIR: %v", err)
	}
}

func TestLiveModeRefusesToStartWithoutSecrets(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve"}, map[string]string{"WECHAT_MODE": "live"}, &bytes.Buffer{}, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "WECHAT_SECRET") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestMigrateSubcommand(t *testing.T) {
	url := pgtest.NewDB(t)
	var logs bytes.Buffer
	if code := run(context.Background(), []string{"migrate"}, map[string]string{"WECHAT_MODE": "emulator", "DATABASE_URL": url}, &bytes.Buffer{}, &logs); code != 0 {
		t.Fatalf("migrate exited %d: %s", code, logs.String())
	}
	if !strings.Contains(logs.String(), "up to date") {
		t.Fatalf("logs: %s", logs.String())
	}
}

// With MIGRATE_ON_START=false, migrating is the release step's: serve
// refuses a database that lacks a migration, and starts once `wxmp
// migrate` ran.
func TestServeWithoutMigratingNeedsAMigratedDatabase(t *testing.T) {
	url := pgtest.NewEmptyDB(t)
	env := map[string]string{"WECHAT_MODE": "emulator", "DATABASE_URL": url, "MIGRATE_ON_START": "false", "DATA_DIR": t.TempDir()}
	var logs bytes.Buffer
	if code := run(context.Background(), []string{"serve"}, env, &bytes.Buffer{}, &logs); code != 1 || !strings.Contains(logs.String(), "wxmp migrate") {
		t.Fatalf("serve on an empty database exited %d: %s", code, logs.String())
	}
	if code := run(context.Background(), []string{"migrate"}, env, &bytes.Buffer{}, &logs); code != 0 {
		t.Fatalf("migrate exited %d: %s", code, logs.String())
	}
	s := startServe(t, env)
	s.walkthrough(t)
}

func TestUnknownSubcommand(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"deploy"}, map[string]string{}, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func do(t *testing.T, c *http.Client, req *http.Request, out any) int {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// reachableTempDir is a temp dir the unprivileged PostgreSQL user can reach
// when tests run as root (t.TempDir's parents are private to root).
func reachableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "wxmp-serve-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestOperatorKeySubcommand(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"operator-key", "alice-ops"}, map[string]string{}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	m := regexp.MustCompile(`(?s)(wxop_alice-ops_\S+).*\n  (alice-ops:[0-9a-f]{64})\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("output %q", out.String())
	}
	if strings.Contains(m[2], strings.TrimPrefix(m[1], "wxop_alice-ops_")) {
		t.Fatal("the configuration entry holds the key")
	}
	if _, err := LoadConfig(map[string]string{"OPERATOR_API_KEYS": m[2]}); err != nil {
		t.Fatalf("the printed entry is not valid configuration: %v", err)
	}
	if code := run(context.Background(), []string{"operator-key", "Bad Id"}, map[string]string{}, &out, &errs); code != 2 {
		t.Fatalf("a bad id: exit %d", code)
	}
	if _, err := LoadConfig(map[string]string{"OPERATOR_API_KEYS": "ops:not-a-digest"}); err == nil || !strings.Contains(err.Error(), "OPERATOR_API_KEYS") {
		t.Fatalf("a bad OPERATOR_API_KEYS: %v", err)
	}
}

// On SIGTERM readiness fails first; requests are still answered until the
// listener closes SHUTDOWN_DELAY later.
func TestShutdownDrainsBeforeClosing(t *testing.T) {
	env := map[string]string{"WECHAT_MODE": "emulator", "DATABASE_URL": pgtest.NewDB(t), "SHUTDOWN_DELAY": "2s", "DATA_DIR": t.TempDir()}
	httpAddr, emuAddr := freeAddr(t), freeAddr(t)
	env["HTTP_ADDR"], env["EMULATOR_ADDR"] = httpAddr, emuAddr
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, env, &lockedBuffer{}, logs) }()
	api := "http://" + httpAddr
	defer func() { t.Log(logs.String()) }()
	waitFor(t, 60*time.Second, func() bool {
		res, err := http.Get(api + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	cancel() // what SIGTERM does in main
	waitFor(t, 5*time.Second, func() bool {
		res, err := http.Get(api + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusServiceUnavailable
	})
	// Still answering while draining.
	res, err := http.Get(api + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("a request during the drain: %v %v", res, err)
	}
	res.Body.Close()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get(api + "/healthz"); err == nil {
		t.Fatal("still listening after stop")
	}
	for _, want := range []string{"stopping: readiness fails now", "HTTP server stopped", "background jobs stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in the logs", want)
		}
	}
}

// One small run of the load harness: it starts everything, drives every
// scenario and reports floors. (Its numbers are for make bench, not here.)
func TestBenchHarnessRuns(t *testing.T) {
	rep, err := bench(context.Background(), []int{2}, 300*time.Millisecond, []int{3000, 6000}, func(string) bool { return true }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]benchRow{}
	for _, r := range rep.Rows {
		seen[r.Scenario] = r
	}
	for _, name := range []string{"floor: bare chi handler", "healthz (no database)", "authenticated read GET /v1/me",
		"order list GET /v1/orders", "login (code2session)", "PlaceOrder (prepay + paySign)",
		"first notification (verify+apply)", "duplicate notification", "shop session (7 calls, pay, notify)"} {
		r, ok := seen[name]
		if !ok || r.RPS <= 0 || r.Errors > 0 {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if r := seen["authenticated read GET /v1/me"]; r.Floor <= 0 || r.Ratio <= 0 || r.CPUms <= 0 {
		t.Errorf("no floor or CPU for the authenticated read: %+v", r)
	}
	if r := seen["order list, 6000 orders in the table"]; r.RPS <= 0 || r.Ratio <= 0 {
		t.Errorf("no order list at scale: %+v", r)
	}
	if r := seen["first notification (verify+apply) @80% of peak"]; r.RPS <= 0 || r.P99ms <= 0 {
		t.Errorf("no fixed-rate run: %+v", r)
	}
	if rep.Crypto["rsa2048_sign"] <= 0 || rep.Crypto["aes256gcm_1k"] <= 0 {
		t.Errorf("crypto rates %v", rep.Crypto)
	}
}
