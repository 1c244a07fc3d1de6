package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/wxmp/wxmp/adapters/postgres/pgembed"
)

// prepareLocal fills in what emulator mode may leave unset, so that `make
// run` needs no account and no manual step: a private PostgreSQL cluster
// when DATABASE_URL is empty, and a session-key encryption key kept under
// DATA_DIR. Live mode gets nothing: LoadConfig already demanded the real
// values. The returned stop function is always safe to call.
func prepareLocal(ctx context.Context, cfg Config, log *slog.Logger) (Config, func(), error) {
	nop := func() {}
	if cfg.WeChatMode != modeEmulator {
		return cfg, nop, nil
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return cfg, nop, err
	}
	if cfg.SessionKeyEncryptionKey == "" {
		key, err := devKey(filepath.Join(dataDir, "session-key-encryption.key"))
		if err != nil {
			return cfg, nop, err
		}
		cfg.SessionKeyEncryptionKey = key
	}
	if cfg.DatabaseURL != "" {
		return cfg, nop, nil
	}
	cluster, err := pgembed.Start(ctx, pgembed.Options{
		DataDir: filepath.Join(dataDir, "postgres"),
		Logger:  log.With("component", "postgres"),
	})
	if err != nil {
		return cfg, nop, fmt.Errorf("start embedded PostgreSQL (or set DATABASE_URL, with WECHAT_MODE=emulator): %w", err)
	}
	stop := func() {
		if err := cluster.Stop(); err != nil {
			log.Warn("stopping embedded PostgreSQL", "err", err)
		}
	}
	if err := ensureDatabase(ctx, cluster.URL("postgres"), "wxmp"); err != nil {
		stop()
		return cfg, nop, err
	}
	cfg.DatabaseURL = cluster.URL("wxmp")
	log.Info("embedded PostgreSQL running", "url", cfg.DatabaseURL, "data", filepath.Join(dataDir, "postgres"))
	return cfg, stop, nil
}

func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// devKey reads the emulator-mode encryption key, creating it on first use,
// so that session keys stored by one `make run` decrypt in the next.
func devKey(path string) (string, error) {
	return keptSecret(path, func() (string, error) {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return "", err
		}
		return base64.StdEncoding.EncodeToString(raw), nil
	})
}

// keptSecret reads the secret kept at path under DATA_DIR, or makes one
// and keeps it there (0600) on first use: what make run needs to stay the
// same from one run to the next.
func keptSecret(path string, mint func() (string, error)) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	secret, err := mint()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", err
	}
	return secret, nil
}

// printWalkthrough shows a newcomer where things are and the curl sequence
// of README.md, with this run's addresses filled in.
func printWalkthrough(w io.Writer, cfg Config) {
	api := strings.TrimRight(cfg.PublicURL, "/")
	fmt.Fprintf(w, "\nwxmp is ready.\n  API:       %s\n  Console:   %s/console/   (operators; sign in with an operator key)\n", api, api)
	if cfg.WeChatMode != modeEmulator {
		return
	}
	emu := strings.TrimRight(cfg.WeChatAPIBase, "/")
	fmt.Fprintf(w, `  Emulator:  %[2]s   (stands in for WeChat; appid %[3]s)
  Emulator console: %[2]s/console/   (what WeChat saw; pay, fail, send again)
  Database:  %[4]s

Try it (needs curl and jq):
  # log in: what wx.login gives the phone, then the server's token
  CODE=$(curl -s -X POST %[2]s/emulator/login-codes -d '{"user":"alice"}' | jq -r .code)
  TOKEN=$(curl -s -X POST %[1]s/v1/auth/login -H 'Content-Type: application/json' -d "{\"code\":\"$CODE\"}" | jq -r .token)
  curl -s %[1]s/v1/me -H "Authorization: Bearer $TOKEN"
  # buy: the server prices the order and signs the wx.requestPayment arguments
  PRODUCT=$(curl -s %[1]s/v1/products | jq -r '.items[0].id')
  CHECKOUT=$(curl -s -X POST %[1]s/v1/orders -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "{\"items\":[{\"product_id\":\"$PRODUCT\",\"quantity\":2}]}")
  ORDER=$(echo "$CHECKOUT" | jq -r .order.id)
  # pay: what wx.requestPayment does; WeChat then notifies the server
  echo "$CHECKOUT" | jq .payment | curl -s -X POST %[2]s/emulator/payments -d @- | jq -r .trade_state
  sleep 1; curl -s %[1]s/v1/orders/$ORDER -H "Authorization: Bearer $TOKEN" | jq -r .status
  # had the notification been lost, the active query asks WeChat Pay now
  curl -s -X POST %[1]s/v1/orders/$ORDER/refresh -H "Authorization: Bearer $TOKEN" | jq -r .status
  # operate: the operator API, with the key minted for this run
  OPERATOR_KEY=%[5]s
  curl -s %[1]s/admin/v1/orders/$ORDER -H "Authorization: Bearer $OPERATOR_KEY" | jq '{status: .order.status, ledger: [.ledger[].verdict]}'
  curl -s -X POST %[1]s/admin/v1/orders/$ORDER/refunds -H "Authorization: Bearer $OPERATOR_KEY" -H 'Content-Type: application/json' -d '{"amount_fen":100,"reason":"少发一件"}' | jq -r .status
  # log out: the token stops working
  curl -s -X POST %[1]s/v1/auth/logout -H "Authorization: Bearer $TOKEN" -o /dev/null -w '%%{http_code}\n'
  curl -s %[1]s/v1/me -H "Authorization: Bearer $TOKEN"

`, api, emu, cfg.WeChatAppID, cfg.DatabaseURL, operatorKeyHint(cfg))
}

// operatorKeyHint is the operator key make run minted, or a reminder of the one configured.
func operatorKeyHint(cfg Config) string {
	if cfg.devOperatorKey == nil {
		return "<your operator key>"
	}
	return cfg.devOperatorKey.key
}
