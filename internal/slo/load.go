package slo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Load reads the specs in paths: files, or folders whose *.yaml and *.yml
// files are read (not recursively, sorted by name). Service names must be
// unique across all files. Specs with problems are left out; problems come
// in file order, by line within a file.
func Load(paths ...string) ([]Spec, []Problem) {
	files, problems := specFiles(paths)
	results := make([]parsed, 0, len(files))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, Problem{File: file, Message: fmt.Sprintf("cannot read: %v", err)})
			continue
		}
		results = append(results, parseSpec(file, data))
	}
	checkUniqueServices(results)
	var specs []Spec
	for _, r := range results {
		if len(r.problems) > 0 {
			problems = append(problems, r.problems...)
			continue
		}
		specs = append(specs, r.spec)
	}
	return specs, problems
}

// specFiles expands folders into their spec files, once each.
func specFiles(paths []string) (files []string, problems []Problem) {
	seen := map[string]bool{}
	add := func(f string) {
		if clean := filepath.Clean(f); !seen[clean] {
			seen[clean] = true
			files = append(files, f)
		}
	}
	for _, path := range paths {
		info, err := os.Stat(path)
		if err != nil {
			problems = append(problems, Problem{File: path, Message: fmt.Sprintf("cannot read: %v", err)})
			continue
		}
		if !info.IsDir() {
			add(path)
			continue
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			problems = append(problems, Problem{File: path, Message: fmt.Sprintf("cannot list folder: %v", err)})
			continue
		}
		found := false
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
				add(filepath.Join(path, e.Name()))
				found = true
			}
		}
		if !found {
			problems = append(problems, Problem{File: path, Message: "folder has no *.yaml or *.yml spec files"})
		}
	}
	return files, problems
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
			r.problems = append(r.problems, Problem{
				File:    r.spec.File,
				Line:    r.serviceLine,
				Field:   "service",
				Message: fmt.Sprintf("service %q is also defined in %s; service names must be unique across files", service, strings.Join(others, ", ")),
			})
			sortProblems(r.problems)
		}
	}
}
