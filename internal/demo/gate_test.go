package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/prom"
)

// gate is what the dashboard should show for a service: its decision for a
// normal deploy, a reason code and an action that explain it.
type gate struct {
	decision, code, action string
}

var intendedGates = map[string]gate{
	"checkout":      {"allow", "", ""},
	"payments-api":  {"deny", "budget_exhausted", "freeze_releases"},
	"search":        {"deny", "fast_burn", ""},
	"billing-jobs":  {"deny", "budget_threshold", "limit_releases"},
	"notifications": {"warn", "budget_threshold", "increase_monitoring"},
}

type servicesJSON struct {
	Services []struct {
		Service     string     `json:"service"`
		Decision    string     `json:"decision"`
		EvaluatedAt *time.Time `json:"evaluated_at"`
		Stale       bool       `json:"stale"`
		LastError   string     `json:"last_error"`
		Reasons     []struct {
			Code string `json:"code"`
		} `json:"reasons"`
		Actions []string `json:"actions"`
	} `json:"services"`
}

// slod itself, run against the demo data over HTTP, must give every
// service the gate the demo intends.
func TestSlodGivesIntendedGates(t *testing.T) {
	promURL := startSource(t, time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, app.Config{
			SLOs:       []string{slosDir},
			DB:         filepath.Join(t.TempDir(), "demo.db"),
			Listen:     "127.0.0.1:0",
			Interval:   time.Minute,
			Prometheus: prom.Config{URL: promURL},
		}, slog.New(slog.DiscardHandler), ready)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app.Run: %v", err)
		}
	})
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("app.Run returned before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("slod did not listen within 30s")
	}

	got := waitForEvaluation(t, fmt.Sprintf("http://%s/api/v1/services", addr))
	seen := map[string]bool{}
	for _, s := range got.Services {
		seen[s.Service] = true
		want, ok := intendedGates[s.Service]
		if !ok {
			t.Errorf("%s: no intended gate; add it to the demo", s.Service)
			continue
		}
		var codes []string
		for _, r := range s.Reasons {
			codes = append(codes, r.Code)
		}
		if s.Decision != want.decision || s.Stale || s.LastError != "" {
			t.Errorf("%s: decision %s (stale %v, error %q, reasons %v), want %s",
				s.Service, s.Decision, s.Stale, s.LastError, codes, want.decision)
		}
		if want.code != "" && !slices.Contains(codes, want.code) {
			t.Errorf("%s: reasons %v, want %s among them", s.Service, codes, want.code)
		}
		if want.action != "" && !slices.Contains(s.Actions, want.action) {
			t.Errorf("%s: actions %v, want %s among them", s.Service, s.Actions, want.action)
		}
	}
	for service := range intendedGates {
		if !seen[service] {
			t.Errorf("%s: intended gate for a service slod does not know", service)
		}
	}
}

// waitForEvaluation polls until every service has been evaluated once.
func waitForEvaluation(t *testing.T, url string) servicesJSON {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var got servicesJSON
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("decode %s: %v", url, err)
		}
		evaluated := len(got.Services) > 0
		for _, s := range got.Services {
			evaluated = evaluated && s.EvaluatedAt != nil
		}
		if evaluated {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("services not all evaluated within 60s: %+v", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
