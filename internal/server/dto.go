package server

import (
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/slo"
)

// Conversions from slod's own types (engine, policy, store) to the API's
// JSON shapes in internal/api.

// timePtr is nil for the zero time so JSON shows null, not year 1.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// toSLO converts one SLO's status; p and now decide whether it is stale,
// and now stands in for the evaluation time of an SLO never evaluated, so
// that its period is still the current one.
func toSLO(spec slo.SLO, st slo.Status, p slo.Policy, now time.Time) api.SLO {
	at := st.EvaluatedAt
	if at.IsZero() {
		at = now
	}
	start, end := spec.Bounds(at)
	out := api.SLO{
		Name:              st.Name,
		Slug:              st.Slug,
		Description:       spec.Description,
		Target:            st.Target,
		Window:            st.Window,
		PeriodStart:       start.UTC(),
		PeriodEnd:         end.UTC(),
		Budget:            toBudget(st.Budget),
		BurnRates:         st.BurnRates,
		Alerts:            make([]api.Alert, 0, len(st.Conditions)),
		ExhaustionSeconds: st.ExhaustionSeconds,
		EvaluatedAt:       timePtr(st.EvaluatedAt),
		Stale:             st.FreshnessAt(p, now) != slo.Fresh,
		Error:             st.Error,
		Coverage:          toCoverage(st.Coverage),
		Excluded:          api.Excluded{Bad: st.Excluded.Errors, Total: st.Excluded.Total, By: st.ExcludedBy},
	}
	if out.Excluded.By == nil {
		out.Excluded.By = []string{}
	}
	if out.BurnRates == nil {
		out.BurnRates = map[string]float64{}
	}
	out.SLI = out.Budget.SLI
	for _, c := range st.Conditions {
		long, short := c.Labels()
		out.Alerts = append(out.Alerts, api.Alert{
			Severity:    string(c.Severity),
			Long:        long,
			Short:       short,
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

// toBudget leaves the SLI null without enough events: no traffic is not
// a perfect service.
func toBudget(b slo.Budget) api.Budget {
	out := api.Budget{
		Status:           string(b.Status),
		ErrorRatio:       b.ErrorRatio,
		Consumed:         b.Consumed,
		Remaining:        b.Remaining,
		TotalEvents:      b.TotalEvents,
		AllowedEvents:    b.AllowedEvents,
		FailedEvents:     b.FailedEvents,
		RemainingEvents:  b.RemainingEvents,
		AllowedMinutes:   b.AllowedMinutes,
		RemainingMinutes: b.RemainingMinutes,
	}
	if b.Status != slo.StatusNoData {
		sli := b.SLI
		out.SLI = &sli
	}
	return out
}

func toSLOs(s engine.ServiceState, now time.Time) []api.SLO {
	out := make([]api.SLO, len(s.SLOs))
	for i, st := range s.SLOs {
		out[i] = toSLO(s.Spec.SLOs[i], st, s.Spec.Policy, now)
		// No progress yet (before the first evaluation, or a restored
		// snapshot) is nothing to load, as in the service's sum.
		var p engine.Progress
		if i < len(s.Backfill) {
			p = s.Backfill[i]
		}
		out[i].Backfill = toBackfill(p)
	}
	return out
}

func toBackfill(p engine.Progress) api.Backfill {
	return api.Backfill{Done: p.Done, Total: p.Total, Complete: p.Complete()}
}

func toCoverage(c slo.Coverage) api.Coverage {
	return api.Coverage{
		Partial:        !c.Complete(),
		Share:          c.Share(),
		KnownSeconds:   c.Known.Seconds(),
		MissingSeconds: c.Missing.Seconds(),
		UnknownSeconds: c.Unknown.Seconds(),
	}
}

// toService converts a gate answer for a normal deploy.
func toService(a *gate.Answer) api.Service {
	s, r, now := a.State, a.Result, a.At
	return api.Service{
		Service:        s.Spec.Service,
		Owner:          s.Spec.Owner,
		Labels:         s.Spec.Labels,
		Decision:       string(r.Decision),
		Allowed:        r.Allowed,
		Reasons:        toReasons(r.Reasons),
		Actions:        r.Actions,
		Override:       toActiveOverride(r.Override, now),
		EvaluatedAt:    timePtr(s.EvaluatedAt()),
		Stale:          r.Stale,
		LastError:      s.LastError,
		ConfigProblems: toSpecProblems(s.ConfigProblems),
		Backfill:       toBackfill(s.BackfillProgress()),
		SLOs:           toSLOs(s, now),
		Deploys:        toAttributions(s.Deploys),
	}
}

// toDecision converts a gate answer for priority p.
func toDecision(a *gate.Answer, p slo.Priority) api.Decision {
	s, r := a.State, a.Result
	return api.Decision{
		Service:     s.Spec.Service,
		Priority:    string(p),
		Allowed:     r.Allowed,
		Decision:    string(r.Decision),
		Reasons:     toReasons(r.Reasons),
		Actions:     r.Actions,
		Override:    toOverrideRecord(r.Override),
		EvaluatedAt: timePtr(s.EvaluatedAt()),
		Stale:       r.Stale,
		SLOs:        toSLOs(s, a.At),
	}
}

// toActiveOverride says whether o is active at now, so that clients need
// not compare expiry times with their own clocks; nil stays nil.
func toActiveOverride(o *slo.Override, now time.Time) *api.Override {
	if o == nil {
		return nil
	}
	out := toOverride(*o, now)
	return &out
}

func toOverride(o slo.Override, now time.Time) api.Override {
	return api.Override{OverrideRecord: *toOverrideRecord(&o), Active: o.ActiveAt(now)}
}

func toOverrideRecord(o *slo.Override) *api.OverrideRecord {
	if o == nil {
		return nil
	}
	return &api.OverrideRecord{
		ID:        o.ID,
		Service:   o.Service,
		Reason:    o.Reason,
		Actor:     o.Actor,
		CreatedAt: o.CreatedAt,
		ExpiresAt: o.ExpiresAt,
		RevokedAt: o.RevokedAt,
		RevokedBy: o.RevokedBy,
	}
}

// toReasons keeps [] as [] (clients rely on an array, never null).
func toReasons(rs []slo.Reason) []api.Reason {
	out := make([]api.Reason, len(rs))
	for i, r := range rs {
		out[i] = api.Reason{SLO: r.SLO, Code: r.Code, Message: r.Message, Decision: string(r.Decision)}
	}
	return out
}

// toSpecProblems keeps nil as nil, so an empty list is left out.
func toSpecProblems(ps []slo.Problem) []api.SpecProblem {
	return mapSlice(ps, func(p slo.Problem) api.SpecProblem { return api.SpecProblem(p) })
}

func toDecisionRecord(d slo.DecisionRecord) api.DecisionRecord {
	return api.DecisionRecord{
		ID:         d.ID,
		At:         d.At,
		Service:    d.Service,
		Priority:   string(d.Priority),
		Version:    d.Version,
		Actor:      d.Actor,
		Pipeline:   d.Pipeline,
		Decision:   string(d.Decision),
		Allowed:    d.Allowed,
		Reasons:    toReasons(d.Reasons),
		Actions:    d.Actions,
		OverrideID: d.OverrideID,
		Stale:      d.Stale,
		RequestID:  d.RequestID,
	}
}

// historyPoints converts history points; never nil, so JSON says [].
func historyPoints(ps []slo.Status) []api.HistoryPoint {
	out := make([]api.HistoryPoint, len(ps))
	for i, p := range ps {
		out[i] = toHistoryPoint(p)
	}
	return out
}

func toHistoryPoint(p slo.Status) api.HistoryPoint {
	firing := []api.FiringCondition{}
	for _, c := range p.Conditions {
		if c.Firing {
			long, short := c.Labels()
			firing = append(firing, api.FiringCondition{
				Severity: string(c.Severity), Long: long, Short: short,
				Factor: c.Factor, LongBurn: c.LongBurn, ShortBurn: c.ShortBurn,
			})
		}
	}
	burns := p.BurnRates
	if burns == nil {
		burns = map[string]float64{}
	}
	return api.HistoryPoint{
		At:               p.EvaluatedAt.UTC(),
		Errors:           p.Counts.Errors,
		Total:            p.Counts.Total,
		SLI:              p.Budget.SLI,
		Consumed:         p.Budget.Consumed,
		Remaining:        p.Budget.Remaining,
		RemainingEvents:  p.Budget.RemainingEvents,
		RemainingMinutes: p.Budget.RemainingMinutes,
		Status:           string(p.Budget.Status),
		BurnRates:        burns,
		Firing:           firing,
		Coverage:         p.Coverage.Share(),
		Excluded:         toEvents(p.Excluded),
		Error:            p.Error,
	}
}

// mapSlice converts each element, keeping nil as nil so that JSON still
// says null where it did.
func mapSlice[S, D any](in []S, f func(S) D) []D {
	if in == nil {
		return nil
	}
	out := make([]D, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
