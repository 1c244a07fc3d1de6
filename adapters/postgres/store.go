// Package postgres implements the domain's storage ports with the queries
// sqlc generates from db/queries. It owns transactions: a use case never
// sees pgx, and database errors are translated to domain errors here.
package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"

	"github.com/wxmp/wxmp/db/dbsqlc"
	"github.com/wxmp/wxmp/domain"
)

// Store is the Postgres implementation of the domain's storage ports.
type Store struct {
	pool *pgxpool.Pool
	q    *dbsqlc.Queries
	seal *Sealer
	jobs JobScheduler
}

// JobScheduler writes the domain's jobs inside the caller's transaction,
// so that an order and its jobs commit (or roll back) together. The River
// implementation is adapters/jobs.Scheduler.
type JobScheduler interface {
	ScheduleTx(ctx context.Context, tx pgx.Tx, jobs []domain.Job) error
}

func NewStore(pool *pgxpool.Pool, seal *Sealer, jobs JobScheduler) *Store {
	return &Store{pool: pool, q: dbsqlc.New(pool), seal: seal, jobs: jobs}
}

// NewPool connects to url with every session in UTC, so that times read back
// compare equal to what the domain wrote; maxConns sizes the pool (0:
// pgxpool's default, or pool_max_conns in the URL).
func NewPool(ctx context.Context, url string, maxConns int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	// uuid.UUID is a driver.Valuer, which pgx would encode as text through
	// reflection on every query (and element by element in arrays);
	// registered, it goes over the wire as the 16 bytes it is.
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerTypes(c.TypeMap())
		return nil
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["application_name"] = "wxmp"
	return pgxpool.NewWithConfig(ctx, cfg)
}

// registerTypes teaches pgx our Go types. The PostgreSQL type of a
// parameter comes from the server's description of the statement, except
// in the exec and simple_protocol query modes (behind a transaction pooler
// without prepared statements): there pgx picks it by the Go type, and an
// unregistered []uuid.UUID cannot be sent at all (jsonb is json.RawMessage
// in dbsqlc, sqlc.yaml, so that it is not taken for bytea).
func registerTypes(m *pgtype.Map) {
	pgxuuid.Register(m)
	m.RegisterDefaultPgType(uuid.UUID{}, "uuid")
	m.RegisterDefaultPgType([]uuid.UUID{}, "_uuid")
	m.RegisterDefaultPgType(json.RawMessage{}, "jsonb")
}

// Ping tells whether the database answers; readiness uses it.
func (s *Store) Ping(ctx context.Context) error {
	return s.pool.Ping(ctx)
}

// inTx runs fn in one transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx, q *dbsqlc.Queries) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return fn(tx, s.q.WithTx(tx))
	})
}
