package proctest

import "syscall"

// sysProcAttr kills the child when the test binary dies without running
// its cleanups (a test timeout panics, a developer hits ^C), so no server
// outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
