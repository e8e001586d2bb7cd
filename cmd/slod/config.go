package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/prom"
)

// config is slod's command line; every flag can also come from the
// environment as SLOD_<FLAG> (e.g. SLOD_PROMETHEUS_URL), flags winning.
type config struct {
	slos        string
	db          string
	listen      string
	interval    time.Duration
	tokenFile   string
	retention   time.Duration
	logFormat   string
	logLevel    string
	maxInFlight int
	prom        prom.Config
	promHeaders headerFlag
	promPwFile  string
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

func parseConfig(args []string) (config, error) {
	c := config{promHeaders: headerFlag{}}
	fs := flag.NewFlagSet("slod", flag.ContinueOnError)
	fs.StringVar(&c.slos, "slos", "./slos", "folder (or file) of slo.yaml specs")
	fs.StringVar(&c.prom.URL, "prometheus-url", "http://127.0.0.1:9090", "Prometheus base URL")
	fs.StringVar(&c.db, "db", "./slod.db", "SQLite database file")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "address to serve the API and dashboard on")
	fs.DurationVar(&c.interval, "interval", 30*time.Second, "evaluation interval")
	fs.StringVar(&c.tokenFile, "token-file", "", "file of bearer tokens (one per line) allowed to write overrides; SLOD_TOKENS may list tokens comma-separated instead")
	fs.DurationVar(&c.retention, "history-retention", 90*24*time.Hour, "how long evaluation history is kept")
	fs.StringVar(&c.logFormat, "log-format", "json", "log format: json or text")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.IntVar(&c.maxInFlight, "max-in-flight", 256, "concurrent API requests before shedding load with 429")
	fs.DurationVar(&c.prom.QueryTimeout, "query-timeout", prom.DefaultQueryTimeout, "timeout of each Prometheus query attempt")
	fs.IntVar(&c.prom.MaxConcurrent, "max-concurrent-queries", prom.DefaultMaxConcurrent, "Prometheus queries in flight at once (bulkhead)")
	fs.StringVar(&c.prom.BearerTokenFile, "prometheus-bearer-token-file", "", "file holding a bearer token for Prometheus")
	fs.StringVar(&c.prom.BasicAuthUser, "prometheus-basic-auth-user", "", "basic auth user for Prometheus")
	fs.StringVar(&c.promPwFile, "prometheus-basic-auth-password-file", "", "file holding the basic auth password for Prometheus")
	fs.Var(c.promHeaders, "prometheus-header", `extra header for Prometheus requests, "Name: value" (repeatable), e.g. "X-Scope-OrgID: team-a"`)
	fs.StringVar(&c.prom.CAFile, "prometheus-ca-file", "", "PEM CA bundle that verifies Prometheus' TLS certificate")

	// Environment first, so the command line overrides it.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "SLOD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
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

// tokens reads the write tokens from --token-file and SLOD_TOKENS.
func (c config) tokens() ([]string, error) {
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
