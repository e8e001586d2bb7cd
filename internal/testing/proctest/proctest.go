// Package proctest runs server binaries (prometheus, slod) as child
// processes of a test: output appended to a log file, killed with the test
// binary if it dies, polled until ready over HTTP, and stopped gracefully.
//
// Only tests and test helper packages import it.
package proctest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// FreeAddr returns a loopback address with a port that was free just now.
// Someone else may take it before the server binds it; callers retry on
// "address already in use".
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Proc is a started child process.
type Proc struct {
	Cmd    *exec.Cmd
	exited chan struct{} // closed once Cmd has been waited for
}

// Start starts cmd with its stdout and stderr appended to logPath. cmd may
// bring a SysProcAttr of its own (e.g. a Credential).
func Start(cmd *exec.Cmd, logPath string) (*Proc, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = withDeathSignal(cmd.SysProcAttr)
	err = cmd.Start()
	log.Close() // the child has its own descriptor
	if err != nil {
		return nil, err
	}
	p := &Proc{Cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Exited says whether the process has exited (and been waited for).
func (p *Proc) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// WaitHTTP polls url until it answers 200 OK, giving up when the process
// exits or ctx ends.
func (p *Proc) WaitHTTP(ctx context.Context, url string) error {
	name := filepath.Base(p.Cmd.Path)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited: %v", name, p.Cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := client.Get(url)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
}

// Stop sends SIGTERM, then SIGKILL if the process has not exited within
// timeout, and waits for the exit. It reports whether it had to kill.
// Stopping an exited process only waits for it.
func (p *Proc) Stop(timeout time.Duration) (killed bool) {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return false
	case <-time.After(timeout):
		_ = p.Cmd.Process.Kill()
		<-p.exited
		return true
	}
}

// Kill ends the process with SIGKILL, as a crash or the OOM killer would,
// and waits for the exit.
func (p *Proc) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.exited
}

// Tail is the end of the log file at path, for failure messages.
func Tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	const max = 6000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
