package engine

import (
	"sort"
	"time"

	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/slo"
)

// ServiceState is what slod knows about one service right now.
type ServiceState struct {
	Spec slo.Spec
	// SLOs in spec order; each holds its last known good measurement.
	SLOs []slo.Status
	// Stale: the latest evaluation attempt failed for at least one SLO, so
	// some numbers are older than the last attempt.
	Stale       bool
	LastAttempt time.Time
	LastError   string
	// Backfill is how far each SLO's history is loaded, in spec order.
	Backfill []Progress
	// Deploys are the recent deploys, newest first, with what each did to
	// every SLO as of the last evaluation.
	Deploys []slo.Attribution
	// ConfigProblems are from the last reload of this service's file; the
	// previous good spec stays in force while they exist.
	ConfigProblems []slo.Problem
}

// EvaluatedAt is the time of the oldest SLO measurement, i.e. how fresh the
// service's data is as a whole; zero if any SLO was never measured.
func (s ServiceState) EvaluatedAt() time.Time {
	var oldest time.Time
	for i, st := range s.SLOs {
		if st.EvaluatedAt.IsZero() {
			return time.Time{}
		}
		if i == 0 || st.EvaluatedAt.Before(oldest) {
			oldest = st.EvaluatedAt
		}
	}
	return oldest
}

// Snapshot is an immutable view of every service, swapped atomically after
// each evaluation so readers never wait on Prometheus.
type Snapshot struct {
	Services map[string]ServiceState
	// Orphans are problems in files that define no known service yet.
	Orphans []slo.Problem
	// Ready: an evaluation cycle has completed or a snapshot was restored.
	Ready bool
}

// Names returns the service names in order.
func (s *Snapshot) Names() []string {
	names := make([]string, 0, len(s.Services))
	for n := range s.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// GateInput builds the policy input for a service at now.
func (s ServiceState) GateInput(p slo.Priority, overrides []slo.Override, now time.Time) policy.Input {
	return policy.Input{
		Service:   s.Spec.Service,
		Policy:    s.Spec.Policy,
		Priority:  p,
		SLOs:      s.SLOs,
		Overrides: overrides,
		Deploys:   s.Deploys,
		Now:       now,
	}
}

// Progress counts the buckets of an SLO's window that are loaded (or
// known to be gone from Prometheus), out of all it needs.
type Progress struct {
	Done, Total int
}

// Complete: nothing is left to load.
func (p Progress) Complete() bool { return p.Done >= p.Total }

// BackfillProgress sums the progress of every SLO of the service.
func (s ServiceState) BackfillProgress() Progress {
	var sum Progress
	for _, p := range s.Backfill {
		sum.Done += p.Done
		sum.Total += p.Total
	}
	return sum
}
