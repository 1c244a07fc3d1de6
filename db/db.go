// Package db owns the schema: goose migrations in migrations/ (read by sqlc
// too, in lexical order) and the SQL in queries/ that sqlc turns into the
// typed Go of package dbsqlc.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate brings the database at url up to the newest migration: ours
// (goose) and then River's job tables. It is safe to run from several
// processes at once, also through a connection pooler in transaction mode
// (README: "Behind a connection pooler"): the processes take turns on one
// row of a lock table (goose's table locker) with a lease the holder
// renews, not a session advisory lock that a pooler may leave held on a
// connection someone else gets. A migrator that dies lets the next one in
// when its lease runs out (30 s).
func Migrate(ctx context.Context, url string) (err error) {
	sqlDB, err := sql.Open("pgx", url)
	if err != nil {
		return fmt.Errorf("migrate: open: %w", err)
	}
	defer sqlDB.Close()
	locker, err := lock.NewPostgresTableLocker(lock.WithTableName(LockTable),
		// Two instances started together: the second waits about a second
		// after the first is done, not goose's default 5 s; 10 minutes in all.
		lock.WithTableLockTimeout(time.Second, 600))
	if err != nil {
		return err
	}
	if err := locker.Lock(ctx, sqlDB); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		if uerr := locker.Unlock(ctx, sqlDB); uerr != nil {
			err = errors.Join(err, fmt.Errorf("migrate: unlock: %w", uerr))
		}
	}()
	p, err := newProvider(sqlDB)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return migrateRiver(ctx, url)
}

// LockTable is the table whose row migrators take turns on.
const LockTable = "wxmp_migration_lock"

// migrateRiver applies River's migrations, each in its own transaction
// (some add enum values that a later statement uses, which Postgres does
// not allow in one transaction), under Migrate's lock.
func migrateRiver(ctx context.Context, url string) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("migrate river: connect: %w", err)
	}
	defer pool.Close()
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

// ErrNotMigrated: the database lacks migrations this build needs.
var ErrNotMigrated = errors.New("the database is not migrated: run `wxmp migrate` first")

// Check tells whether the database at url has every migration this build
// needs, ours and River's, without changing anything: what `serve` does
// when migrating is left to the release step (MIGRATE_ON_START=false).
func Check(ctx context.Context, url string) error {
	sqlDB, err := sql.Open("pgx", url)
	if err != nil {
		return fmt.Errorf("check migrations: open: %w", err)
	}
	defer sqlDB.Close()
	p, err := newProvider(sqlDB)
	if err != nil {
		return err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	if current < target {
		return fmt.Errorf("%w (schema version %d, this build needs %d)", ErrNotMigrated, current, target)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("check migrations: connect: %w", err)
	}
	defer pool.Close()
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("check migrations: river: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("%w (River: %s)", ErrNotMigrated, strings.Join(res.Messages, "; "))
	}
	return nil
}

func newProvider(sqlDB *sql.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	// No locker of goose's own: Migrate's table lock covers goose and River.
	return goose.NewProvider(goose.DialectPostgres, sqlDB, sub)
}
