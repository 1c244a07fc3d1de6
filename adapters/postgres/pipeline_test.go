package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

// A payment whose order write fails when it is finally sent (another order
// holds the transaction_id) writes nothing: not the order, not its ledger
// row, not its jobs, though the failing write was queued behind the lock
// and the ledger row was queued after it.
func TestAPaymentWhoseWriteFailsWritesNothing(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	tea := seedProduct(t, store, "tea-tx", 100, 10)
	user := newUser(t, store, "o-tx")
	place := func() *domain.Order {
		o, _, err := store.CreateOrder(ctx, spec(user, "", domain.LineRequest{ProductID: tea.ID, Quantity: 1}), builder(user))
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	a, b := place(), place()
	pay := func(o *domain.Order, event string) (domain.Verdict, error) {
		m := domain.Merchant{AppID: "wxapp", MchID: "1900000001"}
		tx := domain.Transaction{AppID: m.AppID, MchID: m.MchID, OutTradeNo: o.OutTradeNo(), TransactionID: "4200000000000000000000000001",
			State: domain.TradeSuccess, TotalFen: o.TotalFen(), Currency: domain.Currency, PayerOpenID: user.OpenID(), SuccessTime: t0}
		return store.RecordPayment(ctx, domain.PaymentRecord{EventID: event, Source: "notification", EventType: "TRANSACTION.SUCCESS",
			ReceivedAt: t0, Transaction: tx}, func(o *domain.Order) (domain.Verdict, string, error) {
			v, reason := domain.VerdictOf(o.ConfirmPaid(tx, m, t0))
			return v, reason, nil
		})
	}
	if _, err := pay(a, "EV-A"); err != nil {
		t.Fatal(err)
	}
	var jobsBefore int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&jobsBefore)
	if _, err := pay(b, "EV-B"); !errors.Is(err, domain.ErrTransactionElsewhere) {
		t.Fatalf("second order with the same transaction: %v, want ErrTransactionElsewhere", err)
	}
	var status string
	var ledger, jobs int
	_ = pool.QueryRow(ctx, `SELECT status FROM orders WHERE id = $1`, b.ID()).Scan(&status)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM payment_ledger WHERE event_id = 'EV-B'`).Scan(&ledger)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&jobs)
	if status != "pending" || ledger != 0 || jobs != jobsBefore {
		t.Fatalf("after the failed payment: order %s, %d ledger rows, %d new jobs", status, ledger, jobs-jobsBefore)
	}
	// The connection went back clean: the store still works.
	if _, err := store.FindOrder(ctx, user.ID(), b.ID()); err != nil {
		t.Fatal(err)
	}
}

// sqlOf records the statement a sqlc call sends, without sending it.
type sqlOf struct{ sql *string }

var errRecorded = errors.New("recorded")

func (r sqlOf) Exec(_ context.Context, sql string, _ ...any) (pgconn.CommandTag, error) {
	*r.sql = sql
	return pgconn.CommandTag{}, errRecorded
}
func (r sqlOf) Query(_ context.Context, sql string, _ ...any) (pgx.Rows, error) {
	*r.sql = sql
	return nil, errRecorded
}
func (r sqlOf) QueryRow(_ context.Context, sql string, _ ...any) pgx.Row {
	*r.sql = sql
	return errRow{}
}
func (r sqlOf) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errRecorded
}
func (r sqlOf) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults { return nil }

type errRow struct{}

func (errRow) Scan(...any) error { return errRecorded }

// The reads and locks of the hot paths find their rows by index, also with
// the generic plan a prepared statement ends up with (its parameters
// unknown), in a table of 200,000 orders most of which are paid.
func TestHotPathReadsUseTheirIndexesWithGenericPlans(t *testing.T) {
	store, pool := newStore(t)
	ctx := context.Background()
	u, others := newUser(t, store, "o-plan"), newUser(t, store, "o-plan-others")
	if _, err := pool.Exec(ctx, `INSERT INTO orders (id, user_id, payer_openid, out_trade_no, status, description, total_fen,
			request_hash, created_at, updated_at, expires_at, transaction_id, paid_at)
		SELECT gen_random_uuid(), CASE WHEN g % 50 = 0 THEN $1::uuid ELSE $2::uuid END, 'o', 'P' || lpad(g::text, 10, '0'),
		       'paid', 'd', 100, '\x00', now() - (g || ' seconds')::interval, now(), now(), 'tp' || g, now()
		FROM generate_series(1, 200000) g`, u.ID(), others.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "ANALYZE orders"); err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = conn.Exec(ctx, "RESET plan_cache_mode") }()
	// The arguments, as SQL literals (EXECUTE takes no parameters itself).
	id, no, user := "'"+uuid.NewString()+"'", "'P0000000050'", "'"+u.ID().String()+"'"
	reads := map[string]struct {
		call func(q *dbsqlc.Queries)
		args []string
	}{
		"ListUserOrdersWithLines": {func(q *dbsqlc.Queries) { _, _ = q.ListUserOrdersWithLines(ctx, dbsqlc.ListUserOrdersWithLinesParams{}) },
			[]string{user, "NULL", "'" + uuid.Nil.String() + "'", "21"}},
		"ReadOrder":             {func(q *dbsqlc.Queries) { _, _ = q.ReadOrder(ctx, dbsqlc.ReadOrderParams{}) }, []string{id, "NULL"}},
		"ReadOrderByOutTradeNo": {func(q *dbsqlc.Queries) { _, _ = q.ReadOrderByOutTradeNo(ctx, "") }, []string{no}},
		"LockOrderWithLines":    {func(q *dbsqlc.Queries) { _, _ = q.LockOrderWithLines(ctx, uuid.Nil) }, []string{id}},
		"LockOrderByOutTradeNo": {func(q *dbsqlc.Queries) { _, _ = q.LockOrderByOutTradeNo(ctx, "") }, []string{no}},
		"OrderRefunds":          {func(q *dbsqlc.Queries) { _, _ = q.OrderRefunds(ctx, uuid.Nil) }, []string{id}},
		"OrderRefundsByOutTradeNo": {func(q *dbsqlc.Queries) { _, _ = q.OrderRefundsByOutTradeNo(ctx, "") },
			[]string{no}},
	}
	for name, r := range reads {
		var sql string
		r.call(dbsqlc.New(sqlOf{&sql}))
		stmt := "plan_" + strings.ToLower(name)
		if _, err := conn.Conn().Prepare(ctx, stmt, sql); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows, err := conn.Query(ctx, "EXPLAIN EXECUTE "+stmt+"("+strings.Join(r.args, ", ")+")")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var l string
			_ = rows.Scan(&l)
			plan = append(plan, l)
		}
		rows.Close()
		p := strings.Join(plan, "\n")
		if strings.Contains(p, "Seq Scan on orders") || strings.Contains(p, "orders_transaction_id_key") || !strings.Contains(p, "Index") {
			t.Errorf("%s, generic plan:\n%s", name, p)
		}
	}
}
