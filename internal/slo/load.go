package slo

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	read := make([]parsed, len(f.Files))
	readErrs := make([]error, len(f.Files))
	// Files are independent, so they are parsed on every core (thousands of
	// services are a second of PromQL and YAML parsing on one), and the
	// results kept in file order.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(f.Files)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(f.Files); i = int(next.Add(1) - 1) {
				data, err := readSpec(f.Files[i])
				if err != nil {
					readErrs[i] = err
					continue
				}
				read[i] = parseSpec(f.Files[i], data)
			}
		})
	}
	wg.Wait()
	results := make([]parsed, 0, len(f.Files))
	for i, file := range f.Files {
		if readErrs[i] != nil {
			problems = append(problems, Problem{File: file, Message: readErrs[i].Error()})
			continue
		}
		results = append(results, read[i])
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
