package proctest

import "syscall"

// withDeathSignal makes attr (nil: a new one) kill the child when the test
// binary dies without running its cleanups (a test timeout panics, a
// developer hits ^C), so no server outlives its test.
func withDeathSignal(attr *syscall.SysProcAttr) *syscall.SysProcAttr {
	if attr == nil {
		attr = &syscall.SysProcAttr{}
	}
	attr.Pdeathsig = syscall.SIGKILL
	return attr
}
