package promtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// waitStopped waits until every thread of pid is in the stopped state:
// kill(SIGSTOP) returns before the group stop has taken effect, and a
// request sent in between would still be answered.
func waitStopped(pid int) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		stopped, err := allThreadsStopped(pid)
		if err != nil || stopped {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("process %d did not stop", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func allThreadsStopped(pid int) (bool, error) {
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(stats) == 0 {
		return false, fmt.Errorf("no threads of process %d: %v", pid, err)
	}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			return false, err
		}
		// The state follows the parenthesised command name, which may
		// itself contain ") ".
		i := bytes.LastIndex(b, []byte(") "))
		if i < 0 || i+2 >= len(b) {
			return false, fmt.Errorf("unexpected %s: %q", path, b)
		}
		if state := b[i+2]; state != 'T' && state != 't' {
			return false, nil
		}
	}
	return true, nil
}
