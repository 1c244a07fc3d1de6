package postgres_test

import (
	"context"
	"errors"
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
		return domain.NewOrder(user.ID(), domain.NewOutTradeNo(t0), lines, t0, 30*time.Minute)
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
	for range 2 {
		got, err := store.UpdateOrder(ctx, o.ID(), func(o *domain.Order) error { return o.Cancel() })
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
