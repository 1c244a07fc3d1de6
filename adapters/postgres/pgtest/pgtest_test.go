package pgtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { Main(m) }

func insertUser(t *testing.T, pool *pgxpool.Pool, openid string) {
	t.Helper()
	now := time.Now()
	_, err := pool.Exec(t.Context(),
		`INSERT INTO users (openid, session_key_ciphertext, session_key_updated_at, created_at, updated_at)
		 VALUES ($1, $2, $3, $3, $3)`, openid, []byte{1}, now)
	if err != nil {
		t.Fatal(err)
	}
}

func countUsers(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDatabasesAreMigratedAndIsolated(t *testing.T) {
	a, b := NewPool(t), NewPool(t)
	for _, pool := range []*pgxpool.Pool{a, b} {
		for _, table := range []string{"users", "sessions"} {
			var exists bool
			if err := pool.QueryRow(t.Context(), "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
				t.Fatal(err)
			}
			if !exists {
				t.Errorf("table %s missing", table)
			}
		}
	}
	insertUser(t, a, "openid-a")
	if n := countUsers(t, a); n != 1 {
		t.Errorf("users in a = %d, want 1", n)
	}
	if n := countUsers(t, b); n != 0 {
		t.Errorf("users in b = %d, want 0: databases are not isolated", n)
	}
}

func TestDatabaseDroppedAtCleanup(t *testing.T) {
	var name string
	t.Run("uses a database", func(t *testing.T) {
		// A connection the test forgets to close must not block the drop.
		conn, err := pgx.Connect(t.Context(), NewDB(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	if name == "" {
		t.Fatal("subtest did not report its database")
	}
	var n int
	err := active.srv.admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestParallelDatabases(t *testing.T) {
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			pool := NewPool(t)
			insertUser(t, pool, fmt.Sprint("openid-", i))
			if n := countUsers(t, pool); n != 1 {
				t.Errorf("users = %d, want only this test's 1", n)
			}
		})
	}
}

func TestURLKeepsParams(t *testing.T) {
	s := &server{}
	var err error
	if s.base, err = parseURL("postgres://app:secret@db.example:6543/admin?sslmode=require&application_name=ci"); err != nil {
		t.Fatal(err)
	}
	got, want := s.url("t_1"), "postgres://app:secret@db.example:6543/t_1?sslmode=require&application_name=ci"
	if got != want {
		t.Errorf("url = %q, want %q", got, want)
	}
}
