package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
	"github.com/wxmp/wxmp/domain"
)

// byID sorts products the way placing an order does (domain mergeLines:
// the uuid's bytes, which is also how Postgres orders uuid).
func byID(ps []domain.Product) []domain.Product {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b domain.Product) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	return ps
}

// cancelOrder closes a pending order for good (as CancelOrder does once
// WeChat has closed it), releasing its stock.
func cancelOrder(ctx context.Context, s *postgres.Store, id uuid.UUID) error {
	_, err := s.UpdateOrder(ctx, id, func(o *domain.Order) error {
		if err := o.BeginCancel(t0); err != nil {
			return err
		}
		return o.FinishClose()
	})
	return err
}

func expireOrder(ctx context.Context, s *postgres.Store, id uuid.UUID) error {
	_, err := s.UpdateOrder(ctx, id, func(o *domain.Order) error { return o.ExpireUnpaid(o.ExpiresAt()) })
	return err
}

func isDeadlock(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40P01"
}

// Orders placed while others are cancelled and expired over the same
// products never deadlock: releasing stock locks product rows in id order,
// as reserving it does. The orders released include ones whose lines are
// in descending id order, so that a release locking in line (or any other
// plan's) order meets the placers head on. Stock adds up exactly.
func TestConcurrentOrdersAndReleasesDoNotDeadlock(t *testing.T) {
	// More connections than the default pool's 4, for more transactions
	// at once (each wants a connection for its whole life).
	ctx := context.Background()
	pool, err := postgres.NewPool(ctx, pgtest.NewDB(t), 12)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	sealer, err := postgres.NewSealer(bytes.Repeat([]byte{42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(pool, sealer, scheduler(t))
	const initial = 1_000_000
	var products []domain.Product
	for _, sku := range []string{"p1", "p2", "p3", "p4", "p5", "p6"} {
		products = append(products, seedProduct(t, store, sku, 100, initial))
	}
	sorted := byID(products)
	users := make([]domain.User, 4)
	for i := range users {
		users[i] = newUser(t, store, "o-lock-"+uuid.NewString())
	}

	// Orders written with their lines in descending id order, one at a time
	// (reserving in that order concurrently would deadlock by itself).
	const reversed = 120
	release := make(chan uuid.UUID, 4*reversed)
	for i := range reversed {
		var lines []domain.LineRequest
		for j := len(sorted) - 1; j >= 0; j-- {
			lines = append(lines, domain.LineRequest{ProductID: sorted[j].ID, Quantity: 1 + (i+j)%3})
		}
		u := users[i%len(users)]
		o, _, err := store.CreateOrder(ctx, spec(u, "", lines...), builder(u))
		if err != nil {
			t.Fatal(err)
		}
		release <- o.ID()
	}

	// Once anything failed the outcome is known: the workers stop (each
	// deadlock costs the server's deadlock_timeout to find).
	var deadlocks, failures, placed, released atomic.Int64
	report := func(what string, err error) {
		if isDeadlock(err) {
			deadlocks.Add(1)
		}
		if failures.Add(1) <= 5 {
			t.Errorf("%s: %v", what, err)
		}
	}
	var placers, releasers sync.WaitGroup
	for g := range 6 {
		placers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 40 {
				if failures.Load() > 0 {
					return
				}
				// Any two or more products, asked for in any order; the
				// store gets them sorted by id, as PlaceOrder hands them.
				pick := slices.Clone(products)
				rng.Shuffle(len(pick), func(i, j int) { pick[i], pick[j] = pick[j], pick[i] })
				pick = byID(pick[:2+rng.IntN(len(pick)-1)])
				var lines []domain.LineRequest
				for _, p := range pick {
					lines = append(lines, domain.LineRequest{ProductID: p.ID, Quantity: 1 + rng.IntN(3)})
				}
				u := users[rng.IntN(len(users))]
				o, _, err := store.CreateOrder(ctx, spec(u, "", lines...), builder(u))
				if err != nil {
					report("place", err)
					continue
				}
				placed.Add(1)
				if rng.IntN(2) == 0 {
					release <- o.ID()
				}
			}
		})
	}
	for g := range 6 {
		releasers.Go(func() {
			for id := range release {
				if failures.Load() > 0 {
					continue // drain, so that placers never block
				}
				op, name := cancelOrder, "cancel"
				if g%2 == 1 {
					op, name = expireOrder, "expire"
				}
				if err := op(ctx, store, id); err != nil {
					report(name, err)
					continue
				}
				released.Add(1)
			}
		})
	}
	placers.Wait()
	close(release)
	releasers.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d operations failed, %d of them deadlocked (SQLSTATE 40P01)", failures.Load(), deadlocks.Load())
	}
	// Every placement succeeded and every queued release ran.
	if placed.Load() != 6*40 || released.Load() < reversed {
		t.Fatalf("placed %d (want 240), released %d (want at least %d)", placed.Load(), released.Load(), reversed)
	}
	assertStockAddsUp(t, pool, initial)
}

// assertStockAddsUp: every product's stock plus what its open orders hold
// is what it started with, and every ended order gave its stock back.
func assertStockAddsUp(t *testing.T, pool *pgxpool.Pool, initial int) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT p.sku, p.stock, coalesce(sum(l.quantity) FILTER (WHERE o.status IN ('pending', 'closing', 'paid')), 0),
		       count(l.*) FILTER (WHERE o.status IN ('cancelled', 'expired'))
		FROM products p
		LEFT JOIN order_lines l ON l.product_id = p.id
		LEFT JOIN orders o ON o.id = l.order_id
		GROUP BY p.sku, p.stock ORDER BY p.sku`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ended int
	for rows.Next() {
		var sku string
		var stock, held, endedLines int
		if err := rows.Scan(&sku, &stock, &held, &endedLines); err != nil {
			t.Fatal(err)
		}
		if stock+held != initial {
			t.Errorf("%s: stock %d + held by open orders %d = %d, want %d", sku, stock, held, stock+held, initial)
		}
		ended += endedLines
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if ended == 0 {
		t.Error("no order ended: the test released nothing")
	}
}

// Releasing stock takes the product rows' locks in ascending id order,
// whatever order the order's lines are in: with the middle product's row
// held elsewhere, a release of all three has locked the first and waits
// for the middle, and has not touched the last.
func TestReleaseStockLocksProductsInIDOrder(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	var products []domain.Product
	for _, sku := range []string{"a", "b", "c"} {
		products = append(products, seedProduct(t, store, sku, 100, 10))
	}
	p := byID(products)
	user := newUser(t, store, "o-order")
	// Lines in descending id order: line 1 is the last product.
	o, _, err := store.CreateOrder(ctx, spec(user, "",
		domain.LineRequest{ProductID: p[2].ID, Quantity: 1},
		domain.LineRequest{ProductID: p[1].ID, Quantity: 2},
		domain.LineRequest{ProductID: p[0].ID, Quantity: 3}), builder(user))
	if err != nil {
		t.Fatal(err)
	}

	holder, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback(ctx) }()
	if _, err := holder.Exec(ctx, "SELECT 1 FROM products WHERE id = $1 FOR UPDATE", p[1].ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cancelOrder(ctx, store, o.ID()) }()

	// Wait until the release is queued behind the held row.
	for waiting := false; !waiting; {
		if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%name: ReleaseStock%')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("the release finished (%v) while a product row it needs was held", err)
		case <-time.After(10 * time.Millisecond): // poll again
		}
	}
	// lockedByRelease: the row's lock is held (by the release: nothing else
	// holds one but the holder, whose row is not asked about).
	errLocked := errors.New("row locked")
	lockedByRelease := func(id uuid.UUID) bool {
		t.Helper()
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "SELECT 1 FROM products WHERE id = $1 FOR UPDATE NOWAIT", id)
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "55P03" { // lock_not_available
				return errLocked
			}
			return err
		})
		if err != nil && !errors.Is(err, errLocked) {
			t.Fatal(err)
		}
		return err != nil
	}
	if !lockedByRelease(p[0].ID) {
		t.Error("the lowest id is not locked while the release waits for the middle one")
	}
	if lockedByRelease(p[2].ID) {
		t.Error("the highest id was locked before the middle one: locks are not taken in id order")
	}
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{10, 10, 10} {
		if got := stockOf(t, store, p[i].ID); got != want {
			t.Errorf("product %d: stock %d after the release, want %d", i, got, want)
		}
	}
}
