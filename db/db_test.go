package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxmp/wxmp/adapters/postgres/pgtest"
	"github.com/wxmp/wxmp/db"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Four migrators at once on an empty database: each returns when the
// schema is whole, the migrations ran once, and nothing is left locked
// (no advisory lock, which a pooler in transaction mode would strand, and
// the lock row released).
func TestMigratorsTakeTurnsAndLeaveNothingLocked(t *testing.T) {
	url := pgtest.NewEmptyDB(t)
	ctx := context.Background()
	if err := db.Check(ctx, url); !errors.Is(err, db.ErrNotMigrated) {
		t.Fatalf("check before migrating: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = db.Migrate(ctx, url) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(ctx, url); err != nil {
		t.Fatalf("check after migrating: %v", err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var applied, distinct, advisory, locked int
	_ = pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'`).Scan(&advisory)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM `+db.LockTable+` WHERE locked`).Scan(&locked)
	if applied == 0 || applied != distinct {
		t.Fatalf("%d migrations applied, %d distinct: some ran twice", applied, distinct)
	}
	if advisory != 0 || locked != 0 {
		t.Fatalf("%d advisory locks held, %d lock rows locked", advisory, locked)
	}
	// Once more changes nothing.
	if err := db.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
}
