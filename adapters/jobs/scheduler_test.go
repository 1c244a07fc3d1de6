package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/wxmp/wxmp/adapters/jobs"
	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
	"github.com/wxmp/wxmp/domain"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// A refund has one check chain: scheduling its check again while one is
// waiting adds nothing; once that chain has finished, a new one starts.
func TestOneCheckChainPerRefund(t *testing.T) {
	pool := pgtest.NewPool(t)
	s, err := jobs.NewScheduler()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	order := uuid.New()
	check := domain.Job{Kind: domain.JobCheckRefund, OrderID: order, RefundNo: "RF1", RunAt: time.Now().Add(time.Minute)}
	other := domain.Job{Kind: domain.JobCheckRefund, OrderID: order, RefundNo: "RF2", RunAt: time.Now().Add(time.Minute)}
	schedule := func(js ...domain.Job) {
		t.Helper()
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return s.ScheduleTx(ctx, tx, js) }); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1`, string(domain.JobCheckRefund)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	schedule(check, other)
	schedule(check) // the submit job run again after its commit
	if n := count(); n != 2 {
		t.Fatalf("check jobs: %d, want one per refund (2)", n)
	}
	if _, err := pool.Exec(ctx, `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE args->>'out_refund_no' = 'RF1'`); err != nil {
		t.Fatal(err)
	}
	schedule(check)
	if n := count(); n != 3 {
		t.Fatalf("check jobs after the first chain ended: %d, want 3", n)
	}
}
