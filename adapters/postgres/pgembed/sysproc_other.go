//go:build unix && !linux

package pgembed

import "syscall"

// sysProcAttr puts the server in its own process group. Without Linux's
// parent-death signal a crashed parent can leave the server running; the
// next Start on the same data dir then reports it.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: cred}
}
