//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package dblock

import (
	"errors"
	"os"
	"syscall"
)

var errHeld = errors.New("held")

// tryLock takes an exclusive flock on f without blocking. flock, not
// fcntl: an fcntl lock is dropped when any descriptor of the file in the
// process is closed, and belongs to the process rather than the open file.
func tryLock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errHeld
		}
		return err
	}
}
