package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// SuspectBlockUntil is when block_after_suspect_deploy stops denying
// normal deploys: the newest deploy's time plus the block, if that deploy
// is suspect; zero when nothing blocks. A newer deploy (a rollback, a fix)
// ends the block, since it is no longer what runs.
func SuspectBlockUntil(p slo.Policy, deploys []slo.Attribution) (slo.Attribution, time.Time) {
	if p.BlockAfterSuspectDeploy <= 0 || len(deploys) == 0 || !deploys[0].Suspect {
		return slo.Attribution{}, time.Time{}
	}
	return deploys[0], deploys[0].Deployment.At.Add(p.BlockAfterSuspectDeploy)
}

// checkSuspectDeploy denies normal deploys while the newest deploy is
// suspect and younger than block_after_suspect_deploy; rollbacks and
// critical deploys go ahead with a warning.
func (g *gate) checkSuspectDeploy(p slo.Policy, deploys []slo.Attribution, now time.Time) {
	d, until := SuspectBlockUntil(p, deploys)
	if until.IsZero() || !now.Before(until) {
		return
	}
	var burns []string
	for _, s := range d.SLOs {
		if !s.Suspect || len(s.Spans) == 0 {
			continue
		}
		sp := s.Spans[0]
		burns = append(burns, fmt.Sprintf("%s burned %sx in the %s after it, %sx before", s.SLO,
			num(deref(sp.AfterBurn)), sp.Elapsed.Round(time.Minute), num(deref(sp.BeforeBurn))))
	}
	msg := fmt.Sprintf("deploy %s at %s is suspect: %s; normal deploys are blocked until %s (block_after_suspect_deploy); roll it back with priority rollback",
		d.Deployment.Version, d.Deployment.At.UTC().Format(time.RFC3339), strings.Join(burns, "; "), until.UTC().Format(time.RFC3339))
	g.actions = appendNew(g.actions, "rollback")
	g.add("", slo.CodeSuspectDeploy, msg, slo.Deny, blockNormal(g.priority))
}

// checkCorrection says that corrections took events out of an SLO's
// budget: a correction never hides a burn silently.
func (g *gate) checkCorrection(s slo.Status) {
	if s.Excluded.Total <= 0 && s.Excluded.Errors <= 0 {
		return
	}
	g.add(s.Name, slo.CodeCorrection, fmt.Sprintf("%s bad of %s events in the %s window are excluded by %s and not counted",
		num(s.Excluded.Errors), num(s.Excluded.Total), s.Window, strings.Join(s.ExcludedBy, ", ")), slo.Allow, slo.Allow)
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}
