package slodtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/testing/proctest"
)

// StartBinary runs the slod binary bin on a free loopback port with the
// given flags (without --listen) and environment (KEY=value, the whole of
// it), and waits until /readyz answers 200: slod has completed its first
// evaluation. It stops with SIGTERM when the test ends, if not before.
func StartBinary(t testing.TB, bin string, env []string, flags ...string) *Slod {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "slod.log")
	var lastErr error
	// A free port can be taken before slod binds it; then try another.
	for attempt := 0; attempt < 3; attempt++ {
		addr, err := proctest.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		s := &Slod{URL: "http://" + addr, Client: newClient(), started: time.Now(),
			log: func() string { b, _ := os.ReadFile(logPath); return string(b) }}
		cmd := exec.Command(bin, append(flags, "--listen", addr)...)
		cmd.Env = env
		if lastErr = s.startProcess(cmd, logPath); lastErr == nil {
			s.cleanup(t)
			return s
		}
		if !strings.Contains(s.Log(), "address already in use") {
			break
		}
	}
	t.Fatalf("start slod: %v\n%s", lastErr, proctest.Tail(logPath))
	return nil
}

// Kill ends a slod binary with SIGKILL and waits for it to exit: nothing
// of its shutdown runs, as in a crash. Stop does nothing afterwards.
func (s *Slod) Kill(t testing.TB) {
	t.Helper()
	if s.kill == nil {
		t.Fatal("slodtest: Kill needs a slod started with StartBinary")
	}
	s.kill()
}

// Pause stops a slod binary with SIGSTOP, as a long GC pause, a frozen
// VM or a stalled node would; Resume lets it run on.
func (s *Slod) Pause(t testing.TB) { s.signal(t, syscall.SIGSTOP) }

// Resume continues a paused slod binary (SIGCONT).
func (s *Slod) Resume(t testing.TB) { s.signal(t, syscall.SIGCONT) }

func (s *Slod) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if s.sig == nil {
		t.Fatal("slodtest: signals need a running slod started with StartBinary")
	}
	if err := s.sig(sig); err != nil {
		t.Fatalf("slodtest: %v: %v", sig, err)
	}
}

// startProcess starts cmd, sets s.stop and waits for /readyz.
func (s *Slod) startProcess(cmd *exec.Cmd, logPath string) error {
	proc, err := proctest.Start(cmd, logPath)
	if err != nil {
		return err
	}
	s.stop = func() error {
		if proc == nil {
			return nil
		}
		defer func() { proc = nil }()
		if proc.Stop(15 * time.Second) {
			return errors.New("slod did not exit within 15s of SIGTERM")
		}
		if state := proc.Cmd.ProcessState; !state.Success() {
			return fmt.Errorf("slod exited with %v", state)
		}
		return nil
	}
	s.kill = func() {
		if proc != nil {
			proc.Kill()
			proc = nil
		}
	}
	s.sig = func(sig syscall.Signal) error {
		if proc == nil {
			return errors.New("slod has exited")
		}
		return proc.Cmd.Process.Signal(sig)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := proc.WaitHTTP(ctx, s.URL+"/readyz"); err != nil {
		_ = s.stop()
		return err
	}
	return nil
}
