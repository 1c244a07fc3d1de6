package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"

	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
	"github.com/wxmp/wxmp/adapters/wechat/emulator"
	"github.com/wxmp/wxmp/api/apitest"
)

// Many instances, one Postgres: two service instances share a database
// and a WeChat (the emulator). Every notification is lost; the order's
// check job still makes it paid long before it would expire, the job runs
// on one instance only (WeChat is asked once), and every job is attempted
// once.
func TestTwoInstancesRunEachJobOnce(t *testing.T) {
	keys, err := emulator.GeneratePayKeys(emulatorMchID)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(emulator.Config{AppID: emulatorAppID, Secret: emulatorSecret,
		Pay: &emulator.PayConfig{Keys: keys, AllowHTTPNotify: true}})
	if err != nil {
		t.Fatal(err)
	}
	emuSrv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { emu.Close(); emuSrv.Close() })

	dbURL, dataDir := pgtest.NewDB(t), t.TempDir()
	var apis []string
	var logs []*lockedBuffer
	for range 2 {
		addr := freeAddr(t)
		cfg, err := LoadConfig(map[string]string{
			"WECHAT_MODE": "emulator", "DATABASE_URL": dbURL, "DATA_DIR": dataDir, "HTTP_ADDR": addr,
			"EMULATOR_ADDR": strings.TrimPrefix(emuSrv.URL, "http://"), "RECONCILE_INTERVAL": "2s",
			"SESSION_KEY_ENCRYPTION_KEY": liveEnv()["SESSION_KEY_ENCRYPTION_KEY"], "SHUTDOWN_DELAY": "0s",
		})
		if err != nil {
			t.Fatal(err)
		}
		cfg.emulatorKeys = &keys
		cfg.checkDelays = []time.Duration{time.Second, 2 * time.Second}
		cfg.jobPoll = 100 * time.Millisecond
		buf := &lockedBuffer{}
		app := fx.New(serviceOptions(cfg, slog.New(slog.NewTextHandler(buf, nil))))
		if err := app.Start(context.Background()); err != nil {
			t.Fatalf("instance %d: %v\n%s", len(apis), err, buf.String())
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := app.Stop(ctx); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
		apis, logs = append(apis, "http://"+addr), append(logs, buf)
	}

	client := apitest.Client(t)
	code, err := emu.MintCode("alice")
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	call(t, client, "POST", apis[0]+"/v1/auth/login", "", fmt.Sprintf(`{"code":%q}`, code.Code), 200, &login)
	var products struct{ Items []struct{ ID string } }
	call(t, client, "GET", apis[1]+"/v1/products", "", "", 200, &products)
	if err := emu.InjectFault(emulator.Fault{Endpoint: emulator.Notify, Drop: 100}); err != nil {
		t.Fatal(err)
	}
	var checkout struct {
		Order struct {
			ID         string
			OutTradeNo string `json:"out_trade_no"`
		}
		Payment struct {
			TimeStamp, NonceStr, Package, SignType, PaySign string
		}
	}
	call(t, client, "POST", apis[1]+"/v1/orders", login.Token,
		fmt.Sprintf(`{"items":[{"product_id":%q,"quantity":1}]}`, products.Items[0].ID), 201, &checkout)
	p := checkout.Payment
	if _, err := emu.RequestPayment(emulator.PaymentRequest{TimeStamp: p.TimeStamp, NonceStr: p.NonceStr,
		Package: p.Package, SignType: p.SignType, PaySign: p.PaySign}); err != nil {
		t.Fatal(err)
	}

	// No notification arrives; nobody refreshes. The first check job does it.
	deadline := time.Now().Add(45 * time.Second)
	for {
		var o struct{ Status string }
		call(t, client, "GET", apis[0]+"/v1/orders/"+checkout.Order.ID, login.Token, "", 200, &o)
		if o.Status == "paid" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("order still %s; logs:\n%s\n%s", o.Status, logs[0].String(), logs[1].String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Let the second check job run too: it must see the order paid and not ask.
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	waitFor(t, 30*time.Second, func() bool {
		var open int
		_ = pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'order_check'
			AND args->>'order_id' = $1 AND state <> 'completed'`, checkout.Order.ID).Scan(&open)
		return open == 0
	})
	if n := emu.QueryCount(checkout.Order.OutTradeNo); n != 1 {
		t.Fatalf("WeChat was asked %d times about the order, want 1", n)
	}
	rows, err := pool.Query(context.Background(), `SELECT kind, attempt, state FROM river_job WHERE args->>'order_id' = $1`, checkout.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var attempt int
		if err := rows.Scan(&kind, &attempt, &state); err != nil {
			t.Fatal(err)
		}
		if state == "completed" && attempt != 1 {
			t.Errorf("%s job completed after %d attempts, want 1", kind, attempt)
		}
	}
	// The sweep is a periodic job: enqueued by one leader, not one per instance.
	var sweeps, distinct int
	waitFor(t, 30*time.Second, func() bool {
		_ = pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT date_trunc('second', scheduled_at))
			FROM river_job WHERE kind = 'reconcile_sweep' AND state = 'completed'`).Scan(&sweeps, &distinct)
		return sweeps >= 3
	})
	if sweeps == 0 || sweeps != distinct {
		t.Fatalf("%d sweeps at %d distinct moments: instances ran it side by side", sweeps, distinct)
	}
}

func call(t *testing.T, c *http.Client, method, url, bearer, body string, want int, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if st := do(t, c, req, out); st != want {
		t.Fatalf("%s %s: %d, want %d", method, url, st, want)
	}
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not so after %s", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
