package slo

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

var (
	policyFields      = []string{"thresholds", "block_on_fast_burn", "on_missing_data", "max_staleness", "no_series_grace", "min_events", "block_after_suspect_deploy", "suspect_burn_multiple"}
	thresholdFields   = []string{"consumed", "action", "actions", "allow"}
	errorBudgetFields = []string{"allowed_downtime_minutes", "policy"}
	seedPolicyFields  = []string{"budget_exhausted", "budget_healthy"}
)

// DefaultPolicy is the policy of a spec without policy: (docs/design.md).
func DefaultPolicy() Policy {
	return Policy{
		Thresholds: []Threshold{
			{Consumed: 1, Action: "freeze_releases", Actions: []string{"mandatory_postmortem"}, Allow: []Priority{PriorityCritical, PriorityRollback}},
			{Consumed: 0.75, Action: "limit_releases", Allow: []Priority{PriorityCritical, PriorityRollback}},
			{Consumed: 0.5, Action: "increase_monitoring"},
		},
		BlockOnFastBurn: true,
		OnMissingData:   OnMissingDeny,
		MaxStaleness:    10 * time.Minute,
		NoSeriesGrace:   10 * time.Minute,
		MinEvents:       100,
		// Twice the burn of the hour before: a deploy that merely rides
		// an existing burn is not blamed for it.
		SuspectBurnMultiple: 2,
	}
}

// policy reads policy:, starting from the defaults for every field left
// out. explicit reports whether thresholds were given.
func (c *checker) policy(n *yaml.Node) (p Policy, explicit bool) {
	p = DefaultPolicy()
	if n == nil {
		return p, false
	}
	f, ok := c.fields(n, "policy", policyFields)
	if !ok {
		return p, false
	}
	if v := f["thresholds"]; v != nil {
		p.Thresholds = c.thresholds(v)
		explicit = true
	}
	if v := f["block_on_fast_burn"]; v != nil {
		v = resolve(v)
		if v.Kind != yaml.ScalarNode || v.Decode(&p.BlockOnFastBurn) != nil {
			c.addf(v, "policy.block_on_fast_burn", "must be true or false, got %s", describe(v))
		}
	}
	if v := f["on_missing_data"]; v != nil {
		if s, ok := c.str(v, "policy.on_missing_data", "deny or allow"); ok {
			if m := OnMissingData(s); m != OnMissingDeny && m != OnMissingAllow {
				c.addf(v, "policy.on_missing_data", "%q is not valid; give deny or allow", s)
			}
			p.OnMissingData = OnMissingData(s)
		}
	}
	if v := f["max_staleness"]; v != nil {
		p.MaxStaleness = c.positiveDuration(v, "policy.max_staleness")
	}
	if v := f["no_series_grace"]; v != nil {
		p.NoSeriesGrace = c.positiveDuration(v, "policy.no_series_grace")
	}
	if v := f["min_events"]; v != nil {
		if s, ok := c.str(v, "policy.min_events", "a number of events like 100"); ok {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
				c.addf(v, "policy.min_events", "%q is not a count; give a number of events of 0 or more, like 100", s)
			}
			p.MinEvents = x
		}
	}
	if v := f["block_after_suspect_deploy"]; v != nil {
		p.BlockAfterSuspectDeploy = c.positiveDuration(v, "policy.block_after_suspect_deploy")
		if p.BlockAfterSuspectDeploy > maxSuspectBlock {
			c.addf(v, "policy.block_after_suspect_deploy", "%s is longer than %s; give a span like 1h", model.Duration(p.BlockAfterSuspectDeploy), model.Duration(maxSuspectBlock))
		}
	}
	if v := f["suspect_burn_multiple"]; v != nil {
		if s, ok := c.str(v, "policy.suspect_burn_multiple", "a multiple like 2"); ok {
			x, err := strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64)
			if err != nil || !(x >= 1) || math.IsInf(x, 0) {
				c.addf(v, "policy.suspect_burn_multiple", "%q is not a multiple of 1 or more; give one like 2 or 2x", s)
			}
			p.SuspectBurnMultiple = x
		}
	}
	return p, explicit
}

// maxSuspectBlock bounds block_after_suspect_deploy: the attribution
// compares at most a day after a deploy.
const maxSuspectBlock = 24 * time.Hour

// positiveDuration reads a duration above zero such as 10m.
func (c *checker) positiveDuration(v *yaml.Node, field string) time.Duration {
	s, ok := c.str(v, field, "a duration like 10m")
	if !ok {
		return 0
	}
	d, err := model.ParseDuration(s)
	if err != nil || d <= 0 {
		c.addf(v, field, "%q is not a duration above zero; give one like 10m", s)
	}
	return time.Duration(d)
}

// thresholds reads policy.thresholds, sorted highest consumed first.
func (c *checker) thresholds(n *yaml.Node) []Threshold {
	items, ok := c.seq(n, "policy.thresholds", "thresholds like {consumed: 75%, action: limit_releases, allow: [critical, rollback]}")
	if !ok {
		return nil
	}
	items = c.capItems(items, "policy.thresholds", "thresholds", maxThresholds)
	out := make([]Threshold, 0, len(items))
	lines := map[float64]int{}
	for i, item := range items {
		path := index("policy.thresholds", i)
		t := c.threshold1(item, path)
		if t.Consumed > 0 {
			if line, dup := lines[t.Consumed]; dup {
				c.addf(resolve(item), join(path, "consumed"), "another threshold (line %d) has the same consumed; merge them", line)
			}
			lines[t.Consumed] = resolve(item).Line
		}
		out = append(out, t)
	}
	sortThresholds(out)
	return out
}

func sortThresholds(ts []Threshold) {
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Consumed > ts[j].Consumed })
}

// threshold1 reads one entry of policy.thresholds.
func (c *checker) threshold1(n *yaml.Node, path string) Threshold {
	var t Threshold
	f, ok := c.fields(n, path, thresholdFields)
	if !ok {
		return t
	}
	n = resolve(n)
	cpath := join(path, "consumed")
	if v := f["consumed"]; v == nil {
		c.addf(n, cpath, "missing; give the share of the budget used, e.g. consumed: 75%%")
	} else if s, ok := c.str(v, cpath, "a percentage like 75%"); ok {
		x, err := parsePercent(s)
		switch {
		case err != nil:
			c.addf(v, cpath, "%v; give a percentage like 75%%", err)
		case x <= 0:
			c.addf(v, cpath, "%s is too low; give a percentage above 0%%, like 75%%", s)
		default:
			t.Consumed = x
		}
	}
	if v := f["action"]; v == nil {
		c.addf(n, join(path, "action"), "missing; name what happens, e.g. action: limit_releases")
	} else {
		t.Action, _ = c.str(v, join(path, "action"), "an action name like limit_releases")
	}
	if v := f["actions"]; v != nil {
		t.Actions = c.strs(v, join(path, "actions"), "action names")
	}
	if v := f["allow"]; v != nil {
		t.Allow = c.allow(v, join(path, "allow"))
	}
	return t
}

// allow reads a list of deploy priorities.
func (c *checker) allow(n *yaml.Node, path string) []Priority {
	items, ok := c.seq(n, path, "priorities ("+JoinPriorities(Priorities())+")")
	if !ok {
		return nil
	}
	out := make([]Priority, 0, len(items))
	for i, item := range items {
		ipath := index(path, i)
		s, ok := c.str(item, ipath, "a priority ("+JoinPriorities(Priorities())+")")
		if !ok {
			continue
		}
		if !Priority(s).Known() {
			c.addf(resolve(item), ipath, "%q is not a priority; give one of %s", s, JoinPriorities(Priorities()))
			continue
		}
		out = append(out, Priority(s))
	}
	return out
}

// errorBudget reads the seed's error_budget: block. Its budget_exhausted
// actions become those of the 100% threshold; budget_healthy is kept.
func (c *checker) errorBudget(n *yaml.Node, p *Policy, explicit bool) {
	f, ok := c.fields(n, "error_budget", errorBudgetFields)
	if !ok {
		return
	}
	if v := f["allowed_downtime_minutes"]; v != nil {
		// Informational only: the budget follows from target and window.
		const path = "error_budget.allowed_downtime_minutes"
		if s, ok := c.str(v, path, "a number of minutes like 43.2"); ok {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
				c.addf(v, path, "%q is not a number of minutes; give one like 43.2", s)
			}
		}
	}
	v := f["policy"]
	if v == nil {
		return
	}
	pf, ok := c.fields(v, "error_budget.policy", seedPolicyFields)
	if !ok {
		return
	}
	if h := pf["budget_healthy"]; h != nil {
		p.HealthyActions = c.strs(h, "error_budget.policy.budget_healthy", "action names")
	}
	e := pf["budget_exhausted"]
	if e == nil {
		return
	}
	const path = "error_budget.policy.budget_exhausted"
	if e = resolve(e); e.Kind == yaml.SequenceNode && len(e.Content) == 0 {
		c.addf(e, path, "is empty; list at least one action, e.g. [freeze_releases]")
		return
	}
	if actions := c.strs(e, path, "action names"); len(actions) > 0 {
		c.exhaustedActions(e, p, explicit, actions)
	}
}

// exhaustedActions puts the seed's budget_exhausted actions on the 100%
// threshold, adding one when explicit thresholds have none.
func (c *checker) exhaustedActions(n *yaml.Node, p *Policy, explicit bool, actions []string) {
	for i := range p.Thresholds {
		if math.Abs(p.Thresholds[i].Consumed-1) > 1e-9 {
			continue
		}
		if explicit {
			c.addf(n, "error_budget.policy.budget_exhausted", "policy.thresholds already has a 100%% threshold; give its actions in one place")
			return
		}
		p.Thresholds[i].Action, p.Thresholds[i].Actions = actions[0], rest(actions)
		return
	}
	p.Thresholds = append(p.Thresholds, Threshold{
		Consumed: 1, Action: actions[0], Actions: rest(actions),
		Allow: []Priority{PriorityCritical, PriorityRollback},
	})
	sortThresholds(p.Thresholds)
}

// rest is all but the first action, nil when there are no more.
func rest(actions []string) []string {
	if len(actions) < 2 {
		return nil
	}
	return actions[1:]
}
