// Package pgtest runs a real PostgreSQL (the Debian package postgresql)
// for tests: a fresh cluster made by initdb in a temporary directory,
// served on a free loopback port with trust authentication and fsync off
// (tests need speed, and a killed postgres still loses no commit: the OS
// has them). Tests get a database each
// (NewDatabase) on a server of their own (Start) or one shared by the
// package (Main and Shared).
//
// initdb and postgres refuse to run as root: as root the harness runs
// them as the postgres user the package creates, with the directory
// handed over to that user.
//
// Without the binaries Start skips the test, or fails it when the CI
// environment variable is set.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	// Registers the "pgx" driver.
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/slo-dev/slo/internal/testing/proctest"
)

const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 15 * time.Second
	// runAs is the user initdb and postgres run as when the test runs as
	// root: the Debian package's.
	runAs = "postgres"
)

// Server is a running PostgreSQL cluster.
type Server struct {
	dir     string // holds data/, the socket and the log
	bin     string // the folder of initdb and postgres
	port    int
	cred    *syscall.Credential // nil unless running as root
	logPath string
	proc    *proctest.Proc
	dbs     atomic.Int64 // databases made, for unique names
}

// Start starts a PostgreSQL of the test's own; it stops, and its directory
// goes, when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start()
	if errors.Is(err, errNoBinaries) {
		skipOrFail(t, err)
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgtest: log:\n%s", proctest.Tail(s.logPath))
		}
		s.remove()
	})
	return s
}

var errNoBinaries = errors.New("initdb and postgres not found in /usr/lib/postgresql/*/bin or PATH (Debian package postgresql)")

func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("pgtest: %v", err)
	}
	t.Skipf("pgtest: %v", err)
}

// binDir finds the folder of initdb and postgres: the newest Debian
// version's, else PATH's.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errNoBinaries
}

// version is the major version in a /usr/lib/postgresql/N/bin path.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin, logPath: filepath.Join(dir, "postgres.log")}
	if err := s.init(); err != nil {
		s.remove()
		return nil, err
	}
	// A free port can be taken by someone else before the server binds it.
	for attempt := 0; attempt < 3; attempt++ {
		var addr string
		if addr, err = proctest.FreeAddr(); err != nil {
			break
		}
		_, p, _ := strings.Cut(addr, ":")
		s.port, _ = strconv.Atoi(p)
		if err = s.run(); err == nil || !strings.Contains(proctest.Tail(s.logPath), "could not bind") {
			break
		}
	}
	if err != nil {
		err = fmt.Errorf("start postgres: %w\n%s", err, proctest.Tail(s.logPath))
		s.remove()
		return nil, err
	}
	return s, nil
}

// init makes the cluster with initdb, as the postgres user when root.
func (s *Server) init() error {
	if os.Geteuid() == 0 {
		u, err := user.Lookup(runAs)
		if err != nil {
			return fmt.Errorf("running as root, and no %s user to run PostgreSQL as: %w", runAs, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(s.dir, uid, gid); err != nil {
			return err
		}
	}
	cmd := s.command("initdb", "-D", s.dataDir(), "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

// command is the PostgreSQL program name with args, run as the postgres
// user when root (a Credential, not runuser: the process stays our child,
// so Kill kills postgres itself and the parent-death signal reaches it).
func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

// run starts postgres on s.port and waits until it accepts connections.
func (s *Server) run() error {
	cmd := s.command("postgres", "-D", s.dataDir(), "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1", "-k", s.dir,
		// fsync off: a commit reaches the OS, which keeps it through a
		// kill of postgres (not of the machine), so Kill loses nothing
		// acknowledged; synchronous_commit stays on for that reason.
		"-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "log_checkpoints=off")
	proc, err := proctest.Start(cmd, s.logPath)
	if err != nil {
		return err
	}
	if err := s.waitReady(proc); err != nil {
		proc.Kill()
		return err
	}
	s.proc = proc
	return nil
}

// waitReady connects until the server answers, it exits, or readyTimeout.
func (s *Server) waitReady(proc *proctest.Proc) error {
	db, err := sql.Open("pgx", s.URL())
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		switch {
		case err == nil:
			return nil
		case proc.Exited():
			return fmt.Errorf("postgres exited: %v", proc.Cmd.ProcessState)
		case time.Now().After(deadline):
			return fmt.Errorf("postgres not ready after %v: %w", readyTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// URL is the postgres:// URL of the server's postgres database.
func (s *Server) URL() string { return s.urlOf("postgres") }

func (s *Server) urlOf(database string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: "127.0.0.1:" + strconv.Itoa(s.port),
		Path: "/" + database, RawQuery: "sslmode=disable"}
	return u.String()
}

// NewDatabase creates an empty database of its own for the test and
// returns its URL. It is dropped when the test ends, if the server still
// runs (the server's own cleanup removes the rest).
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test_%d", s.dbs.Add(1))
	create := `CREATE DATABASE ` + name
	if version(s.bin) >= 15 {
		// A copy of the files, ~45ms, where 15's default WAL_LOG takes
		// ~400ms here: with fsync off its checkpoint costs little.
		create += ` STRATEGY FILE_COPY`
	}
	if err := s.admin(create); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if s.proc != nil && !s.proc.Exited() {
			// FORCE: connections the test left open must not keep it.
			_ = s.admin(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		}
	})
	return s.urlOf(name)
}

// admin runs one statement on the postgres database.
func (s *Server) admin(stmt string) error {
	db, err := sql.Open("pgx", s.URL())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// Stop shuts the server down (fast: open connections are closed) and waits
// for it. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	if s.proc == nil {
		return
	}
	// SIGINT is PostgreSQL's fast shutdown; Stop's SIGTERM (a smart
	// shutdown, waiting for clients) then changes nothing.
	_ = s.proc.Cmd.Process.Signal(syscall.SIGINT)
	s.proc.Stop(stopTimeout)
	s.proc = nil
}

// Kill ends the server with SIGKILL, as a crash would; its backends
// notice and exit. Restart recovers the data.
func (s *Server) Kill() {
	if s.proc == nil {
		return
	}
	s.proc.Kill()
	s.proc = nil
}

// Restart stops the server if it runs and starts it again on the same
// data and port. After Kill, it waits for the old backends to go.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	deadline := time.Now().Add(readyTimeout)
	for {
		err := s.run()
		if err == nil {
			return
		}
		// Backends of a killed postmaster may hold the port or the
		// shared memory for a moment.
		if time.Now().After(deadline) {
			t.Fatalf("pgtest: restart: %v\n%s", err, proctest.Tail(s.logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// remove stops the server and deletes its directory.
func (s *Server) remove() {
	s.Stop()
	os.RemoveAll(s.dir)
}

var shared struct {
	once sync.Once
	s    *Server
	err  error
}

// Main runs a package's tests (call it from TestMain) and then stops the
// server Shared started, if any.
func Main(m *testing.M) {
	code := m.Run()
	if shared.s != nil {
		shared.s.remove()
	}
	os.Exit(code)
}

// Shared is one server for all the tests of a package, started by the
// first test that asks; Main stops it. Tests take a database each
// (NewDatabase) and must not stop it.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		began := time.Now()
		shared.s, shared.err = start()
		if shared.err == nil {
			t.Logf("pgtest: PostgreSQL started in %v", time.Since(began).Round(time.Millisecond))
		}
	})
	if errors.Is(shared.err, errNoBinaries) {
		skipOrFail(t, shared.err)
	}
	if shared.err != nil {
		t.Fatalf("pgtest: %v", shared.err)
	}
	s := shared.s
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgtest: log:\n%s", proctest.Tail(s.logPath))
		}
	})
	return s
}
