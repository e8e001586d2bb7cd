//go:build !linux

package promtest

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; cleanups
// still stop the server on a normal exit.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// waitStopped cannot observe the stop without /proc; SIGSTOP usually takes
// effect within microseconds.
func waitStopped(int) error { return nil }
