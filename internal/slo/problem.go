package slo

import (
	"fmt"
	"slices"
	"sort"
	"strings"
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

// omittedFormat is the message of the problem that ends the list of a
// file with more than maxProblems: how many were left out, and the cap.
const omittedFormat = "... and %d more problems from this line on (only the first %d, by line, are listed)"

// Omitted is the number of problems p stands for when it ends the list of
// a file with more problems than are listed; 0 for any other problem. The
// number is read back from the message, which this package wrote, so that
// a Problem stays four plain fields wherever it is copied.
func (p Problem) Omitted() int {
	var n, listed int
	if p.Field != "" || !strings.HasPrefix(p.Message, "... and ") {
		return 0
	}
	if _, err := fmt.Sscanf(p.Message, omittedFormat, &n, &listed); err != nil || listed != maxProblems {
		return 0
	}
	return n
}

// CountProblems counts problems, those a file's last problem says were
// left out included.
func CountProblems(problems []Problem) int {
	n := 0
	for _, p := range problems {
		n += max(p.Omitted(), 1)
	}
	return n
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

// problemList collects the problems of one file, keeping only the first
// maxProblems in line order and counting the rest: a file with thousands
// of mistakes costs bounded memory, log lines and API bytes, and the first
// ones are what a user fixes first anyway.
type problemList struct {
	kept    []Problem
	dropped int
	// firstDropped is the line of the first problem dropped.
	firstDropped int
	// cutoff, once some were dropped, is the line of the last problem
	// kept by the latest trim: a problem found later on that line or after
	// it can only be dropped.
	cutoff int
}

// skip counts a problem on line that can only be dropped, and reports
// whether it did: such a problem need not even be formatted.
func (l *problemList) skip(line int) bool {
	if l.dropped == 0 || line < l.cutoff {
		return false
	}
	l.dropped++
	l.firstDropped = min(l.firstDropped, line)
	return true
}

func (l *problemList) add(p Problem) {
	l.kept = append(l.kept, p)
	// Trimming only at twice the cap keeps adding cheap.
	if len(l.kept) >= 2*maxProblems {
		l.trim()
	}
}

// trim sorts the kept problems and drops all but the first maxProblems.
// The sort is stable, so whatever was dropped comes after all that is
// kept in the order of the whole list too.
func (l *problemList) trim() {
	sortProblems(l.kept)
	extra := len(l.kept) - maxProblems
	if extra <= 0 {
		return
	}
	if line := l.kept[maxProblems].Line; l.dropped == 0 || line < l.firstDropped {
		l.firstDropped = line
	}
	l.dropped += extra
	l.kept = l.kept[:maxProblems:maxProblems]
	l.cutoff = l.kept[maxProblems-1].Line
}

// list returns the problems of file in line order. When some were
// dropped, a last one says how many, on the line where they start: it
// stays last when the problems of several files are sorted by line.
func (l *problemList) list(file string) []Problem {
	l.trim()
	if l.dropped == 0 {
		return l.kept
	}
	return append(slices.Clip(l.kept), Problem{
		File:    file,
		Line:    l.firstDropped,
		Message: fmt.Sprintf(omittedFormat, l.dropped, maxProblems),
	})
}
