package slo

import (
	"fmt"
	"strings"
)

// Priorities lists the deploy priorities, lowest first: the one list the
// loader, the gate and sloctl check against.
func Priorities() []Priority {
	return []Priority{PriorityNormal, PriorityCritical, PriorityRollback}
}

// ParsePriority reads a priority as given on a command line or in a
// request. Empty means normal, since that is what a plain pipeline step
// asks for.
func ParsePriority(s string) (Priority, error) {
	if s == "" {
		return PriorityNormal, nil
	}
	name := Priority(strings.ToLower(strings.TrimSpace(s)))
	if name.Known() {
		return name, nil
	}
	return "", fmt.Errorf("unknown priority %q: valid values are %s", s, JoinPriorities(Priorities()))
}

// Known reports whether p is one of Priorities.
func (p Priority) Known() bool {
	for _, q := range Priorities() {
		if p == q {
			return true
		}
	}
	return false
}

// JoinPriorities lists ps for messages: "normal, critical, rollback".
func JoinPriorities(ps []Priority) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
