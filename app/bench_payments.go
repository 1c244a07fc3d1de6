package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/wxmp/wxmp/adapters/wechat/emulator"
)

// notifyBatch bounds how many distinct first notifications one step can
// send (the step ends early if it uses them all); the SQL floor gets more
// orders, as it has no signatures to make first.
const (
	notifyBatch      = 10000
	notifyFloorBatch = 40000
)

// errBenchExhausted ends a floor's run early: it has used every row made
// for it (its rate is then over the time it ran).
var errBenchExhausted = errors.New("bench: no more prepared rows")

type sealed struct {
	header http.Header
	body   []byte
}

// notifications writes n pending orders straight into the database and
// seals, for each, WeChat's TRANSACTION.SUCCESS notification (signed with
// the emulator's keys, on this process's CPUs, not the service's).
func (e *benchEnv) notifications(ctx context.Context, n int) ([]sealed, error) {
	nos, err := e.pendingOrders(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]sealed, n)
	var wg sync.WaitGroup
	var failed atomic.Value
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				h, b, err := e.signer.SealTransaction(map[string]any{
					"appid": emulatorAppID, "mchid": emulatorMchID, "out_trade_no": nos[i].no,
					"transaction_id": fmt.Sprintf("4200%024d", e.batch.Add(1)), "trade_type": "JSAPI",
					"trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
					"success_time": time.Now().Format(time.RFC3339), "payer": map[string]any{"openid": nos[i].openid},
					"amount": map[string]any{"total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"},
				}, emulator.NotificationOptions{})
				if err != nil {
					failed.Store(err)
					return
				}
				h.Set("Content-Type", "application/json")
				out[i] = sealed{h, b}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return nil, err
	}
	return out, nil
}

type pendingNo struct{ no, openid string }

// pendingOrders inserts n pending orders of 100 fen for the bench buyers.
func (e *benchEnv) pendingOrders(ctx context.Context, n int) ([]pendingNo, error) {
	prefix := fmt.Sprintf("B%06d", e.batch.Add(1))
	rows, err := e.pool.Query(ctx, `
		INSERT INTO orders (id, user_id, payer_openid, out_trade_no, status, description, total_fen, request_hash,
		                    created_at, updated_at, expires_at, next_check_at)
		SELECT gen_random_uuid(), u.id, u.openid, $1 || lpad(g::text, 8, '0'), 'pending', 'bench', 100, '\x00',
		       now(), now(), now() + interval '1 hour', now() + interval '1 hour'
		FROM generate_series(1, $2::int) g
		JOIN LATERAL (SELECT id, openid FROM users ORDER BY id OFFSET (g % $3::int) LIMIT 1) u ON true
		RETURNING out_trade_no, payer_openid`, prefix, n, len(e.users))
	if err != nil {
		return nil, fmt.Errorf("bench orders: %w", err)
	}
	var out []pendingNo
	for rows.Next() {
		var p pendingNo
		if err := rows.Scan(&p.no, &p.openid); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// A bulk load outruns autovacuum: without fresh statistics the planner
	// takes the grown table for a small one.
	_, err = e.pool.Exec(ctx, "ANALYZE orders")
	return out, err
}

// notifySQLRate is the least SQL a first notification needs: lock the
// order, mark it paid and append the ledger row, all or nothing, in one
// statement (the UPDATE takes the row lock; its data-modifying CTE and the
// INSERT commit together as one implicit transaction): one round trip.
func (e *benchEnv) notifySQLRate(ctx context.Context, c int, dur time.Duration, batch int) (sqlFloor, error) {
	nos, err := e.pendingOrders(ctx, batch)
	if err != nil {
		return sqlFloor{}, err
	}
	var next atomic.Int64
	return e.sqlRate(c, dur, func(ctx context.Context, _ int) error {
		i := int(next.Add(1)) - 1
		if i >= len(nos) {
			return errBenchExhausted
		}
		txn := fmt.Sprintf("4300%024d", e.batch.Add(1))
		tag, err := e.pool.Exec(ctx, `
			WITH paid AS (
				UPDATE orders SET status = 'paid', transaction_id = $2, paid_at = now(), next_check_at = NULL, updated_at = now()
				WHERE out_trade_no = $1 AND status = 'pending'
				RETURNING out_trade_no, total_fen
			)
			INSERT INTO payment_ledger (event_id, source, event_type, verdict, out_trade_no, transaction_id, amount_fen, received_at)
			SELECT $3, 'notification', 'TRANSACTION.SUCCESS', 'applied', out_trade_no, $2, total_fen, now() FROM paid`,
			nos[i].no, txn, "EV-floor-"+txn)
		if err == nil && tag.RowsAffected() != 1 {
			err = fmt.Errorf("floor: order %s was not pending", nos[i].no)
		}
		return err
	}), nil
}

func listTarget(url string, list []sealed) vegeta.Targeter {
	var n atomic.Int64
	return func(t *vegeta.Target) error {
		i := int(n.Add(1)) - 1
		if i >= len(list) {
			return vegeta.ErrNoTargets
		}
		t.Method, t.URL, t.Header, t.Body = "POST", url, list[i].header, list[i].body
		return nil
	}
}

func repeatTarget(url string, s sealed) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		t.Method, t.URL, t.Header, t.Body = "POST", url, s.header, s.body
		return nil
	}
}

// shopSessions is the mixed scenario: c buyers, each again and again
// logging in, browsing, ordering, paying at WeChat (the emulator, which
// then notifies the service), waiting until the server says paid (one
// active query, then polling), and listing their orders. It reports
// sessions per second and their duration.
func (e *benchEnv) shopSessions(c int, dur time.Duration) benchRow {
	var (
		mu        sync.Mutex
		durations []time.Duration
		failed    int
	)
	cpu0 := processCPU(e.servicePID)
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				t0 := time.Now()
				err := e.shopSession(fmt.Sprintf("bench-shopper-%d-%d", w, i%20))
				mu.Lock()
				if err != nil {
					failed++
				} else {
					durations = append(durations, time.Since(t0))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU(e.servicePID) - cpu0
	r := benchRow{Scenario: "shop session (7 calls, pay, notify)", Concurrency: c, FloorWhat: "sessions/s"}
	n := len(durations)
	if n+failed > 0 {
		r.Errors = float64(failed) / float64(n+failed)
	}
	if n == 0 {
		return r
	}
	slices.Sort(durations)
	r.RPS = float64(n) / elapsed.Seconds()
	r.P50ms, r.P99ms = ms(durations[n/2]), ms(durations[min(n-1, n*99/100)])
	r.CPUms = float64(cpu.Microseconds()) / 1000 / float64(n)
	return r
}

func (e *benchEnv) shopSession(user string) error {
	code, err := e.mintCode(user)
	if err != nil {
		return err
	}
	var login struct{ Token string }
	if err := e.post("/v1/auth/login", "", `{"code":"`+code+`"}`, &login); err != nil {
		return err
	}
	if err := e.get("/v1/products", "", nil); err != nil {
		return err
	}
	var checkout struct {
		Order   struct{ ID string }
		Payment json.RawMessage
	}
	if err := e.post("/v1/orders", login.Token, `{"items":[{"product_id":"`+e.productID+`","quantity":1}]}`, &checkout); err != nil {
		return err
	}
	res, err := e.client.Post(e.emu+"/emulator/payments", "application/json", strings.NewReader(string(checkout.Payment)))
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("pay: %d", res.StatusCode)
	}
	var o struct{ Status string }
	if err := e.post("/v1/orders/"+checkout.Order.ID+"/refresh", login.Token, "", &o); err != nil {
		return err
	}
	for end := time.Now().Add(10 * time.Second); o.Status != "paid"; {
		if time.Now().After(end) {
			return errors.New("not paid within 10s")
		}
		time.Sleep(10 * time.Millisecond)
		if err := e.get("/v1/orders/"+checkout.Order.ID, login.Token, &o); err != nil {
			return err
		}
	}
	return e.get("/v1/orders?limit=20", login.Token, nil)
}

func (e *benchEnv) get(path, bearer string, out any) error {
	req, _ := http.NewRequest("GET", e.api+path, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d", path, res.StatusCode)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, res.Body)
		return err
	}
	return json.NewDecoder(res.Body).Decode(out)
}

// placeSQL is the least SQL PlaceOrder needs around its one call to
// WeChat: the session lookup; BEGIN with the stock reservation (the
// product's row lock), whose price the order is built from; the order,
// its line, its reconciliation job and COMMIT together; and, with WeChat's
// prepay_id, one conditional UPDATE (its own row lock, its own implicit
// transaction): four round trips. The call to WeChat itself is left out.
func (e *benchEnv) placeSQL(ctx context.Context, i int) error {
	var user uuid.UUID
	var openid string
	var expires time.Time
	var revoked *time.Time
	if err := e.pool.QueryRow(ctx, `SELECT u.id, u.openid, s.expires_at, s.revoked_at FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_digest = $1`, e.digests[i%len(e.digests)]).Scan(&user, &openid, &expires, &revoked); err != nil {
		return err
	}
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	c := conn.Conn()
	fail := func(err error) error {
		_, _ = c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(`UPDATE products SET stock = stock - $2 WHERE id = $1 AND active AND stock >= $2 RETURNING id, name, price_fen, kind`, e.productID, 1)
	br := c.SendBatch(ctx, b)
	var (
		pid   uuid.UUID
		name  string
		price int64
		kind  string
	)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return fail(err)
	}
	err = br.QueryRow().Scan(&pid, &name, &price, &kind)
	if err = errors.Join(err, br.Close()); err != nil {
		return fail(err)
	}
	id, no := uuid.New(), fmt.Sprintf("F%d%021d", os.Getpid()%10, e.batch.Add(1))
	b = &pgx.Batch{}
	b.Queue(`INSERT INTO orders (id, user_id, payer_openid, out_trade_no, status, description, total_fen, request_hash,
		created_at, updated_at, expires_at, next_check_at, kind) VALUES ($1, $2, $3, $4, 'pending', $5, $6, '\x00',
		now(), now(), now() + interval '30 minutes', now() + interval '30 minutes', $7)`, id, user, openid, no, name, price, kind)
	b.Queue(`INSERT INTO order_lines (order_id, line_no, product_id, name, unit_price_fen, quantity, kind) VALUES ($1, 1, $2, $3, $4, 1, $5)`,
		id, pid, name, price, kind)
	b.Queue(`INSERT INTO river_job (kind, args, queue, state, scheduled_at, max_attempts, priority)
		VALUES ('bench_floor', json_build_object('order_id', $1::uuid), 'default', 'scheduled', now() + interval '1 day', 25, 1)`, id)
	b.Queue("COMMIT")
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		return fail(err)
	}
	// WeChat answers with a prepay_id here.
	tag, err := c.Exec(ctx, `UPDATE orders SET prepay_id = $2, prepay_issued_at = now(), updated_at = now()
		WHERE id = $1 AND status = 'pending' AND expires_at > now()`, id, "wx"+no)
	if err == nil && tag.RowsAffected() != 1 {
		err = errors.New("floor: order not payable")
	}
	return err
}
