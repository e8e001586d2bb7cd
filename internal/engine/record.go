package engine

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/slo"
)

// recordVersion numbers the snapshot record's shape; a record of another
// version is ignored at restore (the numbers are re-measured within one
// cycle) rather than misread.
const recordVersion = 1

// snapshotRecord is what the engine persists of a service after each
// evaluation: the numbers a status is rebuilt from, not the in-memory
// state, so that a restart rebuilds every derived value (budget, alert
// conditions, exhaustion) with the code and spec in force.
type snapshotRecord struct {
	Version     int         `json:"version"`
	LastAttempt time.Time   `json:"last_attempt"`
	SLOs        []sloRecord `json:"slos"`
	// What followers on a shared store show as the leader does: the
	// last error, how far history is loaded, and the recent deploys with
	// their attribution (the gate's suspect-deploy rule reads them).
	LastError string            `json:"last_error,omitempty"`
	Backfill  []Progress        `json:"backfill,omitempty"`
	Deploys   []slo.Attribution `json:"deploys,omitempty"`
}

// sloRecord is one SLO's last good numbers and its latest failure.
type sloRecord struct {
	Slug string `json:"slug"`
	// Fingerprint ties the numbers to the objective and queries that
	// produced them.
	Fingerprint string `json:"fingerprint"`
	// EvaluatedAt is zero when the SLO was never measured.
	EvaluatedAt time.Time          `json:"evaluated_at,omitzero"`
	Errors      float64            `json:"errors"`
	Total       float64            `json:"total"`
	BurnRates   map[string]float64 `json:"burn_rates,omitempty"`
	Error       string             `json:"error,omitempty"`
	ErrorSince  time.Time          `json:"error_since,omitzero"`
	NoSeries    bool               `json:"no_series,omitempty"`
	// Coverage and exclusions enter the gate's judgement (partial
	// history, corrections), so a follower must see them too.
	Coverage   slo.Coverage `json:"coverage,omitzero"`
	Excluded   slo.Counts   `json:"excluded,omitzero"`
	ExcludedBy []string     `json:"excluded_by,omitempty"`
}

// recordOf is the record of st.
func recordOf(st ServiceState) snapshotRecord {
	r := snapshotRecord{Version: recordVersion, LastAttempt: st.LastAttempt, SLOs: make([]sloRecord, len(st.SLOs)),
		LastError: st.LastError, Backfill: st.Backfill, Deploys: st.Deploys}
	for i, s := range st.SLOs {
		r.SLOs[i] = sloRecord{
			Slug:        s.Slug,
			Fingerprint: st.Spec.SLOs[i].Fingerprint(),
			EvaluatedAt: s.EvaluatedAt,
			Errors:      s.Counts.Errors,
			Total:       s.Counts.Total,
			BurnRates:   s.BurnRates,
			Error:       s.Error,
			ErrorSince:  s.ErrorSince,
			NoSeries:    s.NoSeries,
			Coverage:    s.Coverage,
			Excluded:    s.Excluded,
			ExcludedBy:  s.ExcludedBy,
		}
	}
	return r
}

// statuses rebuilds the status of every SLO of sp from r, in spec order.
// An SLO whose objective or queries changed since (another fingerprint),
// or that is new, starts unmeasured. With restored, every status is
// stale: this process has not measured it yet; otherwise (a follower
// reading the leader's record) an SLO is stale as the leader left it,
// when its latest attempt failed.
func (r snapshotRecord) statuses(sp slo.Spec, restored bool) []slo.Status {
	bySlug := make(map[string]sloRecord, len(r.SLOs))
	for _, s := range r.SLOs {
		bySlug[s.Slug] = s
	}
	out := make([]slo.Status, len(sp.SLOs))
	for i, o := range sp.SLOs {
		rec, ok := bySlug[o.Slug]
		same := ok && rec.Fingerprint == o.Fingerprint()
		out[i] = slo.Placeholder(o)
		if same && !rec.EvaluatedAt.IsZero() {
			out[i] = slo.StatusOf(o, sp.Policy, rec.EvaluatedAt, slo.Counts{Errors: rec.Errors, Total: rec.Total}, burnsOf(rec.BurnRates))
			out[i].Coverage, out[i].Excluded, out[i].ExcludedBy = rec.Coverage, rec.Excluded, rec.ExcludedBy
		}
		if same {
			out[i].Error, out[i].ErrorSince, out[i].NoSeries = rec.Error, rec.ErrorSince, rec.NoSeries
		}
		out[i].Stale = restored || out[i].Error != ""
	}
	return out
}

// burnsOf reads burn rates keyed by window label ("1h") back into
// durations; a label that does not parse is left out, as a window without
// traffic would be.
func burnsOf(labels map[string]float64) map[time.Duration]float64 {
	out := make(map[time.Duration]float64, len(labels))
	for l, r := range labels {
		if d, err := model.ParseDuration(l); err == nil {
			out[time.Duration(d)] = r
		}
	}
	return out
}
