package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/backtest"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
)

// Backtester replays specs over recorded events (internal/engine.Engine).
type Backtester interface {
	Backtest(ctx context.Context, specs []slo.Spec, r engine.BacktestRange) ([]engine.Replay, error)
}

// maxBacktestPoints bounds the points per SLO a backtest may ask for.
const maxBacktestPoints = 10000

// defaultSpecFile names a spec sent without a file name in its problems.
const defaultSpecFile = "slo.yaml"

func (s *Server) backtest(c *gin.Context) {
	if s.cfg.Backtests == nil {
		problem(c, http.StatusNotFound, api.ProblemNotFound, "this slod does not run backtests")
		return
	}
	var req api.BacktestRequest
	if !s.bindJSON(c, &req) {
		return
	}
	first, ok := s.backtestSpec(c, req)
	if !ok {
		return
	}
	specs := []slo.Spec{first}
	if second, ok, given := againstSpec(c, req, first); !ok {
		return
	} else if given {
		specs = append(specs, second)
	}
	r, points, ok := backtestRange(c, req, s.cfg.Clock())
	if !ok {
		return
	}
	reps, err := s.cfg.Backtests.Backtest(c.Request.Context(), specs, r)
	switch {
	case errors.Is(err, backtest.ErrInput), errors.Is(err, engine.ErrBeyondRetention):
		badField(c, "from", err.Error())
		return
	case errors.Is(err, engine.ErrBacktestBusy):
		c.Header("Retry-After", "10")
		problem(c, http.StatusTooManyRequests, api.ProblemTooManyRequests, "another backtest is running; retry shortly")
		return
	case err != nil:
		problem(c, http.StatusBadGateway, api.ProblemBacktestFailed, "the backtest could not fetch its events: "+err.Error())
		return
	}
	files := []string{specFile(req.File), specFile(req.AgainstFile)}
	if req.Service != "" {
		files[0] = ""
	}
	if len(req.AgainstTargets) > 0 {
		files[1] = files[0]
	}
	out := api.Backtest{From: reps[0].From, To: reps[0].To, Step: reps[0].Step.String(), Result: toBacktestRun(reps[0], files[0], points)}
	if len(reps) > 1 {
		against := toBacktestRun(reps[1], files[1], points)
		d := backtest.Compare(reps[0].Summary, reps[1].Summary)
		out.Against = &against
		out.Diff = &api.BacktestDiff{
			Pages: d.Pages, Tickets: d.Tickets,
			AlertMinutes: d.AlertTime.Minutes(), DeniedHours: d.DeniedTime.Hours(), LowestBudget: d.Lowest,
		}
	}
	c.JSON(http.StatusOK, out)
}

func specFile(f string) string {
	if f == "" {
		return defaultSpecFile
	}
	return f
}

// backtestSpec is the first spec: a running service's, or the YAML sent.
func (s *Server) backtestSpec(c *gin.Context, req api.BacktestRequest) (slo.Spec, bool) {
	switch {
	case req.Service != "" && req.Spec != "":
		badField(c, "spec", "give a service or a spec, not both")
		return slo.Spec{}, false
	case req.Service != "":
		st, ok := s.snaps.Snapshot().Services[req.Service]
		if !ok {
			unknownService(c, req.Service)
		}
		return st.Spec, ok
	case req.Spec == "":
		badField(c, "spec", "give a service that slod runs, or a spec's YAML")
		return slo.Spec{}, false
	}
	return parseSpec(c, req.File, req.Spec)
}

// againstSpec is the second spec, if the request gives one.
func againstSpec(c *gin.Context, req api.BacktestRequest, first slo.Spec) (sp slo.Spec, ok, given bool) {
	switch {
	case req.Against != "" && len(req.AgainstTargets) > 0:
		badField(c, "against_targets", "give against or against_targets, not both")
		return sp, false, false
	case req.Against != "":
		sp, ok = parseSpec(c, req.AgainstFile, req.Against)
		return sp, ok, true
	case len(req.AgainstTargets) == 0:
		return sp, true, false
	}
	sp = first
	sp.SLOs = slices.Clone(first.SLOs)
	for slug, pct := range req.AgainstTargets {
		i := slices.IndexFunc(sp.SLOs, func(o slo.SLO) bool { return o.Slug == slug })
		if i < 0 {
			badField(c, "against_targets", fmt.Sprintf("service %q has no SLO %q", first.Service, truncate(slug, 100)))
			return sp, false, false
		}
		if !(pct > 0 && pct < 100) {
			badField(c, "against_targets", fmt.Sprintf("the target of %s must be a percentage between 0 and 100 (99.95), not %g", slug, pct))
			return sp, false, false
		}
		sp.SLOs[i].Target = pct / 100
	}
	return sp, true, true
}

// parseSpec loads a spec sent as YAML, answering its problems as
// `sloctl validate` lists them.
func parseSpec(c *gin.Context, file, yaml string) (slo.Spec, bool) {
	sp, problems := slo.Parse(specFile(file), []byte(yaml))
	if len(problems) == 0 {
		return sp, true
	}
	p := api.Problem{
		Type: api.ProblemInvalidSpec, Title: "Invalid spec", Status: http.StatusBadRequest,
		Detail: fmt.Sprintf("the spec has %d problems; the first: %s", slo.CountProblems(problems), problems[0]),
	}
	p.Problems = toSpecProblems(problems)
	writeProblem(c, p)
	return sp, false
}

// backtestRange reads from, to, points and incident_burn.
func backtestRange(c *gin.Context, req api.BacktestRequest, now time.Time) (engine.BacktestRange, int, bool) {
	r := engine.BacktestRange{To: now, IncidentBurn: req.IncidentBurn}
	if req.To != nil {
		r.To = *req.To
	}
	r.From = r.To.Add(-api.DefaultBacktestDays * 24 * time.Hour)
	if req.From != nil {
		r.From = *req.From
	}
	points := api.DefaultBacktestPoints
	if req.Points != 0 {
		points = req.Points
	}
	switch {
	case r.To.After(now):
		badField(c, "to", "to must not be in the future")
	case !r.From.Before(r.To):
		badField(c, "from", "from must be before to")
	case r.To.Sub(r.From) > backtest.MaxRange:
		badField(c, "from", fmt.Sprintf("a backtest covers at most %d days", int(backtest.MaxRange.Hours()/24)))
	case points < 2 || points > maxBacktestPoints:
		badField(c, "points", fmt.Sprintf("points must be a whole number from 2 to %d", maxBacktestPoints))
	case req.IncidentBurn < 0 || math.IsInf(req.IncidentBurn, 0):
		badField(c, "incident_burn", "incident_burn must be a burn rate of 0 or more")
	default:
		return r, points, true
	}
	return r, 0, false
}

func toBacktestRun(rep engine.Replay, file string, points int) api.BacktestRun {
	run := api.BacktestRun{Service: rep.Service, File: file, Gate: []api.GateSpan{}}
	for i, o := range rep.SLOs {
		out := api.BacktestSLO{
			Slug: o.SLO.Slug, Name: o.SLO.Name, Target: o.SLO.Target, Window: o.SLO.WindowLabel(), Source: rep.Sources[i],
			Points: []api.BacktestPoint{}, Alerts: []api.BacktestAlert{}, Incidents: toIncidents(o.Incidents),
		}
		for _, p := range thinPoints(o.Points, points) {
			out.Points = append(out.Points, api.BacktestPoint{
				At: p.At, Status: string(p.Budget.Status), Consumed: p.Budget.Consumed, Remaining: p.Budget.Remaining,
				BurnRates: orEmpty(p.BurnRates), Coverage: p.Coverage, Error: p.Error,
			})
		}
		for _, a := range o.Alerts {
			long, short := a.Labels()
			out.Alerts = append(out.Alerts, api.BacktestAlert{
				Severity: string(a.Severity), Long: long, Short: short, Factor: a.Factor,
				From: a.From, To: a.To, Minutes: a.Duration().Minutes(), Open: a.Open,
			})
		}
		run.SLOs = append(run.SLOs, out)
	}
	for _, g := range rep.Gate {
		run.Gate = append(run.Gate, api.GateSpan{From: g.From, To: g.To, Decision: string(g.Decision), Codes: orEmptyList(g.Codes)})
	}
	sum := rep.Summary
	run.Summary = api.BacktestSummary{
		Pages: sum.Pages, Tickets: sum.Tickets, AlertMinutes: sum.AlertTime.Minutes(), DeniedHours: sum.DeniedTime.Hours(),
		Incidents: toIncidents(sum.Incidents),
	}
	if l := sum.Lowest; l != nil {
		run.Summary.LowestBudget = &api.BacktestLowest{SLO: l.SLO, At: l.At, Remaining: l.Remaining}
	}
	return run
}

func toIncidents(is []backtest.Incident) []api.BacktestIncident {
	out := []api.BacktestIncident{}
	for _, i := range is {
		inc := api.BacktestIncident{SLO: i.SLO, From: i.From, To: i.To, PeakBurn: i.PeakBurn, Detected: i.Detected}
		if d, ok := i.TimeToDetect(); ok {
			secs := d.Seconds()
			inc.DetectSeconds = &secs
		}
		out = append(out, inc)
	}
	return out
}

// thinPoints keeps at most limit points: of each run of consecutive
// points, the one with the least budget left, so a chart still shows
// every dip; the last point always.
func thinPoints(ps []backtest.Point, limit int) []backtest.Point {
	if len(ps) <= limit {
		return ps
	}
	per := (len(ps) + limit - 2) / (limit - 1)
	out := make([]backtest.Point, 0, limit)
	for i := 0; i < len(ps)-1; i += per {
		low := i
		for j := i; j < min(i+per, len(ps)-1); j++ {
			if ps[j].Budget.Remaining < ps[low].Budget.Remaining {
				low = j
			}
		}
		out = append(out, ps[low])
	}
	return append(out, ps[len(ps)-1])
}

func orEmpty(m map[string]float64) map[string]float64 {
	if m == nil {
		return map[string]float64{}
	}
	return m
}

func orEmptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
