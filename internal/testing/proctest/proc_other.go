//go:build !linux

package proctest

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; cleanups
// still stop the children on a normal exit.
func sysProcAttr() *syscall.SysProcAttr { return nil }
