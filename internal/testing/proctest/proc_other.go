//go:build !linux

package proctest

import "syscall"

// withDeathSignal: outside Linux there is no parent-death signal; cleanups
// still stop the children on a normal exit.
func withDeathSignal(attr *syscall.SysProcAttr) *syscall.SysProcAttr { return attr }
