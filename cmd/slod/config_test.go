package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSpecPathFlags(t *testing.T) {
	tests := []struct {
		name               string
		env                map[string]string
		args               []string
		wantSlos, wantExcl []string
		wantErr            string
	}{
		{name: "default", wantSlos: []string{"./slos"}},
		{name: "given twice", args: []string{"--slos", "services", "--slos", "platform/slo.yaml"}, wantSlos: []string{"services", "platform/slo.yaml"}},
		{name: "environment list", env: map[string]string{"SLOD_SLOS": "services, /etc/slo"}, wantSlos: []string{"services", "/etc/slo"}},
		{name: "flags replace the environment", env: map[string]string{"SLOD_SLOS": "services,/etc/slo"}, args: []string{"--slos", "other"}, wantSlos: []string{"other"}},
		{
			name:     "excludes",
			env:      map[string]string{"SLOD_SLOS_EXCLUDE": "testdata"},
			args:     []string{"--slos-exclude", "legacy/*", "--slos-exclude", "*.tmpl.yaml"},
			wantSlos: []string{"./slos"}, wantExcl: []string{"legacy/*", "*.tmpl.yaml"},
		},
		{name: "excludes from the environment", env: map[string]string{"SLOD_SLOS_EXCLUDE": "testdata,*.tmpl.yaml"}, wantSlos: []string{"./slos"}, wantExcl: []string{"testdata", "*.tmpl.yaml"}},
		{name: "bad pattern", args: []string{"--slos-exclude", "legacy/[a-"}, wantErr: `--slos-exclude: exclude pattern "legacy/[a-"`},
		{name: "empty environment", env: map[string]string{"SLOD_SLOS": ""}, wantErr: "--slos: give at least one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Setenv restores the variables after the test; unset them.
			for _, k := range []string{"SLOD_SLOS", "SLOD_SLOS_EXCLUDE"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := parseConfig(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.slos.values, tt.wantSlos) || !reflect.DeepEqual(c.slosExclude.values, tt.wantExcl) {
				t.Errorf("slos %q exclude %q, want %q and %q", c.slos.values, c.slosExclude.values, tt.wantSlos, tt.wantExcl)
			}
		})
	}
}

func TestRateFlags(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		wantLimit float64
		wantBurst int
		wantErr   bool
	}{
		{args: nil, wantLimit: 2, wantBurst: 60},
		{args: []string{"--rate-limit", "0.5", "--rate-burst", "5"}, wantLimit: 0.5, wantBurst: 5},
		{args: []string{"--rate-limit", "0"}, wantLimit: 0, wantBurst: 60},
		{args: []string{"--rate-limit", "-1"}, wantErr: true},
		{args: []string{"--rate-burst", "0"}, wantErr: true},
	} {
		c, err := parseConfig(tc.args)
		if tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), "--rate-limit") {
				t.Errorf("%v: err = %v, want a --rate-limit error", tc.args, err)
			}
			continue
		}
		if err != nil || c.rateLimit != tc.wantLimit || c.rateBurst != tc.wantBurst {
			t.Errorf("%v: rate %g burst %d (%v), want %g and %d", tc.args, c.rateLimit, c.rateBurst, err, tc.wantLimit, tc.wantBurst)
		}
	}
}

func TestRequireTokenForChecksNeedsAToken(t *testing.T) {
	t.Setenv("SLOD_TOKENS", "")
	os.Unsetenv("SLOD_TOKENS")
	c, err := parseConfig([]string{"--require-token-for-checks"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.tokens(); err == nil || !strings.Contains(err.Error(), "--require-token-for-checks needs at least one token") {
		t.Errorf("no tokens: err = %v, want a refusal", err)
	}
	t.Setenv("SLOD_TOKENS", "tok")
	if tokens, err := c.tokens(); err != nil || len(tokens) != 1 {
		t.Errorf("with SLOD_TOKENS: %v, %v", tokens, err)
	}
}

func TestAllowedHostsFlag(t *testing.T) {
	c, err := parseConfig([]string{"--allowed-hosts", " slod.internal, ,localhost "})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.hosts(); !reflect.DeepEqual(got, []string{"slod.internal", "localhost"}) {
		t.Errorf("hosts %q", got)
	}
	if c, _ := parseConfig(nil); c.hosts() != nil {
		t.Errorf("default hosts %q, want none (app picks by address)", c.hosts())
	}
}

func TestDecisionRetentionFlag(t *testing.T) {
	c, err := parseConfig(nil)
	if err != nil || c.decisionRetention != 400*24*time.Hour {
		t.Errorf("default decision retention %v (%v), want 400 days", c.decisionRetention, err)
	}
	c, err = parseConfig([]string{"--decision-retention", "0"})
	if err != nil || c.decisionRetention != 0 {
		t.Errorf("--decision-retention 0: %v (%v), want 0 (keep)", c.decisionRetention, err)
	}
}

func TestDeadLetterPathFlag(t *testing.T) {
	t.Setenv("SLOD_DEAD_LETTER_PATH", "/var/lib/slod/from-env.jsonl")
	c, err := parseConfig(nil)
	if err != nil || c.deadLetterPath != "/var/lib/slod/from-env.jsonl" {
		t.Errorf("from the environment: %q (%v)", c.deadLetterPath, err)
	}
	c, err = parseConfig([]string{"--dead-letter-path", "/mnt/other-disk/dead.jsonl"})
	if err != nil || c.deadLetterPath != "/mnt/other-disk/dead.jsonl" {
		t.Errorf("from the flag: %q (%v)", c.deadLetterPath, err)
	}
}
