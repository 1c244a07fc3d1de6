package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/domain"
)

func seedProduct(t *testing.T, s *postgres.Store, sku string, price int64, stock int) domain.Product {
	t.Helper()
	ctx := context.Background()
	if err := s.SeedProducts(ctx, []postgres.ProductSeed{{SKU: sku, Name: "Product " + sku, PriceFen: price, Stock: stock}}); err != nil {
		t.Fatal(err)
	}
	all, err := s.ListProducts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if p.Name == "Product "+sku {
			return p
		}
	}
	t.Fatalf("seeded product %s not listed", sku)
	return domain.Product{}
}

func newUser(t *testing.T, s *postgres.Store, openID string) domain.User {
	t.Helper()
	u, err := s.SaveLogin(context.Background(), identity(t, openID, ""), newSession(t0))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func builder(user domain.User) func([]domain.OrderLine) (*domain.Order, error) {
	return func(lines []domain.OrderLine) (*domain.Order, error) {
		return domain.NewOrder(user.ID(), user.OpenID(), domain.NewOutTradeNo(t0), lines, nil, t0, 30*time.Minute, domain.DefaultReconcilePolicy().Checks)
	}
}

func spec(user domain.User, key string, lines ...domain.LineRequest) domain.NewOrderSpec {
	return domain.NewOrderSpec{UserID: user.ID(), Lines: lines, IdempotencyKey: key, RequestHash: []byte(key + "-hash")}
}

func stockOf(t *testing.T, s *postgres.Store, id uuid.UUID) int {
	t.Helper()
	all, err := s.ListProducts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if p.ID == id {
			return p.Stock
		}
	}
	t.Fatalf("no product %s", id)
	return 0
}

func TestServerPricesOrdersFromTheCatalog(t *testing.T) {
	store, _ := newStore(t)
	ctx := context.Background()
	tea := seedProduct(t, store, "tea", 1280, 10)
	cup := seedProduct(t, store, "cup", 3500, 10)
	user := newUser(t, store, "o-buyer")

	o, created, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: tea.ID, Quantity: 3}, domain.LineRequest{ProductID: cup.ID, Quantity: 1}), builder(user))
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if o.TotalFen() != 3*1280+3500 || o.Status() != domain.OrderPending {
		t.Fatalf("total %d status %s", o.TotalFen(), o.Status())
	}
	if stockOf(t, store, tea.ID) != 7 || stockOf(t, store, cup.ID) != 9 {
		t.Fatal("stock not reserved")
	}
	got, err := store.FindOrder(ctx, user.ID(), o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.OutTradeNo() != o.OutTradeNo() || len(got.Lines()) != 2 || got.Lines()[0].UnitPriceFen == 0 || !got.ExpiresAt().Equal(o.ExpiresAt()) {
		t.Fatalf("reloaded %+v", got.Snapshot())
	}
	other := newUser(t, store, "o-other")
	if _, err := store.FindOrder(ctx, other.ID(), o.ID()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another user's order: %v", err)
	}
}

func TestOutOfStockAndUnknownProductsReserveNothing(t *testing.T) {
	store, _ := newStore(t)
	ctx := context.Background()
	a := seedProduct(t, store, "a", 100, 5)
	b := seedProduct(t, store, "b", 100, 1)
	user := newUser(t, store, "o-u")
	_, _, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: a.ID, Quantity: 2}, domain.LineRequest{ProductID: b.ID, Quantity: 2}), builder(user))
	if !errors.Is(err, domain.ErrOutOfStock) {
		t.Fatalf("err = %v", err)
	}
	if stockOf(t, store, a.ID) != 5 {
		t.Fatal("a partial reservation survived the failed order")
	}
	_, _, err = store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: uuid.New(), Quantity: 1}), builder(user))
	if !errors.Is(err, domain.ErrProductUnavailable) {
		t.Fatalf("unknown product: %v", err)
	}
}

// 1,000 concurrent buyers of 100 units give exactly 100 orders.
func TestNoOversellUnderConcurrency(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "hot", 990, 100)
	users := make([]domain.User, 50)
	for i := range users {
		users[i] = newUser(t, store, "o-rush-"+uuid.NewString())
	}
	var ok, sold atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32) // about the pool's size: the rest queue here, not in the pool
	for i := range 1000 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			u := users[i%len(users)]
			_, _, err := store.CreateOrder(ctx, spec(u, "", domain.LineRequest{ProductID: p.ID, Quantity: 1}), builder(u))
			switch {
			case err == nil:
				ok.Add(1)
				sold.Add(1)
			case errors.Is(err, domain.ErrOutOfStock):
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var orders int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM orders").Scan(&orders); err != nil {
		t.Fatal(err)
	}
	if ok.Load() != 100 || orders != 100 || stockOf(t, store, p.ID) != 0 {
		t.Fatalf("%d succeeded, %d orders stored, stock %d; want 100, 100, 0", ok.Load(), orders, stockOf(t, store, p.ID))
	}
}

func TestIdempotencyKey(t *testing.T) {
	store, _ := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "k", 500, 10)
	user := newUser(t, store, "o-k")
	line := domain.LineRequest{ProductID: p.ID, Quantity: 2}

	first, created, err := store.CreateOrder(ctx, spec(user, "key-1", line), builder(user))
	if err != nil || !created {
		t.Fatal(created, err)
	}
	again, created, err := store.CreateOrder(ctx, spec(user, "key-1", line), builder(user))
	if err != nil || created || again.ID() != first.ID() {
		t.Fatalf("replay: created %v id %v err %v", created, again.ID(), err)
	}
	different := spec(user, "key-1", line)
	different.RequestHash = []byte("something else")
	if _, _, err := store.CreateOrder(ctx, different, builder(user)); !errors.Is(err, domain.ErrIdempotencyConflict) {
		t.Fatalf("reuse with another body: %v", err)
	}
	if stockOf(t, store, p.ID) != 8 {
		t.Fatal("replays reserved stock again")
	}
	// Keys are per user.
	other := newUser(t, store, "o-k2")
	if _, created, err := store.CreateOrder(ctx, spec(other, "key-1", line), builder(other)); err != nil || !created {
		t.Fatal(created, err)
	}
}

func TestConcurrentIdempotentRequestsMakeOneOrder(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "race", 500, 100)
	user := newUser(t, store, "o-race")
	ids := make(chan uuid.UUID, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			o, _, err := store.CreateOrder(ctx, spec(user, "same-key", domain.LineRequest{ProductID: p.ID, Quantity: 1}), builder(user))
			if err != nil {
				t.Error(err)
				return
			}
			ids <- o.ID()
		})
	}
	wg.Wait()
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("two orders for one key: %v %v", first, id)
		}
	}
	var n int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM orders").Scan(&n)
	if n != 1 || stockOf(t, store, p.ID) != 99 {
		t.Fatalf("orders %d stock %d", n, stockOf(t, store, p.ID))
	}
}

func TestCancelReleasesStockOnce(t *testing.T) {
	store, _ := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "c", 500, 10)
	user := newUser(t, store, "o-c")
	o, _, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: p.ID, Quantity: 4}), builder(user))
	if err != nil {
		t.Fatal(err)
	}
	closing, err := store.UpdateOrder(ctx, o.ID(), func(o *domain.Order) error { return o.BeginCancel(t0) })
	if err != nil || closing.Status() != domain.OrderClosing || stockOf(t, store, p.ID) != 6 {
		t.Fatalf("closing: %v %v, stock %d (held until the close at WeChat is done)", closing.Status(), err, stockOf(t, store, p.ID))
	}
	for range 2 {
		got, err := store.UpdateOrder(ctx, o.ID(), func(o *domain.Order) error {
			if o.Status() != domain.OrderClosing {
				return nil
			}
			return o.FinishClose()
		})
		if err != nil || got.Status() != domain.OrderCancelled {
			t.Fatalf("cancel: %v %v", got, err)
		}
	}
	if stockOf(t, store, p.ID) != 10 {
		t.Fatalf("stock %d after cancelling twice, want 10", stockOf(t, store, p.ID))
	}
}

func TestListOrdersKeyset(t *testing.T) {
	store, _ := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "l", 100, 100)
	user := newUser(t, store, "o-l")
	var made []uuid.UUID
	for range 5 {
		o, _, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: p.ID, Quantity: 1}), builder(user))
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, o.ID())
	}
	// All share t0 as created_at: the id breaks ties, newest (largest v7) first.
	var seen []uuid.UUID
	var after *domain.OrderCursor
	for {
		page, err := store.ListOrders(ctx, user.ID(), after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, o := range page {
			seen = append(seen, o.ID())
		}
		last := page[len(page)-1]
		after = &domain.OrderCursor{CreatedAt: last.CreatedAt(), ID: last.ID()}
	}
	if len(seen) != 5 {
		t.Fatalf("saw %d orders, want 5", len(seen))
	}
	for i := range seen {
		if seen[i] != made[len(made)-1-i] {
			t.Fatalf("order %d is %v, want %v (newest first)", i, seen[i], made[len(made)-1-i])
		}
	}
	if page, _ := store.ListOrders(ctx, newUser(t, store, "o-none").ID(), nil, 10); len(page) != 0 {
		t.Fatal("another user sees orders")
	}
}

// The Idempotency-Key is claimed before stock is reserved: however many
// requests with one key race for the last unit, they all get the one order.
func TestSameKeyForTheLastUnitGivesEveryoneTheOrder(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "last", 500, 1)
	user := newUser(t, store, "o-last")
	ids := make(chan uuid.UUID, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			o, _, err := store.CreateOrder(ctx, spec(user, "last-key", domain.LineRequest{ProductID: p.ID, Quantity: 1}), builder(user))
			if err != nil {
				t.Errorf("same key, last unit: %v", err)
				return
			}
			ids <- o.ID()
		})
	}
	wg.Wait()
	close(ids)
	seen := map[uuid.UUID]int{}
	for id := range ids {
		seen[id]++
	}
	var n int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM orders").Scan(&n)
	if len(seen) != 1 || n != 1 || stockOf(t, store, p.ID) != 0 {
		t.Fatalf("orders seen %v, stored %d, stock %d", seen, n, stockOf(t, store, p.ID))
	}
}

// An order's jobs are written in its transaction: a failed order leaves
// none, a placed one has its checks and its settle job.
func TestOrderJobsCommitWithTheOrder(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "j", 500, 1)
	user := newUser(t, store, "o-j")
	// Placed "now" (a fixed instant from now): jobs due later are scheduled
	// at their time; a job due at once would be inserted available.
	at := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	build := func(lines []domain.OrderLine) (*domain.Order, error) {
		return domain.NewOrder(user.ID(), user.OpenID(), domain.NewOutTradeNo(at), lines, nil, at, 30*time.Minute, domain.DefaultReconcilePolicy().Checks)
	}
	o, _, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: p.ID, Quantity: 1}), build)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: p.ID, Quantity: 1}), build); !errors.Is(err, domain.ErrOutOfStock) {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT kind, scheduled_at FROM river_job WHERE args->>'order_id' = $1 ORDER BY scheduled_at`, o.ID().String())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var kind string
		var when time.Time
		if err := rows.Scan(&kind, &when); err != nil {
			t.Fatal(err)
		}
		got = append(got, kind+"@"+when.Sub(at).String())
	}
	want := []string{"order_check@1m0s", "order_check@5m0s", "order_check@15m0s", "order_settle@30m0s"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("jobs %v, want %v", got, want)
	}
	var all int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&all)
	if all != len(want) {
		t.Fatalf("%d jobs in all: the failed order left some", all)
	}
}

func TestDueOrdersAreOpenOrdersWhoseAttemptIsDue(t *testing.T) {
	store, _ := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "d", 500, 10)
	user := newUser(t, store, "o-d")
	var ids []uuid.UUID
	for range 3 {
		o, _, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: p.ID, Quantity: 1}), builder(user))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID())
	}
	expiry := t0.Add(30 * time.Minute)
	if due, _ := store.DueOrders(ctx, expiry.Add(-time.Second), 10); len(due) != 0 {
		t.Fatalf("due before expiry: %v", due)
	}
	// One is paid-for-good (not open), one has had an attempt pushed back.
	if _, err := store.UpdateOrder(ctx, ids[0], func(o *domain.Order) error { return o.BeginCancel(t0) }); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateOrder(ctx, ids[0], func(o *domain.Order) error { return o.FinishClose() }); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateOrder(ctx, ids[1], func(o *domain.Order) error {
		return o.BeginSettle(expiry, domain.ReconcilePolicy{Backoff: []time.Duration{time.Hour}, MaxAttempts: 5})
	}); err != nil {
		t.Fatal(err)
	}
	due, err := store.DueOrders(ctx, expiry, 10)
	if err != nil || len(due) != 1 || due[0] != ids[2] {
		t.Fatalf("due %v %v, want only %v", due, err, ids[2])
	}
	due, _ = store.DueOrders(ctx, expiry.Add(time.Hour), 10)
	if len(due) != 2 || due[0] != ids[2] || due[1] != ids[1] {
		t.Fatalf("an hour later: %v, want the longest due first", due)
	}
}

func TestRefusedNotificationsStayWithinTheMinutesBudget(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	var recorded atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range 200 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ok, err := store.RecordRefused(ctx, domain.PaymentRecord{
				EventID: "EV-garbage", Source: domain.SourceNotification, ReceivedAt: t0.Add(time.Duration(i) * 100 * time.Millisecond),
				Verdict: domain.VerdictRejected, Reason: "bad signature",
			}, 25)
			if err != nil {
				t.Error(err)
			}
			if ok {
				recorded.Add(1)
			}
		})
	}
	wg.Wait()
	var rows int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM payment_ledger").Scan(&rows)
	// 200 refusals over 20 s of one minute: 25 rows, and the rest counted only.
	if rows != 25 || recorded.Load() != 25 {
		t.Fatalf("%d rows, %d reported recorded; want 25", rows, recorded.Load())
	}
	if ok, _ := store.RecordRefused(ctx, domain.PaymentRecord{EventID: "EV-next", Source: domain.SourceNotification,
		ReceivedAt: t0.Add(time.Minute), Verdict: domain.VerdictRejected}, 25); !ok {
		t.Fatal("the next minute has a budget of its own")
	}
	if err := store.PurgeRefusalBudget(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var minutes int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM ledger_refusal_budget").Scan(&minutes)
	if minutes != 1 {
		t.Fatalf("%d budget rows after the purge, want 1", minutes)
	}
}

func TestAttentionItemsAreOpenOncePerOrderAndKind(t *testing.T) {
	store, _ := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "a", 500, 10)
	user := newUser(t, store, "o-a")
	o, _, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: p.ID, Quantity: 1}), builder(user))
	if err != nil {
		t.Fatal(err)
	}
	policy := domain.ReconcilePolicy{Backoff: []time.Duration{time.Nanosecond}, MaxAttempts: 1}
	now := o.ExpiresAt()
	for range 3 {
		_, err := store.UpdateOrder(ctx, o.ID(), func(o *domain.Order) error {
			if err := o.BeginSettle(now, policy); err != nil && o.NextCheckAt().IsZero() {
				return nil // flagged: keep the flag (a returned error would roll it back)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
	}
	items, err := store.OpenAttention(ctx, 10)
	if err != nil || len(items) != 1 || items[0].Kind != domain.AttentionUnresolved || items[0].OrderID != o.ID() || items[0].OutTradeNo != o.OutTradeNo() {
		t.Fatalf("items %+v %v", items, err)
	}
}

// What finds due orders reads only open orders (a partial index), and a
// buyer's page of orders reads only that page: both cost the same with
// 200,000 settled orders in the table as with none. The plan says so,
// whatever the machine's speed.
func TestDueOrdersAndOrderPagesUseTheirIndexes(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	u, others := newUser(t, store, "o-big"), newUser(t, store, "o-others")
	if _, err := pool.Exec(ctx, `INSERT INTO orders (id, user_id, payer_openid, out_trade_no, status, description, total_fen,
			request_hash, created_at, updated_at, expires_at, transaction_id, paid_at)
		SELECT gen_random_uuid(), CASE WHEN g % 50 = 0 THEN $1::uuid ELSE $2::uuid END, 'o', 'X' || lpad(g::text, 10, '0'),
		       'paid', 'd', 100, '\x00', now() - (g || ' seconds')::interval, now(), now(), 't' || g, now()
		FROM generate_series(1, 200000) g`, u.ID(), others.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "ANALYZE orders"); err != nil {
		t.Fatal(err)
	}
	plan := func(q string, args ...any) string {
		t.Helper()
		var out []string
		rows, err := pool.Query(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var l string
			_ = rows.Scan(&l)
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	due := plan(`SELECT id FROM orders WHERE status IN ('pending', 'closing') AND next_check_at <= $1 ORDER BY next_check_at LIMIT 100`, time.Now())
	if !strings.Contains(due, "orders_due_idx") || strings.Contains(due, "Seq Scan") {
		t.Fatalf("due orders plan:\n%s", due)
	}
	page := plan(`SELECT * FROM orders WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
		ORDER BY created_at DESC, id DESC LIMIT 21`, u.ID(), nil, uuid.Nil)
	if !strings.Contains(page, "orders_user_created_idx") || strings.Contains(page, "Seq Scan") || strings.Contains(page, "Sort") {
		t.Fatalf("order page plan:\n%s", page)
	}
}

// A reader never sees a SUCCESS refund that the order's refunded_fen does
// not count yet (the row and its refunds are one snapshot).
func TestOrderReadsAreConsistentWithTheirRefunds(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	p := seedProduct(t, store, "snap", 1000, 10)
	user := newUser(t, store, "o-snap")
	o, _, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: p.ID, Quantity: 5}), builder(user))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE orders SET status = 'paid', transaction_id = 't-snap', paid_at = now() WHERE id = $1", o.ID()); err != nil {
		t.Fatal(err)
	}
	var nos []string
	for range 50 {
		r, _, err := store.CreateRefund(ctx, o.ID(), "", nil, nil, func(o *domain.Order) (*domain.Refund, error) {
			return o.Refund(100, "", "test", t0)
		})
		if err != nil {
			t.Fatal(err)
		}
		nos = append(nos, r.OutRefundNo())
	}
	merchant := domain.Merchant{MchID: "1900000001"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i, no := range nos {
			rep := domain.RefundReport{OutTradeNo: o.OutTradeNo(), OutRefundNo: no, Status: domain.RefundSuccess,
				RefundFen: 100, TotalFen: o.TotalFen(), SuccessTime: t0}
			_, err := store.RecordPayment(ctx, domain.PaymentRecord{EventID: fmt.Sprintf("EV-%d", i), Source: domain.SourceRefundQuery,
				Transaction: domain.Transaction{OutTradeNo: o.OutTradeNo()}, ReceivedAt: t0},
				func(o *domain.Order) (domain.Verdict, string, error) {
					v, reason := domain.VerdictOf(o.ApplyRefundReport(rep, merchant, t0))
					return v, reason, nil
				})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			if reads == 0 {
				t.Fatal("no reads overlapped the refunds")
			}
			return
		default:
		}
		got, err := store.FindOrder(ctx, user.ID(), o.ID())
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, r := range got.Refunds() {
			if r.Status() == domain.RefundSuccess {
				sum += r.AmountFen()
			}
		}
		if sum != got.RefundedFen() {
			t.Fatalf("read %d: SUCCESS refunds add up to %d fen, the order says %d", reads, sum, got.RefundedFen())
		}
	}
}
