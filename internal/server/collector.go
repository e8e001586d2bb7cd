package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/metricnames"
	"github.com/slo-dev/slo/internal/slo"
)

// snapshotCollector exports the current snapshot at scrape time, so a
// removed service or SLO disappears from /metrics instead of lingering.
type snapshotCollector struct {
	s *Server

	target, sli, consumed, remaining, burn, condition *prometheus.Desc
	allowed, decision, stale, configProblems          *prometheus.Desc
}

func newSnapshotCollector(s *Server) *snapshotCollector {
	sloLabels := []string{"service", "slo"}
	return &snapshotCollector{
		s:              s,
		target:         prometheus.NewDesc(metricnames.SLOTarget, "SLO target as a ratio.", sloLabels, nil),
		sli:            prometheus.NewDesc(metricnames.SLOSLI, "Measured SLI (good/total) over the SLO window; absent without data.", sloLabels, nil),
		consumed:       prometheus.NewDesc(metricnames.SLOBudgetConsumed, "Share of the error budget consumed (1 = 100%).", sloLabels, nil),
		remaining:      prometheus.NewDesc(metricnames.SLOBudgetRemaining, "Share of the error budget remaining; negative when overspent.", sloLabels, nil),
		burn:           prometheus.NewDesc(metricnames.SLOBurnRate, "Burn rate over a window; absent when the window saw no traffic.", []string{"service", "slo", "window"}, nil),
		condition:      prometheus.NewDesc(metricnames.SLOAlertCondition, "1 when the multi-window burn-rate condition holds.", []string{"service", "slo", "severity", "long", "short"}, nil),
		allowed:        prometheus.NewDesc(metricnames.GateAllowed, "1 when a normal deploy of the service is allowed now.", []string{"service"}, nil),
		decision:       prometheus.NewDesc(metricnames.GateDecision, "Gate decision for a normal deploy, one series per possible decision.", []string{"service", "decision"}, nil),
		stale:          prometheus.NewDesc(metricnames.ServiceStale, "1 when the service's numbers are older than the latest evaluation attempt.", []string{"service"}, nil),
		configProblems: prometheus.NewDesc(metricnames.ConfigProblems, "Problems in the service's spec file at the last reload.", []string{"service"}, nil),
	}
}

func (sc *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{sc.target, sc.sli, sc.consumed, sc.remaining, sc.burn, sc.condition, sc.allowed, sc.decision, sc.stale, sc.configProblems} {
		ch <- d
	}
}

func (sc *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	snap := sc.s.snaps.Snapshot()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, name := range snap.Names() {
		a, err := sc.s.gate.Check(name, slo.PriorityNormal)
		if err != nil {
			continue // removed by a reload since the snapshot was taken
		}
		st, r := a.State, a.Result
		gauge(sc.allowed, boolFloat(r.Allowed), name)
		for _, d := range slo.Decisions {
			gauge(sc.decision, boolFloat(r.Decision == d), name, string(d))
		}
		gauge(sc.stale, boolFloat(r.Stale), name)
		gauge(sc.configProblems, float64(slo.CountProblems(st.ConfigProblems)), name)
		for _, s := range st.SLOs {
			gauge(sc.target, s.Target, name, s.Slug)
			if s.Budget.Status != slo.StatusNoData {
				gauge(sc.sli, s.Budget.SLI, name, s.Slug)
				gauge(sc.consumed, s.Budget.Consumed, name, s.Slug)
				gauge(sc.remaining, s.Budget.Remaining, name, s.Slug)
			}
			for w, v := range s.BurnRates {
				gauge(sc.burn, v, name, s.Slug, w)
			}
			for _, c := range s.Conditions {
				long, short := c.Labels()
				gauge(sc.condition, boolFloat(c.Firing), name, s.Slug, string(c.Severity), long, short)
			}
		}
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
