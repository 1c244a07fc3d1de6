// Command wxmp is the composition root: it reads configuration, wires the
// domain use cases to their adapters with fx, and runs one of
//
//	wxmp serve      the HTTP API (default); in emulator mode also the WeChat emulator
//	wxmp migrate    apply database migrations and exit
//	wxmp emulator   only the WeChat emulator
//	wxmp operator-key [id]  mint an operator API key
//
// It is the only package that imports fx.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.uber.org/fx"

	"github.com/wxmp/wxmp/adapters/token"
	"github.com/wxmp/wxmp/db"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func environ() map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

const usage = `usage: wxmp [serve | migrate | emulator | bench | operator-key [id]]

  serve      serve the HTTP API (default); with WECHAT_MODE=emulator it also
             runs the WeChat emulator and, without DATABASE_URL, a private
             PostgreSQL cluster under DATA_DIR
  migrate    apply database migrations and exit
  emulator   run only the WeChat emulator on EMULATOR_ADDR
  bench [-duration 3s] [-concurrency 1,8,32] [-out .data/bench.json]
             the load harness (make bench): the service and the emulator in
             their own processes, each scenario against its floors
  operator-key [id]
             mint an operator API key (id default "ops"): prints the key, to
             give to the operator, and the OPERATOR_API_KEYS entry, which
             holds only its SHA-256

Configuration comes from the environment; see README.md.
`

// run executes one subcommand until ctx ends (a signal, in main) and
// returns the process exit code.
func run(ctx context.Context, args []string, environ map[string]string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	switch cmd {
	case "operator-key":
		return mintOperatorKey(args[1:], stdout, stderr)
	case "bench":
		return runBench(args[1:], stdout, stderr)
	case "bench-floor": // started by bench, not for people
		if len(args) < 2 {
			return 2
		}
		if err := serveFloor(ctx, args[1]); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	cfg, err := LoadConfig(environ)
	if err == nil {
		cfg, err = withEmulatorKeys(cfg)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	log := newLogger(cfg, stderr)

	switch cmd {
	case "serve":
		err = serve(ctx, cfg, log, stdout)
	case "migrate":
		err = migrate(ctx, cfg, log)
	case "emulator":
		if cfg.WeChatMode != modeEmulator {
			fmt.Fprintln(stderr, "wxmp emulator runs only with WECHAT_MODE=emulator")
			return 2
		}
		err = runFx(ctx, fx.Options(fx.Supply(cfg, log), fx.WithLogger(fxLogger), fx.Invoke(runEmulator)))
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		log.Error("wxmp "+cmd+" failed", "err", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	cfg, stopDB, err := prepareLocal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stopDB()
	if cfg.MigrateOnStart {
		if err := db.Migrate(ctx, cfg.migrateURL()); err != nil {
			return err
		}
	} else if err := db.Check(ctx, cfg.migrateURL()); err != nil {
		return err
	}
	if cfg.WeChatMode == modeEmulator && !cfg.EmulatorExternal {
		// The emulator in-process keeps what it knows beside the database,
		// so that make run can be stopped and started again (make reset
		// forgets both).
		cfg.emulatorStateFile = filepath.Join(cfg.DataDir, "emulator", "state.json")
	}
	opts := []fx.Option{serviceOptions(cfg, log)}
	if cfg.WeChatMode == modeEmulator && !cfg.EmulatorExternal {
		opts = append(opts, fx.Invoke(runEmulator))
	}
	return runFx(ctx, append(opts, fx.Invoke(func(lc fx.Lifecycle) {
		lc.Append(fx.StartHook(func() { printWalkthrough(stdout, cfg) }))
	}))...)
}

func migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	cfg, stopDB, err := prepareLocal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stopDB()
	if err := db.Migrate(ctx, cfg.migrateURL()); err != nil {
		return err
	}
	log.Info("database is up to date")
	return nil
}

// runFx starts the graph, waits for a signal (or an fx shutdown), and
// stops it. Unlike fx.App.Run it returns instead of exiting, so that the
// caller's deferred cleanup (the embedded cluster) runs.
func runFx(ctx context.Context, opts ...fx.Option) error {
	app := fx.New(append(opts, fx.StartTimeout(30*time.Second))...)
	if err := app.Err(); err != nil {
		return err
	}
	if err := app.Start(ctx); err != nil {
		return err
	}
	var code int
	select {
	case <-ctx.Done():
	case sig := <-app.Wait():
		code = sig.ExitCode
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := app.Stop(stopCtx); err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("stopped with exit code %d", code)
	}
	return nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level // LoadConfig checked it
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// mintOperatorKey prints a new operator key and its configuration entry.
func mintOperatorKey(args []string, stdout, stderr io.Writer) int {
	id := "ops"
	if len(args) > 0 {
		id = args[0]
	}
	key, entry, _, err := token.MintOperatorKey(id)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	fmt.Fprintf(stdout, "Operator key (give it to the operator; it is shown once):\n  %s\n"+
		"Add to OPERATOR_API_KEYS (comma-separated; remove the entry to revoke the key):\n  %s\n", key, entry)
	return 0
}
