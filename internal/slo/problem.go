package slo

import (
	"fmt"
	"sort"
)

// Problem is one thing wrong with a spec file. Line is 1-based; it is 0 only
// for problems about the whole file (unreadable, empty, broken encoding),
// which also leave Field empty.
type Problem struct {
	File    string
	Line    int
	Field   string
	Message string
}

// String renders p as "file:line: field: message", leaving out the line
// and field when they are unknown.
func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, p.Line)
	}
	if p.Field == "" {
		return loc + ": " + p.Message
	}
	return loc + ": " + p.Field + ": " + p.Message
}

// sortProblems orders the problems of one file by line, keeping the order
// in which they were found for problems on the same line.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
}
