package policy

import "github.com/slo-dev/slo/internal/slo"

// known maps an unknown priority to normal: validating it is the caller's
// job, and the gate must not let an unrecognised value through more easily.
func known(p slo.Priority) slo.Priority {
	if p.Known() {
		return p
	}
	return slo.PriorityNormal
}
