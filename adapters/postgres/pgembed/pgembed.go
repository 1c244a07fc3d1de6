// Package pgembed runs a private PostgreSQL cluster from the binaries
// installed on the machine, for `make run` (a persistent data dir reused
// across runs) and for tests (a throw-away data dir with durability off).
//
// Postgres refuses to run as root, and containers and CI often run us as
// root. So when our effective uid is 0 the package runs initdb and postgres
// as an unprivileged system user ("postgres", else "nobody"), hands it the
// data dir, and checks up front that this user can reach the data dir at all,
// which otherwise fails later with an obscure message. Otherwise the server
// runs as ourselves.
//
// The server is started directly (not through pg_ctl) as our child, in its
// own process group and, on Linux, with a parent-death signal, so a crashed
// test binary takes its server with it. It listens on 127.0.0.1 only, with
// trust authentication for the superuser "postgres": it is a development
// and test server, never a shared one.
package pgembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Superuser is the role initdb creates; URL connects as it.
const Superuser = "postgres"

const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
	portAttempts = 3
	// sockaddr_un holds 108 bytes including the NUL; the socket file is
	// named .s.PGSQL.<port>.
	maxSocketPath = 107
)

// errPortInUse marks a start that failed because another process took the
// port between our choosing it and the server binding it.
var errPortInUse = errors.New("port already in use")

// Options configure Start.
type Options struct {
	// DataDir is required. It is created if missing, and initdb runs only
	// if it holds no cluster yet.
	DataDir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// BinDir holds initdb and postgres; "" discovers it: $PG_BIN, then
	// initdb on PATH, then the highest /usr/lib/postgresql/*/bin.
	BinDir string
	// Ephemeral is for tests: durability is turned off and DataDir is
	// removed by Stop.
	Ephemeral bool
	// Logger receives the server's log lines; nil discards them.
	Logger *slog.Logger
	// Settings are extra server settings (name → value), written to
	// pgembed.conf in the data dir at every start and included from
	// postgresql.conf, e.g. shared_preload_libraries for the load harness.
	Settings map[string]string
}

// Cluster is a running server. Stop it when done.
type Cluster struct {
	dir       string
	port      int
	ephemeral bool
	logger    *slog.Logger

	cmd     *exec.Cmd
	log     *serverLog
	exited  chan struct{} // closed once the postmaster has been reaped
	waitErr error         // how it exited; read only after exited is closed

	stopOnce sync.Once
	stopErr  error
}

// Start initializes the data dir if needed, starts the server and returns
// once it accepts connections. ctx bounds the start only, not the server's
// life. With Ephemeral, a data dir initialized by a failed Start is removed.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.DataDir == "" {
		return nil, errors.New("pgembed: Options.DataDir is required")
	}
	dir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: data dir: %w", err)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	binDir, err := findBinDir(o.BinDir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	if err := acct.prepareDataDir(dir); err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}

	created := false
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		if err := initdb(ctx, binDir, dir, acct, o.Ephemeral, logger); err != nil {
			return nil, fmt.Errorf("pgembed: %w", err)
		}
		created = true
	} else if err := clearStaleLock(dir); err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}

	if err := writeSettings(dir, o.Settings); err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	c, err := startServer(ctx, binDir, dir, acct, o, logger)
	if err != nil {
		if created && o.Ephemeral {
			_ = os.RemoveAll(dir)
		}
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	return c, nil
}

// startServer launches postgres, choosing a fresh port again when a chosen
// free port was taken by someone else in the meantime: go test runs packages
// in parallel and each may be starting its own cluster.
func startServer(ctx context.Context, binDir, dir string, acct account, o Options, logger *slog.Logger) (*Cluster, error) {
	attempts := 1
	if o.Port == 0 {
		attempts = portAttempts
	}
	var err error
	for range attempts {
		port := o.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		c := &Cluster{dir: dir, port: port, ephemeral: o.Ephemeral, logger: logger}
		if err = c.launch(ctx, binDir, acct); err == nil {
			return c, nil
		}
		if !errors.Is(err, errPortInUse) {
			return nil, err
		}
		logger.Warn("postgres port taken, retrying", "port", port)
	}
	return nil, err
}

// URL is a libpq-style URL for database dbname, as the superuser, over TCP.
func (c *Cluster) URL(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(Superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port is the TCP port the server listens on at 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// Stop shuts the server down (fast shutdown: open sessions are rolled back),
// killing it if it has not exited within 10s, and removes the data dir of an
// ephemeral cluster. Later calls return the first call's result.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	var err error
	select {
	case <-c.exited:
		err = fmt.Errorf("pgembed: postgres had already exited (%v)", c.waitErr)
	default:
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
			if c.waitErr != nil {
				err = fmt.Errorf("pgembed: postgres shutdown: %w", c.waitErr)
			}
		case <-time.After(stopTimeout):
			c.kill()
			err = fmt.Errorf("pgembed: postgres did not shut down within %v and was killed", stopTimeout)
		}
	}
	if c.ephemeral {
		if rmErr := os.RemoveAll(c.dir); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("pgembed: remove data dir: %w", rmErr))
		}
	}
	return err
}

// writeSettings writes o.Settings to pgembed.conf (replaced at every start,
// removed without settings) and makes postgresql.conf include it once. The
// files keep the owner initdb gave the data dir's files.
func writeSettings(dir string, settings map[string]string) error {
	extra := filepath.Join(dir, "pgembed.conf")
	if len(settings) == 0 {
		if err := os.Remove(extra); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("settings: %w", err)
		}
		return nil
	}
	names := make([]string, 0, len(settings))
	for k := range settings {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("# Written by pgembed at every start: Options.Settings.\n")
	for _, k := range names {
		fmt.Fprintf(&b, "%s = '%s'\n", k, strings.ReplaceAll(settings[k], "'", "''"))
	}
	conf := filepath.Join(dir, "postgresql.conf")
	main, err := os.ReadFile(conf)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	st, err := os.Stat(conf)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := os.WriteFile(extra, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := chownLike(extra, st); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	const include = "include_if_exists = 'pgembed.conf'"
	if strings.Contains(string(main), include) {
		return nil
	}
	f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	_, err = f.WriteString("\n" + include + "\n")
	return errors.Join(err, f.Close())
}

// chownLike gives path the owner of the file st describes (initdb's files
// belong to the server's account when we run as root).
func chownLike(path string, st os.FileInfo) error {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
		return os.Chown(path, int(sys.Uid), int(sys.Gid))
	}
	return nil
}
