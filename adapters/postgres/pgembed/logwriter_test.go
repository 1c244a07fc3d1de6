package pgembed

import (
	"log/slog"
	"testing"
)

func TestServerLogLevels(t *testing.T) {
	for line, want := range map[string]slog.Level{
		`[42] ERROR:  duplicate key value violates unique constraint "products_sku_key"`: slog.LevelDebug,
		`[42] DETAIL:  Key (sku)=(green-tea) already exists.`:                            slog.LevelDebug,
		`[42] STATEMENT:  INSERT INTO products (id, sku) VALUES ($1, $2)`:                slog.LevelDebug,
		`[42] FATAL:  data directory "/x" has invalid permissions`:                       slog.LevelError,
		`[42] PANIC:  could not write to file "pg_wal/xlogtemp.42"`:                      slog.LevelError,
		`[42] WARNING:  could not flush dirty data`:                                      slog.LevelWarn,
		`[42] LOG:  database system is ready to accept connections`:                      slog.LevelInfo,
		`[42] FATAL:  the database system is starting up`:                                slog.LevelDebug,
	} {
		if got := levelOf(line); got != want {
			t.Errorf("%s: %s, want %s", line, got, want)
		}
	}
}
