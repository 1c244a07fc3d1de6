package pgembed

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// findBinDir picks the directory holding initdb and postgres: $PG_BIN, then
// initdb on PATH, then the newest Debian-style /usr/lib/postgresql/*/bin.
// Symlinks are resolved because /usr/local/bin often holds only links into
// the real directory, and initdb looks for postgres beside itself.
func findBinDir(explicit string) (string, error) {
	if explicit != "" {
		return checkBinDir(explicit)
	}
	if env := os.Getenv("PG_BIN"); env != "" {
		return checkBinDir(env)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return checkBinDir(filepath.Dir(p))
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, d := range dirs {
		if dir, err := checkBinDir(d); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("no PostgreSQL binaries found: set PG_BIN, put initdb on PATH, or install postgresql")
}

func checkBinDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(abs, name))
		if err != nil {
			return "", fmt.Errorf("PostgreSQL bin dir %s: %w", abs, err)
		}
		if fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("PostgreSQL bin dir %s: %s is not executable", abs, name)
		}
	}
	return abs, nil
}

// majorOf reads the version out of /usr/lib/postgresql/<major>/bin.
func majorOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(strings.TrimSpace(filepath.Base(filepath.Dir(binDir))), 64)
	return v
}
