package main

// The examples of docs/deploying.md, checked against slod itself: every
// fenced block is parsed, every slod command line and SLOD_* variable
// must exist in slod's real flag set (and parse with it), ports must
// agree between --listen, the probes, the Service and the curl lines, the
// manifests must hang together, the unit must pass systemd-analyze, and
// the ConfigMap's specs must load with internal/slo.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

const deployingDoc = "docs/deploying.md"

// fence is one fenced block of the page; line is the line of its
// opening ``` (1-based), so problems point into the page.
type fence struct {
	lang, text string
	line       int
}

func (f fence) at(offset int) string { return fmt.Sprintf("%s:%d", deployingDoc, f.line+offset) }

var fenceRE = regexp.MustCompile("(?ms)^```([a-z]*)\n(.*?)^```$")

// deployingFences reads every fenced block of the page. A block of a
// language this test does not check fails, so none escapes it.
func deployingFences(t *testing.T) []fence {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", deployingDoc))
	if err != nil {
		t.Fatal(err)
	}
	var out []fence
	for _, m := range fenceRE.FindAllSubmatchIndex(data, -1) {
		f := fence{lang: string(data[m[2]:m[3]]), text: string(data[m[4]:m[5]]), line: 1 + bytes.Count(data[:m[0]], []byte("\n"))}
		if !slices.Contains([]string{"sh", "ini", "yaml", "sql"}, f.lang) {
			t.Errorf("%s: block of language %q: this test checks sh, ini, yaml and sql", f.at(0), f.lang)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no fenced blocks", deployingDoc)
	}
	return out
}

// slodCLI is what `slod -h` and `slod backup -h` print: the real flag sets.
type slodCLI struct {
	flags, backupFlags map[string]bool
	help               string
}

var helpFlagRE = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

func realCLI(t *testing.T) slodCLI {
	t.Helper()
	// parseConfig prints its usage to os.Stderr, as slod -h does.
	f, err := os.CreateTemp(t.TempDir(), "help")
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = f
	_, err = parseConfig([]string{"-h"})
	os.Stderr = stderr
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("slod -h: %v", err)
	}
	help, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	var backupHelp bytes.Buffer
	if code := runBackup([]string{"-h"}, io.Discard, &backupHelp); code != 0 {
		t.Fatalf("slod backup -h: exit %d", code)
	}
	cli := slodCLI{flags: helpFlags(string(help)), backupFlags: helpFlags(backupHelp.String()), help: string(help)}
	if !cli.flags["db"] || !cli.backupFlags["out"] {
		t.Fatalf("no flags read from slod -h:\n%s\n%s", help, backupHelp.String())
	}
	return cli
}

func helpFlags(help string) map[string]bool {
	out := map[string]bool{}
	for _, m := range helpFlagRE.FindAllStringSubmatch(help, -1) {
		out[m[1]] = true
	}
	return out
}

// checkEnv checks that a SLOD_* variable is read by slod: it names a
// flag as parseConfig maps them (SLOD_PROMETHEUS_URL is
// --prometheus-url), or slod -h names it (SLOD_TOKENS).
func (c slodCLI) checkEnv(t *testing.T, where, name string) {
	t.Helper()
	rest, ok := strings.CutPrefix(name, "SLOD_")
	if !ok {
		return
	}
	if !c.flags[strings.ToLower(strings.ReplaceAll(rest, "_", "-"))] && !strings.Contains(c.help, name) {
		t.Errorf("%s: %s is neither a flag's variable nor named in slod -h", where, name)
	}
}

// checkRun checks one slod command line (args without the program): its
// flags exist, and a daemon's parse with parseConfig, with env (SLOD_*
// variables) as the only environment slod sees.
func (c slodCLI) checkRun(t *testing.T, where string, args []string, env map[string]string) {
	t.Helper()
	known, daemon := c.flags, true
	if len(args) > 0 && args[0] == "backup" {
		known, daemon, args = c.backupFlags, false, args[1:]
	}
	unknown := false
	for _, a := range args {
		if name, ok := flagName(a); ok && !known[name] {
			t.Errorf("%s: slod has no flag --%s", where, name)
			unknown = true
		}
	}
	if unknown || !daemon {
		return
	}
	for name := range c.flags {
		v := "SLOD_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	if _, err := parseConfig(args); err != nil {
		t.Errorf("%s: slod %s: %v", where, strings.Join(args, " "), err)
	}
}

// flagName is the flag an argument names: "--listen=x" and "-listen" are
// "listen".
func flagName(arg string) (string, bool) {
	if !strings.HasPrefix(arg, "-") || arg == "-" || arg == "--" {
		return "", false
	}
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return name, true
}

// flagValue is the value of --name in args ("--name=v" or "--name v").
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		switch {
		case a == "--"+name || a == "-"+name:
			if i+1 < len(args) {
				return args[i+1], true
			}
		case strings.HasPrefix(a, "--"+name+"=") || strings.HasPrefix(a, "-"+name+"="):
			_, v, _ := strings.Cut(a, "=")
			return v, true
		}
	}
	return "", false
}

func port(t *testing.T, where, hostport string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(hostport)
	n, err2 := strconv.Atoi(p)
	if err != nil || err2 != nil {
		t.Fatalf("%s: %q has no port", where, hostport)
	}
	return n
}

// deployingFacts are what the blocks say, gathered to be compared across
// blocks.
type deployingFacts struct {
	unitListen   int
	curls        []located[int] // ports of loopback curl URLs outside a port-forward's block
	portForwards []located[[2]int]
	pgURLs       []located[string]
	sqlRole      string
	sqlDB        string
	objects      []located[map[string]any]
}

type located[T any] struct {
	where string
	v     T
}

func TestDeployingDoc(t *testing.T) {
	cli := realCLI(t)
	var facts deployingFacts
	for _, f := range deployingFences(t) {
		switch f.lang {
		case "ini":
			checkUnit(t, cli, f, &facts)
		case "sh":
			checkShell(t, cli, f, &facts)
		case "yaml":
			facts.objects = append(facts.objects, kubeObjects(t, f)...)
		case "sql":
			if m := regexp.MustCompile(`CREATE ROLE (\w+)`).FindStringSubmatch(f.text); m != nil {
				facts.sqlRole = m[1]
			}
			if m := regexp.MustCompile(`CREATE DATABASE (\w+)`).FindStringSubmatch(f.text); m != nil {
				facts.sqlDB = m[1]
			}
		}
	}
	if facts.unitListen == 0 {
		t.Fatalf("%s: no systemd unit with ExecStart=.../slod --listen", deployingDoc)
	}
	checkKube(t, cli, &facts)
	checkPostgresURLs(t, facts)
	for _, c := range facts.curls {
		if c.v != facts.unitListen {
			t.Errorf("%s: curl to port %d, but the unit listens on %d and no port-forward of the block listens there", c.where, c.v, facts.unitListen)
		}
	}
}

// checkUnit reads a systemd unit: its ExecStart runs slod with real
// flags, its keys are systemd's (systemd-analyze verify where it is
// installed, else a list), and its --listen port is remembered.
func checkUnit(t *testing.T, cli slodCLI, f fence, facts *deployingFacts) {
	t.Helper()
	section, keys := "", map[string]bool{}
	var execStart string
	lines := strings.Split(strings.ReplaceAll(f.text, "\\\n", "\\ "), "\n")
	for _, line := range lines {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("%s: unit line %q is not key=value", f.at(0), line)
				continue
			}
			keys[section+"."+key] = true
			if key == "ExecStart" {
				execStart = strings.ReplaceAll(value, "\\ ", " ")
			}
			if key == "Environment" {
				for _, kv := range strings.Fields(value) {
					name, _, _ := strings.Cut(strings.Trim(kv, `"`), "=")
					cli.checkEnv(t, f.at(0), name)
				}
			}
		}
	}
	where := f.at(0) + " (ExecStart)"
	args := shellWords(t, where, execStart)
	if len(args) == 0 || path.Base(args[0]) != "slod" {
		t.Fatalf("%s: ExecStart does not run slod: %q", where, execStart)
	}
	cli.checkRun(t, where, args[1:], nil)
	listen, ok := flagValue(args[1:], "listen")
	if !ok {
		t.Fatalf("%s: no --listen", where)
	}
	facts.unitListen = port(t, where, listen)
	verifyUnit(t, f, args[0], keys)
}

// verifyUnit runs systemd-analyze verify on the unit, slod's path
// replaced by this test's own executable (verify wants an executable
// there); without systemd-analyze it checks the keys against systemdKeys.
func verifyUnit(t *testing.T, f fence, program string, keys map[string]bool) {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Logf("no systemd-analyze: checking the unit's keys against a list")
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			if !systemdKeys[k] {
				t.Errorf("%s: %s is not a systemd option this test knows", f.at(0), k)
			}
		}
		return
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "slod.service")
	if err := os.WriteFile(unit, []byte(strings.Replace(f.text, "ExecStart="+program, "ExecStart="+self, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", unit).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("%s: systemd-analyze verify: %v\n%s", f.at(0), err, out)
	}
}

// systemdKeys are the unit's keys, each checked against systemd 252's
// `systemd --dump-configuration-items`; used where systemd-analyze is
// missing.
var systemdKeys = func() map[string]bool {
	out := map[string]bool{}
	for _, k := range strings.Fields(`Unit.Description Unit.Wants Unit.After Install.WantedBy
		Service.Type Service.ExecStart Service.ExecReload Service.LoadCredential Service.Restart Service.RestartSec
		Service.TimeoutStopSec Service.DynamicUser Service.StateDirectory Service.StateDirectoryMode Service.UMask
		Service.ProtectSystem Service.ProtectHome Service.PrivateTmp Service.PrivateDevices Service.NoNewPrivileges
		Service.CapabilityBoundingSet Service.AmbientCapabilities Service.RestrictAddressFamilies
		Service.RestrictNamespaces Service.RestrictRealtime Service.RestrictSUIDSGID Service.LockPersonality
		Service.MemoryDenyWriteExecute Service.ProtectClock Service.ProtectHostname Service.ProtectKernelTunables
		Service.ProtectKernelModules Service.ProtectKernelLogs Service.ProtectControlGroups Service.ProtectProc
		Service.ProcSubset Service.SystemCallArchitectures Service.SystemCallFilter Service.SystemCallErrorNumber`) {
		out[k] = true
	}
	return out
}()

// shellWords splits one command line as sh does, without expanding it.
func shellWords(t *testing.T, where, line string) []string {
	t.Helper()
	file, err := syntax.NewParser().Parse(strings.NewReader(line), where)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var args []string
	syntax.Walk(file, func(n syntax.Node) bool {
		if call, ok := n.(*syntax.CallExpr); ok && args == nil {
			for _, w := range call.Args {
				args = append(args, wordText(w))
			}
		}
		return args == nil
	})
	return args
}

// wordText is a word as the shell would pass it, quotes removed and
// expansions left as written ($(date +%F), ${CREDENTIALS_DIRECTORY}).
func wordText(w *syntax.Word) string {
	var b strings.Builder
	var parts func([]syntax.WordPart)
	parts = func(ps []syntax.WordPart) {
		for _, p := range ps {
			switch p := p.(type) {
			case *syntax.Lit:
				b.WriteString(p.Value)
			case *syntax.SglQuoted:
				b.WriteString(p.Value)
			case *syntax.DblQuoted:
				parts(p.Parts)
			default:
				syntax.NewPrinter().Print(&b, p)
			}
		}
	}
	parts(w.Parts)
	return b.String()
}

// checkShell parses a shell block and checks its commands: slod's flags,
// SLOD_* assignments, curl ports, port-forwards and postgres:// URLs.
func checkShell(t *testing.T, cli slodCLI, f fence, facts *deployingFacts) {
	t.Helper()
	file, err := syntax.NewParser().Parse(strings.NewReader(f.text), deployingDoc)
	if err != nil {
		t.Errorf("%s: shell block does not parse: %v", f.at(0), err)
		return
	}
	// A curl in the block of a port-forward may use its local port;
	// others must reach the unit's --listen.
	var curls []located[int]
	forwards := len(facts.portForwards)
	defer func() {
		for _, c := range curls {
			if !slices.ContainsFunc(facts.portForwards[forwards:], func(p located[[2]int]) bool { return p.v[0] == c.v }) {
				facts.curls = append(facts.curls, c)
			}
		}
	}()
	syntax.Walk(file, func(n syntax.Node) bool {
		var assigns []*syntax.Assign
		var args []string
		var where string
		switch n := n.(type) {
		case *syntax.DeclClause:
			assigns, where = n.Args, f.at(int(n.Pos().Line()))
		case *syntax.CallExpr:
			assigns, where = n.Assigns, f.at(int(n.Pos().Line()))
			for _, w := range n.Args {
				args = append(args, wordText(w))
			}
		default:
			return true
		}
		for _, a := range assigns {
			if a.Name != nil {
				cli.checkEnv(t, where, a.Name.Value)
			}
			if a.Value != nil {
				args = append(args, wordText(a.Value))
			}
		}
		for _, a := range args {
			if strings.HasPrefix(a, "postgres://") || strings.HasPrefix(a, "postgresql://") {
				facts.pgURLs = append(facts.pgURLs, located[string]{where, a})
			}
		}
		if len(args) == 0 || len(assigns) > 0 && len(args) == len(assigns) {
			return true
		}
		switch path.Base(args[0]) {
		case "slod":
			cli.checkRun(t, where, args[1:], nil)
		case "curl":
			for _, a := range args[1:] {
				if u, err := url.Parse(a); err == nil && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost") {
					curls = append(curls, located[int]{where, port(t, where, u.Host)})
				}
			}
		case "kubectl":
			if slices.Contains(args, "port-forward") {
				for _, a := range args {
					local, remote, ok := strings.Cut(a, ":")
					l, err1 := strconv.Atoi(local)
					r, err2 := strconv.Atoi(remote)
					if ok && err1 == nil && err2 == nil {
						facts.portForwards = append(facts.portForwards, located[[2]int]{where, [2]int{l, r}})
					}
				}
			}
		}
		return true
	})
}

// checkPostgresURLs checks that every postgres:// URL on the page names
// the role and database the SQL creates, and no password.
func checkPostgresURLs(t *testing.T, facts deployingFacts) {
	t.Helper()
	if len(facts.pgURLs) == 0 || facts.sqlRole == "" || facts.sqlDB == "" {
		t.Fatalf("%s: want postgres:// URLs and SQL creating a role and database; have %d URLs, role %q, database %q",
			deployingDoc, len(facts.pgURLs), facts.sqlRole, facts.sqlDB)
	}
	for _, pg := range facts.pgURLs {
		u, err := url.Parse(pg.v)
		if err != nil {
			t.Errorf("%s: %v", pg.where, err)
			continue
		}
		if _, has := u.User.Password(); has {
			t.Errorf("%s: %s holds a password; PGPASSWORD keeps it out of argv", pg.where, pg.v)
		}
		if u.User.Username() != facts.sqlRole || u.Path != "/"+facts.sqlDB {
			t.Errorf("%s: %s: user %q database %q, the SQL creates %q and %q", pg.where, pg.v, u.User.Username(), u.Path, facts.sqlRole, facts.sqlDB)
		}
		if u.Query().Get("sslmode") == "" {
			t.Errorf("%s: %s has no sslmode", pg.where, pg.v)
		}
	}
}
