// Package pgtest gives tests real, fresh Postgres databases with every
// migration applied, instead of mocks.
//
// A package opts in with
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and each test asks for its own database with NewDB or NewPool. The server
// is the one named by DATABASE_URL (its role must be allowed to CREATE
// DATABASE) or else a throw-away cluster started by package pgembed for this
// package run. Migrations run once per package run into a template database;
// every NewDB is then a cheap CREATE DATABASE ... TEMPLATE copy, so tests
// can run in parallel and never see each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxmp/wxmp/adapters/postgres"
	"github.com/wxmp/wxmp/adapters/postgres/pgembed"
	"github.com/wxmp/wxmp/db"
)

// active hands the package run's server from Main to NewDB. testing.M has no
// way to pass values to tests, so this one package-level variable is
// unavoidable; everything else lives in the server it points to.
var active struct {
	mu  sync.Mutex
	srv *server // set by Main for the duration of m.Run
}

// Main runs the package's tests against one server: the one at DATABASE_URL
// or a throw-away cluster. Call it from TestMain; it exits with m.Run's code
// (or 1 if tearing down fails). The cluster and the migrated template are
// made on the first NewDB, so a run that needs no database starts none.
func Main(m *testing.M) {
	srv := &server{}
	active.mu.Lock()
	active.srv = srv
	active.mu.Unlock()

	code := m.Run()

	active.mu.Lock()
	active.srv = nil
	active.mu.Unlock()
	if err := srv.close(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// NewDB returns the URL of a new database holding the migrated schema and
// no rows, dropped when the test ends. Safe for parallel tests.
func NewDB(t testing.TB) string {
	t.Helper()
	return newDB(t, true)
}

func newDB(t testing.TB, migrated bool) string {
	t.Helper()
	active.mu.Lock()
	srv := active.srv
	active.mu.Unlock()
	if srv == nil {
		t.Fatal("pgtest: NewDB needs pgtest.Main: add `func TestMain(m *testing.M) { pgtest.Main(m) }` to this package's tests")
		return ""
	}
	if err := srv.ready(); err != nil {
		t.Fatalf("pgtest: %v", err)
		return ""
	}
	name := "t_" + randomSuffix()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	create := srv.createDB
	if !migrated {
		create = srv.createEmptyDB
	}
	if err := create(ctx, name); err != nil {
		t.Fatalf("pgtest: %v", err)
		return ""
	}
	t.Cleanup(func() {
		// The test's own context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.dropDB(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return srv.url(name)
}

// NewEmptyDB returns the URL of a new database with no schema at all,
// dropped when the test ends: for tests of migrating itself.
func NewEmptyDB(t testing.TB) string {
	t.Helper()
	return newDB(t, false)
}

// NewPool is NewDB plus a pool on the new database, closed before the
// database is dropped.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dbURL := NewDB(t)
	pool, err := postgres.NewPool(context.Background(), dbURL, 0) // as the service makes it
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
		return nil
	}
	t.Cleanup(pool.Close)
	return pool
}

// server is the package run's Postgres server and migrated template,
// set up once, on first use.
type server struct {
	once sync.Once
	err  error // why setup failed, for every NewDB

	base     *url.URL         // admin URL; test databases swap only its path
	cluster  *pgembed.Cluster // nil when DATABASE_URL names the server
	admin    *pgxpool.Pool
	template string // "" until created
}

var errClosed = errors.New("server already torn down")

func (s *server) ready() error {
	s.once.Do(func() { s.err = s.setup() })
	return s.err
}

func (s *server) setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adminURL := os.Getenv("DATABASE_URL")
	if adminURL == "" {
		dir, err := os.MkdirTemp("", "pgtest-")
		if err != nil {
			return err
		}
		s.cluster, err = pgembed.Start(ctx, pgembed.Options{DataDir: dir, Ephemeral: true})
		if err != nil {
			_ = os.RemoveAll(dir)
			return fmt.Errorf("start throw-away cluster: %w", err)
		}
		adminURL = s.cluster.URL("postgres")
	}
	var err error
	if s.base, err = parseURL(adminURL); err != nil {
		return err
	}
	cfg, err := pgxpool.ParseConfig(adminURL)
	if err != nil {
		return fmt.Errorf("admin URL: %w", err)
	}
	cfg.MaxConns = 4
	if s.admin, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("connect to admin database: %w", err)
	}

	// A unique name lets packages tested in parallel share one server.
	name := "tmpl_" + randomSuffix()
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+quote(name)); err != nil {
		return fmt.Errorf("create template database (does the DATABASE_URL role have CREATEDB?): %w", err)
	}
	s.template = name
	if err := db.Migrate(ctx, s.url(name)); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	// Nobody may connect to the template from now on: a stray session would
	// make every CREATE DATABASE ... TEMPLATE fail.
	if _, err := s.admin.Exec(ctx, "ALTER DATABASE "+quote(name)+" ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("lock template: %w", err)
	}
	return nil
}

// createDB copies the template. Right after migrating, the migration's
// session may still be exiting on the server; Postgres then refuses with
// "source database is being accessed by other users", so retry a little.
func (s *server) createDB(ctx context.Context, name string) error {
	sql := "CREATE DATABASE " + quote(name) + " TEMPLATE " + quote(s.template)
	for attempt := 0; ; attempt++ {
		_, err := s.admin.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if err == nil || attempt == 20 || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			if err != nil {
				return fmt.Errorf("create test database: %w", err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create test database: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *server) createEmptyDB(ctx context.Context, name string) error {
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+quote(name)); err != nil {
		return fmt.Errorf("create empty test database: %w", err)
	}
	return nil
}

// dropDB drops a database even if a test left connections open.
func (s *server) dropDB(ctx context.Context, name string) error {
	if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// close drops the template and stops the cluster, after the tests are done.
func (s *server) close() error {
	// Wait for a setup in flight, and make sure none starts after us.
	s.once.Do(func() { s.err = errClosed })
	var errs []error
	if s.admin != nil {
		if s.template != "" {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			errs = append(errs, s.dropDB(ctx, s.template))
			cancel()
		}
		s.admin.Close()
	}
	if s.cluster != nil {
		errs = append(errs, s.cluster.Stop())
	}
	return errors.Join(errs...)
}

// parseURL accepts URLs only: key=value connection strings have no path to
// swap the database name into.
func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, errors.New("DATABASE_URL must be a postgres:// URL")
	}
	return u, nil
}

// url is the admin URL with the database swapped, keeping the user's
// credentials and parameters. PGTEST_QUERY_EXEC_MODE (a pgx
// default_query_exec_mode) runs a package's tests in that mode: every query
// must work in every mode, as behind a transaction pooler.
func (s *server) url(dbname string) string {
	u := *s.base
	u.Path = "/" + dbname
	u.RawPath = ""
	if mode := os.Getenv("PGTEST_QUERY_EXEC_MODE"); mode != "" {
		q := u.Query()
		q.Set("default_query_exec_mode", mode)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}
