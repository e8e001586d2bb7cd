package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
)

// config is slod's command line; every flag can also come from the
// environment as SLOD_<FLAG> (e.g. SLOD_PROMETHEUS_URL), flags winning.
type config struct {
	slos           listFlag
	slosExclude    listFlag
	db             string
	deadLetterPath string
	listen         string
	interval       time.Duration
	tokenFile      string
	// requireTokenForChecks: POSTed can-deploy checks need a token.
	requireTokenForChecks bool
	retention             time.Duration
	decisionRetention     time.Duration
	logFormat             string
	logLevel              string
	maxInFlight           int
	// allowedHosts is --allowed-hosts, comma-separated.
	allowedHosts string
	rateLimit    float64
	rateBurst    int
	prom         prom.Config
	promHeaders  headerFlag
	promPwFile   string
	notifyConfig string
	// cluster is the replica's part in a PostgreSQL cluster.
	cluster clusterFlags
	// showVersion is --version: print the build and exit.
	showVersion bool
}

// headerFlag collects repeated "Name: value" headers.
type headerFlag map[string]string

func (h headerFlag) String() string { return fmt.Sprint(map[string]string(h)) }

func (h headerFlag) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		name, value, ok := strings.Cut(part, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("header %q must look like Name: value", part)
		}
		h[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	return nil
}

// listFlag collects a repeatable flag. From the environment it takes a
// comma-separated list; the first value on the command line replaces the
// default and the environment's, so flags win as they do for every flag.
type listFlag struct {
	values []string
	// inherited: values are the default or from the environment.
	inherited bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(v string) error {
	if l.inherited {
		l.values, l.inherited = nil, false
	}
	l.values = append(l.values, v)
	return nil
}

// setEnv takes the environment's comma-separated list.
func (l *listFlag) setEnv(v string) {
	l.values, l.inherited = nil, true
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			l.values = append(l.values, part)
		}
	}
}

func parseConfig(args []string) (config, error) {
	c := config{promHeaders: headerFlag{}, slos: listFlag{values: []string{"./slos"}, inherited: true}}
	fs := flag.NewFlagSet("slod", flag.ContinueOnError)
	fs.Var(&c.slos, "slos", "spec file or folder, searched recursively for *.yaml and *.yml (repeatable; SLOD_SLOS takes a comma-separated list)")
	fs.Var(&c.slosExclude, "slos-exclude", `glob of files or folders under --slos not to read, matched against the path relative to the --slos folder ("legacy/*") and against the base name ("*.tmpl.yaml") (repeatable)`)
	fs.StringVar(&c.prom.URL, "prometheus-url", "http://127.0.0.1:9090", "Prometheus base URL")
	fs.StringVar(&c.db, "db", "./slod.db", "SQLite database file, or a postgres:// URL for several replicas sharing one PostgreSQL (libpq's PGPASSWORD, PGPASSFILE and PGSSLMODE fill in what the URL leaves out)")
	fs.DurationVar(&c.cluster.lease, "lease", 15*time.Second, "PostgreSQL only: how long the evaluator lease lasts unrenewed; when the leader dies another replica takes over within it")
	fs.StringVar(&c.cluster.replicaID, "replica-id", "", "PostgreSQL only: this replica's name in /api/v1/cluster (default: the host name, which is the pod name on Kubernetes)")
	fs.StringVar(&c.cluster.advertiseURL, "advertise-url", "", "PostgreSQL only: URL this replica is reached at, shown in /api/v1/cluster (default: http://<--listen>)")
	fs.DurationVar(&c.cluster.followInterval, "follow-interval", 2*time.Second, "PostgreSQL only: how often a replica that is not the leader reads the shared snapshot, overrides, deploys and corrections")
	fs.StringVar(&c.deadLetterPath, "dead-letter-path", "", "JSON-lines file for evaluations the database would not take (default <db>.deadletter.jsonl; with PostgreSQL $TMPDIR/slod.deadletter.jsonl)")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "address to serve the API and dashboard on")
	fs.DurationVar(&c.interval, "interval", 30*time.Second, "evaluation interval")
	fs.StringVar(&c.tokenFile, "token-file", "", "file of bearer tokens (one per line) allowed to write overrides; SLOD_TOKENS may list tokens comma-separated instead")
	fs.BoolVar(&c.requireTokenForChecks, "require-token-for-checks", false, "POSTed can-deploy checks need a bearer token, like overrides (sloctl sends $SLOCTL_TOKEN)")
	fs.DurationVar(&c.retention, "history-retention", 90*24*time.Hour, "how long evaluation history is kept")
	fs.DurationVar(&c.decisionRetention, "decision-retention", 400*24*time.Hour, "how long the decision log and the audit log of overrides are kept (0 keeps them forever)")
	fs.StringVar(&c.logFormat, "log-format", "json", "log format: json or text")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.allowedHosts, "allowed-hosts", "", `host names the Host header may name, with any port, comma-separated ("*" for any); default: localhost, 127.0.0.1 and [::1] when --listen is a loopback address, else any`)
	fs.IntVar(&c.maxInFlight, "max-in-flight", 256, "concurrent API requests before shedding load with 429")
	fs.Float64Var(&c.rateLimit, "rate-limit", 2, "audited writes (can-deploy POSTs, override creations and revocations) per second per client address, beyond which slod answers 429; 0 turns the limit off")
	fs.IntVar(&c.rateBurst, "rate-burst", 60, "audited writes one client address may make at once before --rate-limit applies")
	fs.DurationVar(&c.prom.QueryTimeout, "query-timeout", prom.DefaultQueryTimeout, "timeout of each Prometheus query attempt")
	fs.IntVar(&c.prom.MaxConcurrent, "max-concurrent-queries", prom.DefaultMaxConcurrent, "Prometheus queries in flight at once (bulkhead)")
	fs.StringVar(&c.prom.BearerTokenFile, "prometheus-bearer-token-file", "", "file holding a bearer token for Prometheus")
	fs.StringVar(&c.prom.BasicAuthUser, "prometheus-basic-auth-user", "", "basic auth user for Prometheus")
	fs.StringVar(&c.promPwFile, "prometheus-basic-auth-password-file", "", "file holding the basic auth password for Prometheus")
	fs.Var(c.promHeaders, "prometheus-header", `extra header for Prometheus requests, "Name: value" (repeatable), e.g. "X-Scope-OrgID: team-a"`)
	fs.StringVar(&c.notifyConfig, "notify-config", "", "YAML file of notification targets (webhook, slack, alertmanager) and delivery settings; without it events are kept as history only")
	fs.StringVar(&c.prom.CAFile, "prometheus-ca-file", "", "PEM CA bundle that verifies Prometheus' TLS certificate")
	fs.BoolVar(&c.showVersion, "version", false, "print the version, commit and build date, and exit")

	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage of slod (every flag may also be set as SLOD_<FLAG>, e.g. SLOD_DB or SLOD_PROMETHEUS_URL; flags win):")
		fs.PrintDefaults()
	}

	// Environment first, so the command line overrides it.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "SLOD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(name)
		if !ok || envErr != nil || f.Name == "version" {
			return
		}
		if l, isList := f.Value.(*listFlag); isList {
			l.setEnv(v)
			return
		}
		if err := f.Value.Set(v); err != nil {
			envErr = fmt.Errorf("%s: %w", name, err)
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.showVersion {
		return c, nil
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if len(c.slos.values) == 0 {
		return c, errors.New("--slos: give at least one spec file or folder")
	}
	if err := (slo.Sources{Exclude: c.slosExclude.values}).CheckExclude(); err != nil {
		return c, fmt.Errorf("--slos-exclude: %w", err)
	}
	if c.rateLimit < 0 || c.rateBurst < 1 {
		return c, fmt.Errorf("--rate-limit %g and --rate-burst %d: the rate must be 0 (off) or more, the burst at least 1", c.rateLimit, c.rateBurst)
	}
	if err := c.cluster.check(); err != nil {
		return c, err
	}
	if c.interval < time.Second {
		return c, fmt.Errorf("--interval %s is too short; use at least 1s", c.interval)
	}
	c.prom.Headers = c.promHeaders
	if c.promPwFile != "" {
		pw, err := os.ReadFile(c.promPwFile)
		if err != nil {
			return c, fmt.Errorf("--prometheus-basic-auth-password-file: %w", err)
		}
		c.prom.BasicAuthPassword = strings.TrimSpace(string(pw))
	}
	return c, nil
}

// hosts is --allowed-hosts as a list.
func (c config) hosts() []string {
	var out []string
	for _, h := range strings.Split(c.allowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// tokens reads the write tokens from --token-file and SLOD_TOKENS; with
// --require-token-for-checks there must be one, or no check could pass.
func (c config) tokens() ([]string, error) {
	out, err := c.readTokens()
	if err == nil && c.requireTokenForChecks && len(out) == 0 {
		return nil, errors.New("--require-token-for-checks needs at least one token in --token-file or SLOD_TOKENS")
	}
	return out, err
}

// readTokens reads the tokens of --token-file and SLOD_TOKENS.
func (c config) readTokens() ([]string, error) {
	var out []string
	if v := os.Getenv("SLOD_TOKENS"); v != "" {
		out = append(out, strings.Split(v, ",")...)
	}
	if c.tokenFile != "" {
		data, err := os.ReadFile(c.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("read token file: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return out, nil
}

// clusterFlags are the flags of a replica on PostgreSQL.
type clusterFlags struct {
	lease          time.Duration
	replicaID      string
	advertiseURL   string
	followInterval time.Duration
}

// check refuses settings under which failover could not work: the lease
// is renewed every third of it, so it must leave room for a few tries.
func (f clusterFlags) check() error {
	if f.lease < 3*time.Second {
		return fmt.Errorf("--lease %s is too short; use at least 3s (it is renewed every third of it)", f.lease)
	}
	if f.followInterval < 100*time.Millisecond || f.followInterval > f.lease {
		return fmt.Errorf("--follow-interval %s must be between 100ms and --lease (%s)", f.followInterval, f.lease)
	}
	return nil
}
