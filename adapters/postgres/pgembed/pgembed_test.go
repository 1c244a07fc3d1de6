package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// tempParent makes a directory the server user can traverse (os.MkdirTemp
// and t.TempDir make 0700 dirs, unreachable for "postgres" when we are root)
// and removes it at cleanup.
func tempParent(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgembed-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func start(t *testing.T, o Options) *Cluster {
	t.Helper()
	c, err := Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

func connect(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// syncBuffer lets the test read what the server's log goroutine writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestEphemeral(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(tempParent(t), "data")
	var logs syncBuffer
	c := start(t, Options{DataDir: dir, Ephemeral: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(c.URL("x"), ":"+strconv.Itoa(c.Port())+"/x?") {
		t.Errorf("URL %q does not use port %d", c.URL("x"), c.Port())
	}
	conn := connect(t, c)
	ctx := t.Context()

	var tz, fsync string
	if err := conn.QueryRow(ctx, "SHOW timezone").Scan(&tz); err != nil {
		t.Fatal(err)
	}
	if tz != "UTC" {
		t.Errorf("timezone = %q, want UTC", tz)
	}
	if err := conn.QueryRow(ctx, "SHOW fsync").Scan(&fsync); err != nil {
		t.Fatal(err)
	}
	if fsync != "off" {
		t.Errorf("fsync = %q, want off for an ephemeral cluster", fsync)
	}

	// The backend serving us is a child of the postmaster and runs as the
	// same user: never root.
	var pid int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	uid := procUID(t, pid)
	acct, err := serverAccount()
	if err != nil {
		t.Fatal(err)
	}
	if uid != acct.uid || (os.Geteuid() == 0 && uid == 0) {
		t.Errorf("server runs as uid %d; want %d (%s), not root", uid, acct.uid, acct.name)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if owner := int(fi.Sys().(*syscall.Stat_t).Uid); owner != acct.uid {
		t.Errorf("data dir owned by uid %d, want %d", owner, acct.uid)
	}
	if !strings.Contains(logs.String(), "ready to accept connections") {
		t.Errorf("server log not captured; got:\n%s", logs.String())
	}

	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data dir still there after Stop: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func procUID(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			uid, err := strconv.Atoi(strings.Fields(rest)[0])
			if err != nil {
				t.Fatal(err)
			}
			return uid
		}
	}
	t.Fatalf("no Uid line in /proc/%d/status", pid)
	return -1
}

func TestPersistent(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(tempParent(t), "nested", "pg")
	ctx := t.Context()

	c := start(t, Options{DataDir: dir})
	if _, err := connect(t, c).Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('hello')"); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(ctx, Options{DataDir: dir}); !errors.Is(err, errAlreadyRunning) {
		t.Errorf("second Start on a running data dir: got %v, want an already-running error", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	assertKept := func(c *Cluster) {
		t.Helper()
		var v string
		if err := connect(t, c).QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != "hello" {
			t.Errorf("kept row = %q, want hello", v)
		}
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	assertKept(start(t, Options{DataDir: dir}))

	// A lock file from a server that was killed: its PID is dead.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	writeLock(t, dir, dead.Process.Pid)
	assertKept(start(t, Options{DataDir: dir}))

	// A lock file whose PID now belongs to an unrelated live process of the
	// server user, as after a container restart. Postgres alone would refuse
	// to start (it ignores PIDs it may not signal, hence the same user).
	acct, err := serverAccount()
	if err != nil {
		t.Fatal(err)
	}
	sleeper := exec.Command("sleep", "60")
	sleeper.SysProcAttr = &syscall.SysProcAttr{Credential: acct.cred}
	sleeper.Dir = "/"
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	writeLock(t, dir, sleeper.Process.Pid)
	assertKept(start(t, Options{DataDir: dir}))
}

// writeLock writes a postmaster.pid as a killed server leaves it behind.
func writeLock(t *testing.T, dir string, pid int) {
	t.Helper()
	content := fmt.Sprintf("%d\n%s\n%d\n5432\n%s\n127.0.0.1\n  5432001         0\nready   \n", pid, dir, time.Now().Unix(), dir)
	lock := filepath.Join(dir, "postmaster.pid")
	if err := os.WriteFile(lock, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	// Owned by the server user, as the killed server left it.
	acct, err := serverAccount()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(lock, acct.uid, acct.gid); err != nil {
		t.Fatal(err)
	}
}

func TestPortInUseReportsPostgresMessage(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := filepath.Join(tempParent(t), "data")
	_, err = Start(t.Context(), Options{DataDir: dir, Port: l.Addr().(*net.TCPAddr).Port, Ephemeral: true})
	if err == nil || !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("Start on a taken port: got %v, want postgres's bind error", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ephemeral data dir left after failed Start: %v", err)
	}
}

func TestCheckTraversable(t *testing.T) {
	t.Parallel()
	private := filepath.Join(tempParent(t), "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	inner := filepath.Join(private, "inner")
	if err := os.Mkdir(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	const stranger = 54321 // neither owner nor in the owner's group
	err := checkTraversable(inner, stranger, []int{stranger})
	if err == nil || !strings.Contains(err.Error(), private+" ") {
		t.Errorf("got %v, want an error naming %s", err, private)
	}
	if err := os.Chmod(private, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := checkTraversable(inner, stranger, []int{stranger}); err != nil {
		t.Errorf("after o+x: %v", err)
	}
}
