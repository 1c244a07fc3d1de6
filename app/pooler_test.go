package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxmp/wxmp/adapters/postgres/pgembed"
	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
	"github.com/wxmp/wxmp/api/apitest"
	"github.com/wxmp/wxmp/db"
)

// Behind PgBouncer, as production runs it (README: "Behind a connection
// pooler"), with the README's own pgbouncer.ini: two instances started
// together on an empty database migrate once, serve login, orders,
// payment, cancel and refunds, run their jobs, and one of them restarts
// under load without hanging. Nothing is left locked and nothing is logged
// as an error. In transaction mode and in session mode.
func TestTwoInstancesBehindPgBouncer(t *testing.T) {
	for _, mode := range []string{"transaction", "session"} {
		t.Run(mode, func(t *testing.T) { behindPgBouncer(t, mode) })
	}
}

// readmeBouncerConfig is the pgbouncer.ini in README.md, pointed at the
// test's cluster and database.
func readmeBouncerConfig(t *testing.T, direct *url.URL, mode string) string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```ini\n(; pgbouncer.ini.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ```ini block starting with '; pgbouncer.ini'")
	}
	ini := string(m[1])
	dbname := strings.TrimPrefix(direct.Path, "/")
	for _, r := range []struct{ from, to string }{
		{"wxmp = host=db.internal port=5432 dbname=wxmp", fmt.Sprintf("%s = host=%s port=%s dbname=%s", dbname, direct.Hostname(), direct.Port(), dbname)},
		{"pool_mode = transaction", "pool_mode = " + mode},
	} {
		if !strings.Contains(ini, r.from) {
			t.Fatalf("README.md's pgbouncer.ini lacks %q", r.from)
		}
		ini = strings.Replace(ini, r.from, r.to, 1)
	}
	return ini
}

func behindPgBouncer(t *testing.T, mode string) {
	ctx := context.Background()
	directURL := pgtest.NewEmptyDB(t)
	direct, _ := url.Parse(directURL)
	bouncer, err := pgembed.StartBouncer(ctx, pgembed.BouncerOptions{Dir: filepath.Join(reachableTempDir(t), "pgbouncer"),
		Config: readmeBouncerConfig(t, direct, mode),
		// Under load a client's next transaction rarely finds the server
		// connection of its last one; round robin makes that so every time,
		// so that anything kept in a session (an advisory lock, a named
		// prepared statement, a LISTEN) is found missing here, not in
		// production.
		Settings: []string{"server_round_robin = 1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := bouncer.Stop(); err != nil {
			t.Error(err)
		}
	})
	dbname := strings.TrimPrefix(direct.Path, "/")

	dataDir := t.TempDir()
	keys := filepath.Join(dataDir, "emulator-keys.json")
	emuAddr := freeAddr(t)
	emuEnv := map[string]string{"WECHAT_MODE": "emulator", "EMULATOR_ADDR": emuAddr, "EMULATOR_KEYS_FILE": keys, "DATA_DIR": dataDir}
	emuCtx, stopEmu := context.WithCancel(ctx)
	emuDone := make(chan int, 1)
	go func() { emuDone <- run(emuCtx, []string{"emulator"}, emuEnv, &bytes.Buffer{}, &lockedBuffer{}) }()
	t.Cleanup(func() { stopEmu(); <-emuDone })
	emu := "http://" + emuAddr
	waitFor(t, 30*time.Second, func() bool {
		res, err := http.Get(emu + "/emulator/users/nobody")
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	})

	envOf := func(i int) map[string]string {
		return map[string]string{
			"WECHAT_MODE": "emulator", "DATABASE_URL": bouncer.URL(dbname), "DATABASE_POOLER": mode,
			"EMULATOR_EXTERNAL": "true", "EMULATOR_ADDR": emuAddr, "EMULATOR_KEYS_FILE": keys,
			"DATA_DIR": filepath.Join(dataDir, fmt.Sprint("instance", i)), "HTTP_ADDR": freeAddr(t), "SHUTDOWN_DELAY": "0s",
			"RECONCILE_INTERVAL": "2s", "SESSION_KEY_ENCRYPTION_KEY": liveEnv()["SESSION_KEY_ENCRYPTION_KEY"],
		}
	}
	envs := []map[string]string{envOf(0), envOf(1)}
	// Started together: both migrate the empty database at once.
	instances := make([]*instance, 2)
	for i := range instances {
		instances[i] = launch(ctx, envs[i])
	}
	for _, in := range instances {
		in.awaitReady(t)
	}
	api := []string{"http://" + envs[0]["HTTP_ADDR"], "http://" + envs[1]["HTTP_ADDR"]}
	sh := &shop{t: t, s: &server{api: api[0], emulator: emu, stdout: instances[0].stdout, logs: instances[0].logs}, client: apitest.Client(t)}

	// A buyer on both instances: a membership (virtual: shipped on payment,
	// uploaded to WeChat by a job), paid on the phone, then refunded by the
	// operator; another order cancelled.
	sh.login("pooled-buyer")
	var products struct {
		Items []struct {
			ID, Kind string
			Stock    int
		}
	}
	sh.call("GET", api[1]+"/v1/products", "", "", &products)
	var vip, plenty string // the membership; what the load orders (not sold out by it, needs no address)
	most := 0
	for _, p := range products.Items {
		if p.Kind == "virtual" {
			vip = p.ID
		}
		if p.Kind != "physical" && p.Stock > most {
			plenty, most = p.ID, p.Stock
		}
	}
	var co struct {
		Order struct {
			ID       string
			TotalFen int64 `json:"total_fen"`
		}
		Payment jsonRaw
		Detail  string
	}
	if st := sh.call("POST", api[1]+"/v1/orders", sh.token, fmt.Sprintf(`{"items":[{"product_id":%q,"quantity":1}]}`, vip), &co); st != 201 {
		t.Fatalf("place on instance 1: %d %s (vip %q in %+v)", st, co.Detail, vip, products)
	}
	sh.pay([]byte(co.Payment))
	sh.await(co.Order.ID, func(status string, _ []string) bool { return status == "shipped" })
	operatorKey := sh.operatorKey()
	if st := sh.call("POST", api[0]+"/admin/v1/orders/"+co.Order.ID+"/refunds", operatorKey,
		fmt.Sprintf(`{"amount_fen":%d,"reason":"不想要了"}`, co.Order.TotalFen), nil); st != 201 {
		t.Fatalf("refund: %d", st)
	}
	sh.await(co.Order.ID, func(status string, refunds []string) bool {
		return status == "refunded" && len(refunds) == 1 && refunds[0] == "SUCCESS"
	})
	cancelled, _ := sh.order()
	if st := sh.call("POST", api[1]+"/v1/orders/"+cancelled+"/cancel", sh.token, "", nil); st != 200 {
		t.Fatalf("cancel: %d", st)
	}

	// Instance 1 restarts while instance 0 takes orders and reads.
	var failures, calls atomic.Int64
	stopLoad := make(chan struct{})
	var load sync.WaitGroup
	load.Go(func() {
		client := apitest.Client(t)
		for {
			select {
			case <-stopLoad:
				return
			default:
			}
			for _, req := range []struct{ method, path, body string }{
				{"GET", "/v1/orders", ""},
				{"POST", "/v1/orders", fmt.Sprintf(`{"items":[{"product_id":%q,"quantity":1}]}`, plenty)},
			} {
				r, _ := http.NewRequest(req.method, api[0]+req.path, strings.NewReader(req.body))
				r.Header.Set("Authorization", "Bearer "+sh.token)
				if req.body != "" {
					r.Header.Set("Content-Type", "application/json")
				}
				res, err := client.Do(r)
				calls.Add(1)
				if err != nil || res.StatusCode >= 300 {
					failures.Add(1)
				}
				if err == nil {
					res.Body.Close()
				}
			}
			time.Sleep(20 * time.Millisecond) // steady load, not a stock-out
		}
	})
	instances[1].stop(t)
	instances[1] = launch(ctx, envs[1])
	instances[1].awaitReady(t)
	close(stopLoad)
	load.Wait()
	if calls.Load() == 0 || failures.Load() != 0 {
		t.Fatalf("%d of %d calls to instance 0 failed while instance 1 restarted", failures.Load(), calls.Load())
	}
	// The restarted instance serves.
	if st := sh.call("GET", api[1]+"/v1/orders/"+co.Order.ID, sh.token, "", nil); st != 200 {
		t.Fatalf("instance 1 after its restart: %d", st)
	}

	// Every job that came due ran, once, without an error.
	pool, err := pgxpool.New(ctx, directURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// Every job that came due ran, once, without an error; the periodic
	// ones too (a leader is elected by polling in transaction mode), and
	// the membership's upload, which waits for WeChat to know the payment.
	want := []string{"refund_submit", "shipping_upload", "message_send", "reconcile_sweep", "purge_expired"}
	completed := map[string]int{}
	waitFor(t, 45*time.Second, func() bool {
		var due int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable')`).Scan(&due)
		rows, err := pool.Query(ctx, `SELECT kind, count(*) FROM river_job WHERE state = 'completed' GROUP BY kind`)
		if err != nil {
			return false
		}
		defer rows.Close()
		for rows.Next() {
			var kind string
			var n int
			_ = rows.Scan(&kind, &n)
			completed[kind] = n
		}
		for _, kind := range want {
			if completed[kind] == 0 {
				return false
			}
		}
		return due == 0
	})
	var failed int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE errors IS NOT NULL`).Scan(&failed)
	if failed != 0 {
		t.Errorf("%d jobs have errors", failed)
	}

	for _, in := range instances {
		in.stop(t)
	}
	// Migrated once; nothing left locked.
	var applied, distinct, advisory, locked int
	_ = pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'`).Scan(&advisory)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM `+db.LockTable+` WHERE locked`).Scan(&locked)
	if applied == 0 || applied != distinct || advisory != 0 || locked != 0 {
		t.Fatalf("%d migrations (%d distinct), %d advisory locks, %d lock rows held", applied, distinct, advisory, locked)
	}
	for i, in := range instances {
		for _, line := range strings.Split(in.logs.String(), "\n") {
			if strings.Contains(line, "level=ERROR") {
				t.Errorf("instance %d logged an error: %s", i, line)
			}
		}
	}
}

type jsonRaw []byte

func (j *jsonRaw) UnmarshalJSON(b []byte) error { *j = append((*j)[:0], b...); return nil }

// instance is one `wxmp serve` in this process.
type instance struct {
	api          string
	stdout, logs *lockedBuffer
	cancel       context.CancelFunc
	done         chan int
}

func launch(ctx context.Context, env map[string]string) *instance {
	ctx, cancel := context.WithCancel(ctx)
	in := &instance{api: "http://" + env["HTTP_ADDR"], stdout: &lockedBuffer{}, logs: &lockedBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { in.done <- run(ctx, []string{"serve"}, env, in.stdout, in.logs) }()
	return in
}

func (in *instance) awaitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(in.api + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case code := <-in.done:
			t.Fatalf("serve exited %d before it was ready; logs:\n%s", code, in.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 60s; logs:\n%s", in.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (in *instance) stop(t *testing.T) {
	t.Helper()
	in.cancel()
	select {
	case code := <-in.done:
		in.done <- code // a second stop sees it too
		if code != 0 {
			t.Errorf("serve exited %d; logs:\n%s", code, in.logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop within 30s; logs:\n%s", in.logs.String())
	}
}
