package engine

import (
	"sort"

	"github.com/slo-dev/slo/internal/slo"
)

// Reload swaps in a newly loaded configuration. A service whose file now
// has problems keeps its previous good spec and shows the problems; a
// service whose file is gone (or no longer defines it) is dropped, loudly.
func (e *Engine) Reload(specs []slo.Spec, problems []slo.Problem) {
	byFile := map[string][]slo.Problem{}
	for _, p := range problems {
		byFile[p.File] = append(byFile[p.File], p)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.Snapshot()
	next := &Snapshot{Services: make(map[string]ServiceState, len(specs)), Ready: cur.Ready}
	claimed := map[string]bool{}
	for _, sp := range specs {
		state := freshState(sp)
		if old, ok := cur.Services[sp.Service]; ok {
			state = old
			state.SLOs = mergeStatuses(sp, old.Spec, old.SLOs)
			state.Spec = sp
			state.ConfigProblems = nil
		}
		next.Services[sp.Service] = state
	}
	for name, old := range cur.Services {
		if _, ok := next.Services[name]; ok {
			continue
		}
		if ps, bad := byFile[old.Spec.File]; bad {
			old.ConfigProblems = ps
			next.Services[name] = old
			claimed[old.Spec.File] = true
			e.log.Error("invalid spec, keeping previous config", "service", name, "file", old.Spec.File, "problems", slo.CountProblems(ps))
			continue
		}
		e.log.Warn("service removed from configuration", "service", name, "file", old.Spec.File)
	}
	for file, ps := range byFile {
		if !claimed[file] {
			next.Orphans = append(next.Orphans, ps...)
		}
	}
	// Stable: a capped file's "and N more" line shares its line number
	// with the first problem left out, and must stay after those listed.
	sort.SliceStable(next.Orphans, func(i, j int) bool {
		a, b := next.Orphans[i], next.Orphans[j]
		return a.File < b.File || (a.File == b.File && a.Line < b.Line)
	})
	e.snap.Store(next)
	e.log.Info("configuration reloaded", "services", len(next.Services), "problems", slo.CountProblems(problems))
}
