package clie2e

import "syscall"

// sysProcAttr kills a child when the test binary dies without running its
// cleanups (a test timeout panics, ^C), so no slod or Prometheus outlives
// the test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
