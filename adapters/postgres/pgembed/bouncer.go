package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

	"github.com/jackc/pgx/v5"
)

// A PgBouncer in front of a cluster, for tests of the service behind a
// connection pooler (README: "Behind a connection pooler"). It runs from
// the machine's pgbouncer binary (Debian's package; the Makefile installs
// it) as the same unprivileged user as postgres, since PgBouncer refuses to
// run as root too.

// BouncerOptions configure StartBouncer.
type BouncerOptions struct {
	// Dir holds the configuration, log and pid file; required, created if
	// missing.
	Dir string
	// Config is a pgbouncer.ini: its [databases] and [pgbouncer] sections
	// as an operator writes them. StartBouncer adds what only a test can
	// know: the listen address and port, the files' places under Dir, and
	// trust authentication against a user list with the superuser only
	// (the embedded cluster trusts it too).
	Config string
	// Settings are more "key = value" lines for the [pgbouncer] section,
	// after Config's own (the later of two wins).
	Settings []string
	// Binary is the pgbouncer executable; "" finds it: $PGBOUNCER, then
	// pgbouncer on PATH, then /usr/sbin/pgbouncer.
	Binary string
}

// Bouncer is a running PgBouncer. Stop it when done.
type Bouncer struct {
	dir    string
	port   int
	cmd    *exec.Cmd
	out    *bytes.Buffer
	outMu  *sync.Mutex
	exited chan struct{}
	once   sync.Once
	err    error
}

// StartBouncer starts PgBouncer with o.Config and returns once its admin
// console answers.
func StartBouncer(ctx context.Context, o BouncerOptions) (*Bouncer, error) {
	if o.Dir == "" {
		return nil, errors.New("pgembed: BouncerOptions.Dir is required")
	}
	bin, err := findBouncer(o.Binary)
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	if err := acct.prepareDataDir(o.Dir); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	users := filepath.Join(o.Dir, "userlist.txt")
	ini := filepath.Join(o.Dir, "pgbouncer.ini")
	// Within a section the later of two settings wins (a second
	// [pgbouncer] section would start again from the defaults): the
	// test's go at the end of Config's own section.
	conf := withSettings(o.Config, append([]string{
		"listen_addr = 127.0.0.1",
		fmt.Sprintf("listen_port = %d", port),
		"unix_socket_dir =",
		"auth_type = trust",
		"auth_file = " + users,
		"logfile =",
		"pidfile = " + filepath.Join(o.Dir, "pgbouncer.pid"),
		"admin_users = " + Superuser,
	}, o.Settings...))
	for name, body := range map[string]string{users: fmt.Sprintf("%q \"\"\n", Superuser), ini: conf} {
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			return nil, fmt.Errorf("pgembed: write %s: %w", name, err)
		}
		if acct.cred != nil {
			if err := os.Chown(name, acct.uid, acct.gid); err != nil {
				return nil, fmt.Errorf("pgembed: hand %s to user %s: %w", name, acct.name, err)
			}
		}
	}
	b := &Bouncer{dir: o.Dir, port: port, out: &bytes.Buffer{}, outMu: &sync.Mutex{}, exited: make(chan struct{})}
	b.cmd = exec.Command(bin, ini)
	b.cmd.Dir = o.Dir
	b.cmd.Env = serverEnv()
	w := lockedWriter{b.out, b.outMu}
	b.cmd.Stdout, b.cmd.Stderr = w, w
	b.cmd.SysProcAttr = sysProcAttr(acct.cred)
	b.cmd.WaitDelay = 2 * time.Second
	if err := b.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgembed: start pgbouncer: %w", err)
	}
	go func() {
		b.err = b.cmd.Wait()
		close(b.exited)
	}()
	if err := b.waitReady(ctx); err != nil {
		_ = b.Stop()
		return nil, err
	}
	return b, nil
}

// URL is a URL for database dbname through the bouncer, as the superuser.
func (b *Bouncer) URL(dbname string) string {
	u := url.URL{Scheme: "postgres", User: url.User(Superuser), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)),
		Path: "/" + dbname, RawQuery: "sslmode=disable"}
	return u.String()
}

// Log is what PgBouncer printed so far.
func (b *Bouncer) Log() string {
	b.outMu.Lock()
	defer b.outMu.Unlock()
	return b.out.String()
}

// Stop shuts PgBouncer down at once (SIGTERM), killing it after 10 s.
func (b *Bouncer) Stop() error {
	var err error
	b.once.Do(func() {
		select {
		case <-b.exited:
			err = fmt.Errorf("pgembed: pgbouncer had already exited (%v):\n%s", b.err, b.Log())
			return
		default:
		}
		_ = b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.exited:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
			<-b.exited
			err = errors.New("pgembed: pgbouncer did not stop within 10s and was killed")
		}
	})
	return err
}

func (b *Bouncer) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(b.URL("pgbouncer")) // the admin console
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = time.Second
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol // all the console speaks
	var last error
	for {
		select {
		case <-b.exited:
			return fmt.Errorf("pgembed: pgbouncer exited (%v):\n%s", b.err, b.Log())
		default:
		}
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			_, err = conn.Exec(ctx, "SHOW VERSION")
			_ = conn.Close(ctx)
			if err == nil {
				return nil
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgembed: pgbouncer on port %d not ready: %w (last attempt: %v)\n%s", b.port, ctx.Err(), last, b.Log())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// withSettings puts lines at the end of conf's [pgbouncer] section (one is
// added when conf has none).
func withSettings(conf string, lines []string) string {
	all := strings.Split(strings.TrimRight(conf, "\n"), "\n")
	start := slices.IndexFunc(all, func(l string) bool { return strings.TrimSpace(l) == "[pgbouncer]" })
	if start < 0 {
		return conf + "\n[pgbouncer]\n" + strings.Join(lines, "\n") + "\n"
	}
	end := len(all)
	for i := start + 1; i < len(all); i++ {
		if strings.HasPrefix(strings.TrimSpace(all[i]), "[") {
			end = i
			break
		}
	}
	return strings.Join(slices.Concat(all[:end], lines, all[end:]), "\n") + "\n"
}

func findBouncer(explicit string) (string, error) {
	for _, c := range []string{explicit, os.Getenv("PGBOUNCER")} {
		if c != "" {
			return c, nil
		}
	}
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/pgbouncer"); err == nil {
		return "/usr/sbin/pgbouncer", nil
	}
	return "", errors.New("pgembed: no pgbouncer binary (install Debian's pgbouncer package; `make test` does)")
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
