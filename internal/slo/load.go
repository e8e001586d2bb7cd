package slo

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/slo-dev/slo/internal/convert"
	"github.com/slo-dev/slo/internal/convert/ours"
	"github.com/slo-dev/slo/internal/convert/read"
)

// Load reads the specs in paths: files, and folders searched recursively
// as Sources describes. Service names must be unique across all files.
// Specs with problems are left out; problems come in file order, by line
// within a file.
func Load(paths ...string) ([]Spec, []Problem) {
	return Sources{Paths: paths}.Discover().Load()
}

// Load reads and validates the files found, after the problems of
// discovery itself. It is LoadAll for callers that show no warnings.
func (f Found) Load() ([]Spec, []Problem) {
	l := f.LoadAll()
	return l.Specs, l.Problems
}

// Loaded is what LoadAll read.
type Loaded struct {
	Specs    []Spec
	Problems []Problem
	// Warnings are what files of other tools held that was not carried
	// over, at file:line; they stop nothing.
	Warnings []Problem
	// Converted holds, by service name, what each valid spec converted
	// from another tool's files was converted to: sloctl convert writes it.
	Converted map[string]ours.Service
}

// LoadAll reads and validates the files found, after the problems of
// discovery itself. Files of other tools (OpenSLO, Sloth, Pyrra, told
// apart by apiVersion and kind) are converted by internal/convert, all
// together, and checked as ours.
func (f Found) LoadAll() Loaded {
	l := Loaded{Problems: slices.Clone(f.Problems)}
	files := readFiles(f.Files)
	results := make([]parsed, 0, len(f.Files))
	var foreign []convert.File
	for i, file := range f.Files {
		switch r := files[i]; {
		case r.err != nil:
			l.Problems = append(l.Problems, Problem{File: file, Message: r.err.Error()})
		case r.format != convert.Ours:
			foreign = append(foreign, convert.File{Source: read.Source{File: file, Data: r.data}, Format: r.format})
		default:
			results = append(results, r.parsed)
		}
	}
	if len(foreign) > 0 {
		converted, problems, warnings := importForeign(foreign)
		l.Converted = map[string]ours.Service{}
		for _, c := range converted {
			results = append(results, c.parsed)
			l.Converted[c.parsed.spec.Service] = c.from
		}
		l.Problems = append(l.Problems, problems...)
		l.Warnings = warnings
	}
	checkUniqueServices(results)
	for _, r := range results {
		if ps := r.problems.list(r.spec.File); len(ps) > 0 {
			l.Problems = append(l.Problems, ps...)
			delete(l.Converted, r.spec.Service)
			continue
		}
		l.Specs = append(l.Specs, r.spec)
	}
	return l
}

// fileRead is one spec file read and, when it is one of ours, checked.
type fileRead struct {
	data   []byte
	err    error
	format convert.Format
	parsed parsed
}

// readFiles reads and checks files on every core: they are independent,
// and thousands of services are a second of YAML and PromQL parsing on
// one. The results are in the order of files.
func readFiles(files []string) []fileRead {
	out := make([]fileRead, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				r := &out[i]
				if r.data, r.err = readSpec(files[i]); r.err != nil {
					continue
				}
				if r.format = convert.Detect(r.data); r.format == convert.Ours {
					r.parsed = parseSpec(files[i], r.data)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// conversion is a converted service and the result of checking it.
type conversion struct {
	from   ours.Service
	parsed parsed
}

// importForeign converts files of other tools. A service drawing on a
// file with a conversion error is left out; the error says why.
func importForeign(files []convert.File) (results []conversion, problems, warnings []Problem) {
	services, issues := convert.Import(files)
	// Capped per file as the problems of a file of ours are.
	errs, warns := map[string]*problemList{}, map[string]*problemList{}
	for _, i := range issues {
		lists := errs
		if i.Warning {
			lists = warns
		}
		if lists[i.File] == nil {
			lists[i.File] = &problemList{}
		}
		if l := lists[i.File]; !l.skip(i.Line) {
			l.add(Problem{File: i.File, Line: i.Line, Field: elide(i.Field), Message: elide(i.Message)})
		}
	}
	for _, f := range files {
		if l := errs[f.File]; l != nil {
			problems = append(problems, l.list(f.File)...)
		}
		if l := warns[f.File]; l != nil {
			warnings = append(warnings, l.list(f.File)...)
		}
	}
	failed := errs
	for _, s := range services {
		if slices.ContainsFunc(s.Files(), func(f string) bool { return failed[f] != nil }) {
			continue
		}
		results = append(results, conversion{from: s, parsed: parseConverted(s)})
	}
	return results, problems, warnings
}

// parseConverted checks a service converted from another tool's files as
// a file of ours, each problem at the file and line its value came from.
func parseConverted(s ours.Service) parsed {
	doc := s.Node()
	c := &checker{file: s.Name.Pos.File, fileOf: doc.FileOf}
	p := parsed{spec: Spec{File: c.file}}
	p.serviceLine = c.spec(&p.spec, doc.Root)
	p.problems = c.problems
	return p
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
