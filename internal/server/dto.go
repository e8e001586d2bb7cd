package server

import (
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/policy"
	"github.com/slo-dev/slo/internal/slo"
)

// The JSON shapes of the API. DESIGN.md fixes the field names: add, never
// rename.

type alertJSON struct {
	Severity    string  `json:"severity"`
	Long        string  `json:"long"`
	Short       string  `json:"short"`
	Factor      float64 `json:"factor"`
	BudgetShare float64 `json:"budget_share"`
	LongBurn    float64 `json:"long_burn"`
	ShortBurn   float64 `json:"short_burn"`
	NoData      bool    `json:"no_data"`
	Firing      bool    `json:"firing"`
}

type sloJSON struct {
	Name              string             `json:"name"`
	Slug              string             `json:"slug"`
	Description       string             `json:"description,omitempty"`
	Target            float64            `json:"target"`
	Window            string             `json:"window"`
	SLI               *float64           `json:"sli"`
	Budget            slo.Budget         `json:"budget"`
	BurnRates         map[string]float64 `json:"burn_rates"`
	Alerts            []alertJSON        `json:"alerts"`
	ExhaustionSeconds *float64           `json:"exhaustion_seconds"`
	EvaluatedAt       *time.Time         `json:"evaluated_at"`
	Error             string             `json:"error,omitempty"`
}

type serviceJSON struct {
	Service        string            `json:"service"`
	Owner          string            `json:"owner,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
	Decision       string            `json:"decision"`
	Allowed        bool              `json:"allowed"`
	Reasons        []policy.Reason   `json:"reasons"`
	Actions        []string          `json:"actions"`
	Override       *policy.Override  `json:"override"`
	EvaluatedAt    *time.Time        `json:"evaluated_at"`
	Stale          bool              `json:"stale"`
	LastError      string            `json:"last_error,omitempty"`
	ConfigProblems []slo.Problem     `json:"config_problems,omitempty"`
	SLOs           []sloJSON         `json:"slos"`
}

type canDeployJSON struct {
	Service     string           `json:"service"`
	Priority    slo.Priority     `json:"priority"`
	Allowed     bool             `json:"allowed"`
	Decision    string           `json:"decision"`
	Reasons     []policy.Reason  `json:"reasons"`
	Actions     []string         `json:"actions"`
	Override    *policy.Override `json:"override"`
	EvaluatedAt *time.Time       `json:"evaluated_at"`
	Stale       bool             `json:"stale"`
	DecisionID  *int64           `json:"decision_id,omitempty"`
	SLOs        []sloJSON        `json:"slos"`
}

// timePtr is nil for the zero time so JSON shows null, not year 1.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func toSLOJSON(spec slo.SLO, st policy.SLOStatus) sloJSON {
	out := sloJSON{
		Name:              st.Name,
		Slug:              st.Slug,
		Description:       spec.Description,
		Target:            st.Target,
		Window:            st.Window,
		Budget:            st.Budget,
		BurnRates:         st.BurnRates,
		Alerts:            make([]alertJSON, 0, len(st.Conditions)),
		ExhaustionSeconds: st.ExhaustionSeconds,
		EvaluatedAt:       timePtr(st.EvaluatedAt),
		Error:             st.Error,
	}
	if out.BurnRates == nil {
		out.BurnRates = map[string]float64{}
	}
	if st.Budget.Status != slo.StatusNoData {
		sli := st.Budget.SLI
		out.SLI = &sli
	}
	for _, c := range st.Conditions {
		out.Alerts = append(out.Alerts, alertJSON{
			Severity:    c.Severity,
			Long:        burnrate.Label(c.Long),
			Short:       burnrate.Label(c.Short),
			Factor:      c.Factor,
			BudgetShare: c.BudgetShare,
			LongBurn:    c.LongBurn,
			ShortBurn:   c.ShortBurn,
			NoData:      c.NoData,
			Firing:      c.Firing,
		})
	}
	return out
}

func toSLOsJSON(s engine.ServiceState) []sloJSON {
	out := make([]sloJSON, len(s.SLOs))
	for i, st := range s.SLOs {
		out[i] = toSLOJSON(s.Spec.SLOs[i], st)
	}
	return out
}

func toServiceJSON(s engine.ServiceState, r policy.Result) serviceJSON {
	return serviceJSON{
		Service:        s.Spec.Service,
		Owner:          s.Spec.Owner,
		Labels:         s.Spec.Labels,
		Decision:       r.Decision,
		Allowed:        r.Allowed,
		Reasons:        r.Reasons,
		Actions:        r.Actions,
		Override:       r.Override,
		EvaluatedAt:    timePtr(s.EvaluatedAt()),
		Stale:          r.Stale,
		LastError:      s.LastError,
		ConfigProblems: s.ConfigProblems,
		SLOs:           toSLOsJSON(s),
	}
}
