package slo

import (
	"fmt"
	"slices"
	"strings"
)

// Load reads the specs in paths: files, and folders searched recursively
// as Sources describes. Service names must be unique across all files.
// Specs with problems are left out; problems come in file order, by line
// within a file.
func Load(paths ...string) ([]Spec, []Problem) {
	return Sources{Paths: paths}.Discover().Load()
}

// Load reads and validates the files found, after the problems of
// discovery itself.
func (f Found) Load() ([]Spec, []Problem) {
	problems := slices.Clone(f.Problems)
	results := make([]parsed, 0, len(f.Files))
	for _, file := range f.Files {
		data, err := readSpec(file)
		if err != nil {
			problems = append(problems, Problem{File: file, Message: err.Error()})
			continue
		}
		results = append(results, parseSpec(file, data))
	}
	checkUniqueServices(results)
	var specs []Spec
	for _, r := range results {
		if ps := r.problems.list(r.spec.File); len(ps) > 0 {
			problems = append(problems, ps...)
			continue
		}
		specs = append(specs, r.spec)
	}
	return specs, problems
}

// checkUniqueServices gives every file declaring a service that another
// file declares too a problem naming the other files.
func checkUniqueServices(results []parsed) {
	byService := map[string][]int{}
	for i, r := range results {
		if r.spec.Service != "" {
			byService[r.spec.Service] = append(byService[r.spec.Service], i)
		}
	}
	for service, idx := range byService {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			var others []string
			for _, j := range idx {
				if j != i {
					others = append(others, fmt.Sprintf("%s:%d", results[j].spec.File, results[j].serviceLine))
				}
			}
			r := &results[i]
			r.problems.add(Problem{
				File:    r.spec.File,
				Line:    r.serviceLine,
				Field:   "service",
				Message: fmt.Sprintf("service %q is also defined in %s; service names must be unique across files", elide(service), strings.Join(others, ", ")),
			})
		}
	}
}
