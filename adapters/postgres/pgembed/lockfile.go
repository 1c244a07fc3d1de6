package pgembed

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// errAlreadyRunning is returned when a live postgres owns the data dir.
var errAlreadyRunning = errors.New("a postgres is already running on this data dir")

// clearStaleLock removes the postmaster.pid (and socket lock files) left by a
// server that was killed. Postgres removes a lock whose PID is dead by itself,
// but it refuses to start when that PID has since been reused by some other
// process, which is common in containers where PIDs restart low. So we decide
// ourselves: the lock is live only if its PID is a process whose working
// directory is this data dir (the postmaster chdirs into it).
func clearStaleLock(dataDir string) error {
	lock := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(lock)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read lock file: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	if pid < 0 {
		pid = -pid // a standalone backend writes its PID negated
	}
	if pid > 0 && serverAlive(pid, dataDir) {
		return fmt.Errorf("%w: PID %d in %s; stop it first", errAlreadyRunning, pid, lock)
	}
	if err := os.Remove(lock); err != nil {
		return fmt.Errorf("remove stale lock file: %w", err)
	}
	socks, _ := filepath.Glob(filepath.Join(dataDir, ".s.PGSQL.*"))
	for _, s := range socks {
		_ = os.Remove(s)
	}
	return nil
}

// serverAlive reports whether pid looks like a postmaster serving dataDir.
// When /proc cannot tell, a live process is assumed to be the server: a false
// "already running" is better than two servers on one data dir.
func serverAlive(pid int, dataDir string) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	proc := "/proc/" + strconv.Itoa(pid)
	if status, err := os.ReadFile(proc + "/status"); err == nil && strings.Contains(string(status), "\nState:\tZ") {
		return false
	}
	if cwd, err := os.Readlink(proc + "/cwd"); err == nil {
		return sameDir(cwd, dataDir)
	}
	if comm, err := os.ReadFile(proc + "/comm"); err == nil {
		return strings.TrimSpace(string(comm)) == "postgres"
	}
	return true
}

// sameDir compares two paths after resolving symlinks.
func sameDir(a, b string) bool {
	ra, errA := filepath.EvalSymlinks(a)
	rb, errB := filepath.EvalSymlinks(b)
	if errA != nil || errB != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return ra == rb
}
