package policy

import (
	"fmt"
	"strings"

	"github.com/slo-dev/slo/internal/slo"
)

// priorities lists the valid priorities, lowest first.
var priorities = []slo.Priority{slo.PriorityNormal, slo.PriorityCritical, slo.PriorityRollback}

// ParsePriority reads a priority as given on a command line or in a request.
// Empty means normal, since that is what a plain pipeline step asks for.
func ParsePriority(s string) (slo.Priority, error) {
	if s == "" {
		return slo.PriorityNormal, nil
	}
	name := strings.ToLower(strings.TrimSpace(s))
	for _, p := range priorities {
		if string(p) == name {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown priority %q: valid values are %s", s, joinPriorities(priorities))
}

// known maps an unknown priority to normal: validating it is the caller's
// job, and the gate must not let an unrecognised value through more easily.
func known(p slo.Priority) slo.Priority {
	for _, q := range priorities {
		if p == q {
			return p
		}
	}
	return slo.PriorityNormal
}

func joinPriorities(ps []slo.Priority) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
