package pgembed

import "syscall"

// sysProcAttr puts the server in its own process group (so Stop can reach
// every backend) and has the kernel kill it if we die first: a test binary
// that panics or is killed must not leave a postgres behind. Go sets the
// parent-death signal after switching credentials, so it survives the switch.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
}
