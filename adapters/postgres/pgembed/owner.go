package pgembed

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// account is the OS user initdb and postgres run as. cred is nil when we are
// not root: then the server simply runs as ourselves.
type account struct {
	name     string
	uid, gid int
	gids     []int // primary and supplementary groups
	cred     *syscall.Credential
}

// serverAccount chooses who runs the server. Postgres refuses to start as
// root, so under root we borrow the system user "postgres" (or "nobody").
func serverAccount() (account, error) {
	if os.Geteuid() != 0 {
		gids, _ := os.Getgroups()
		return account{name: "self", uid: os.Geteuid(), gid: os.Getegid(), gids: append(gids, os.Getegid())}, nil
	}
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		a, err := lookupAccount(name)
		if err == nil {
			return a, nil
		}
		errs = append(errs, err)
	}
	return account{}, fmt.Errorf("running as root and no unprivileged user to run postgres as: %w", errors.Join(errs...))
}

func lookupAccount(name string) (account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return account{}, err
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return account{}, fmt.Errorf("user %s: uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return account{}, fmt.Errorf("user %s: gid %q: %w", name, u.Gid, err)
	}
	a := account{name: name, uid: uid, gid: gid, gids: []int{gid}}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				a.gids = append(a.gids, g)
				cred.Groups = append(cred.Groups, uint32(g))
			}
		}
	}
	a.cred = cred
	return a, nil
}

// prepareDataDir creates dir (and its missing parents, world-traversable so
// the server user can reach it) and hands it to the server user.
func (a account) prepareDataDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create parent of data dir: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create data dir: %w", err)
	}
	if a.cred == nil {
		return nil
	}
	if err := checkTraversable(filepath.Dir(dir), a.uid, a.gids); err != nil {
		return fmt.Errorf("postgres runs as user %s (uid %d), which cannot reach data dir %s: %w", a.name, a.uid, dir, err)
	}
	return a.chownTree(dir)
}

// chownTree gives dir to the server user. A data dir left by a run under a
// different user is handed over whole; otherwise only the top is touched.
func (a account) chownTree(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st := fi.Sys().(*syscall.Stat_t)
	if int(st.Uid) == a.uid && int(st.Gid) == a.gid {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, a.uid, a.gid); err != nil {
			return fmt.Errorf("hand data dir to user %s: %w", a.name, err)
		}
		return nil
	})
}

// checkTraversable reports the first directory from dir up to / that the
// user (uid, gids) may not search. Permission bits are judged the way the
// kernel does: owner bits for the owner, else group bits, else other bits.
func checkTraversable(dir string, uid int, gids []int) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		perm := fi.Mode().Perm()
		var ok bool
		switch {
		case int(st.Uid) == uid:
			ok = perm&0o100 != 0
		case slices.Contains(gids, int(st.Gid)):
			ok = perm&0o010 != 0
		default:
			ok = perm&0o001 != 0
		}
		if !ok {
			return fmt.Errorf("%s (mode %v, owner uid %d) is not searchable by it; chmod o+x %s or choose another directory", dir, perm, st.Uid, dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}
