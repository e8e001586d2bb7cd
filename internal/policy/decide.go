package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Decide answers whether a deploy of in.Priority may go ahead at in.Now.
// The decision is the worst over all reasons; rollbacks are never denied.
func Decide(in Input) Result {
	stale := anyStale(in.SLOs, in.Policy, in.Now)
	if o, ok := activeOverride(in.Overrides, in.Now); ok {
		return overridden(o, stale)
	}
	g := gate{priority: known(in.Priority)}
	for _, s := range in.SLOs {
		g.checkSLO(s, in.Policy, in.Now)
	}
	g.checkSuspectDeploy(in.Policy, in.Deploys, in.Now)
	return g.result(stale)
}

// activeOverride picks, among the overrides active at now, the one that
// lasts longest, so the answer names the override that actually governs.
func activeOverride(os []slo.Override, now time.Time) (slo.Override, bool) {
	var best slo.Override
	found := false
	for _, o := range os {
		if o.ActiveAt(now) && (!found || o.ExpiresAt.After(best.ExpiresAt)) {
			best, found = o, true
		}
	}
	return best, found
}

func overridden(o slo.Override, stale bool) Result {
	return Result{
		Decision: slo.Allow,
		Allowed:  true,
		Reasons: []slo.Reason{{
			Code: slo.CodeOverride,
			Message: fmt.Sprintf("override by %s until %s: %s",
				o.Actor, o.ExpiresAt.UTC().Format(time.RFC3339), o.Reason),
			Decision: slo.Allow,
		}},
		Actions:  []string{},
		Override: &o,
		Stale:    stale,
	}
}

// blockNormal is the outcome of a check that denies normal deploys only:
// critical and rollback deploys go ahead with a warning.
func blockNormal(p slo.Priority) slo.Decision {
	if p == slo.PriorityNormal {
		return slo.Deny
	}
	return slo.Warn
}

// gate collects reasons in a stable order: the priority exemption first,
// then those of each SLO in input order.
type gate struct {
	priority slo.Priority
	slos     []slo.Reason
	actions  []string
	// exempted names what would have denied a normal deploy but only
	// warns this priority.
	exempted []string
}

// add records a reason of one SLO; normal is its decision for a normal
// deploy, own the decision for g.priority.
func (g *gate) add(sloName, code, msg string, normal, own slo.Decision) {
	g.slos = append(g.slos, slo.Reason{SLO: sloName, Code: code, Message: msg, Decision: own})
	if normal == slo.Deny && own != slo.Deny {
		g.exempted = append(g.exempted, fmt.Sprintf("%s (%s)", code, sloName))
	}
}

func (g *gate) result(stale bool) Result {
	reasons := []slo.Reason{}
	if len(g.exempted) > 0 {
		reasons = append(reasons, slo.Reason{
			Code: slo.CodePriorityExempt,
			Message: fmt.Sprintf("%s deploy goes ahead; a normal deploy would be denied by %s",
				g.priority, strings.Join(g.exempted, ", ")),
			Decision: slo.Warn,
		})
	}
	reasons = append(reasons, g.slos...)
	decision := slo.Allow
	for _, r := range reasons {
		if rank[r.Decision] > rank[decision] {
			decision = r.Decision
		}
	}
	return Result{
		Decision: decision,
		Allowed:  decision != slo.Deny,
		Reasons:  reasons,
		Actions:  append([]string{}, g.actions...),
		Stale:    stale,
	}
}

var rank = map[slo.Decision]int{slo.Allow: 0, slo.Warn: 1, slo.Deny: 2}
