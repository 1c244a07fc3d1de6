package pgembed

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// initdb creates the cluster as the server user. Trust authentication is
// acceptable only because the server listens on 127.0.0.1 alone.
func initdb(ctx context.Context, binDir, dir string, acct account, ephemeral bool, logger *slog.Logger) error {
	args := []string{"-D", dir, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--locale=C"}
	if ephemeral {
		args = append(args, "-N") // no fsync of the fresh cluster
	}
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), args...)
	cmd.Dir = dir
	cmd.Env = serverEnv()
	cmd.SysProcAttr = sysProcAttr(acct.cred)
	// initdb runs a bootstrap postgres of its own: cancel the whole group.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb %s as user %s: %w\n%s", dir, acct.name, err, strings.TrimSpace(string(out)))
	}
	logger.Debug("initdb done", "data_dir", dir, "took", time.Since(start))
	return nil
}

func (c *Cluster) launch(ctx context.Context, binDir string, acct account) error {
	// The unix socket lives in the data dir, private to the server user; if
	// that path is too long for a socket address we go without one, since
	// every client here connects over TCP.
	sockDir := c.dir
	if len(sockDir)+len("/.s.PGSQL.65535") > maxSocketPath {
		sockDir = ""
	}
	args := []string{
		"-D", c.dir,
		"-p", strconv.Itoa(c.port),
		"-k", sockDir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "timezone=UTC",
		"-c", "log_timezone=UTC",
		"-c", "log_line_prefix=[%p] ",
	}
	if c.ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	c.log = &serverLog{logger: c.logger}
	c.cmd = exec.Command(filepath.Join(binDir, "postgres"), args...)
	c.cmd.Dir = c.dir
	c.cmd.Env = serverEnv()
	c.cmd.Stdout = c.log
	c.cmd.Stderr = c.log
	c.cmd.SysProcAttr = sysProcAttr(acct.cred)
	// Backends share the postmaster's stderr; do not let a straggler hold
	// Wait forever.
	c.cmd.WaitDelay = 2 * time.Second
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.exited = make(chan struct{})
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.exited)
	}()
	if err := c.waitReady(ctx); err != nil {
		c.kill()
		return err
	}
	return nil
}

// waitReady polls until the server answers as the server for our data dir.
// Checking data_directory matters: if two clusters raced for one port, the
// loser must not mistake the winner for itself.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(c.URL("postgres"))
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = time.Second
	var lastErr error
	for {
		select {
		case <-c.exited:
			return c.exitError()
		default:
		}
		if lastErr = c.probe(ctx, cfg); lastErr == nil {
			return nil
		}
		select {
		case <-c.exited:
			return c.exitError()
		case <-ctx.Done():
			return fmt.Errorf("postgres on port %d not ready: %w (last attempt: %v)\n%s", c.port, ctx.Err(), lastErr, c.log.lastLines())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func (c *Cluster) probe(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var dd string
	if err := conn.QueryRow(ctx, "SELECT current_setting('data_directory')").Scan(&dd); err != nil {
		return err
	}
	if !sameDir(dd, c.dir) {
		return fmt.Errorf("port %d is served by another cluster (%s)", c.port, dd)
	}
	return nil
}

func (c *Cluster) exitError() error {
	err := fmt.Errorf("postgres exited during startup (%v):\n%s", c.waitErr, c.log.lastLines())
	if c.log.contains("Address already in use") || c.log.contains("could not create any TCP/IP sockets") {
		return fmt.Errorf("%w: %w", errPortInUse, err)
	}
	return err
}

// kill ends the whole process group at once and waits for the postmaster.
func (c *Cluster) kill() {
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.exited
}

// freePort asks the kernel for a port that is free right now. Another
// process may take it before postgres binds; startServer retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// serverEnv is our environment without the PG* variables, which would
// silently change what initdb and postgres do, and with the C locale, which
// always exists and keeps messages in English for the error we report.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}
