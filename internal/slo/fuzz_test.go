package slo

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that every problem says where
// it is, that no file lists more than 51 problems (the last counting the
// rest), and that a spec without problems has targets in (0, 1).
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"testdata/*.yaml", "testdata/*/*.yaml", "testdata/*/*.yml", "../../slos/*.yaml"} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, matches...)
	}
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// Small hostile files, for the caps: many problems and alias bombs.
	f.Add(unknownKeysSpec(60))
	f.Add(laughsSpec(5, 10))
	f.Add(aliasedSLOSpec(100, 100))
	f.Add([]byte("service: hostile\nslos: &s [*s]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, problems := Parse("fuzz.yaml", data)
		if len(problems) > 51 {
			t.Errorf("%d problems listed, want at most 51", len(problems))
		}
		for i, p := range problems {
			if p.Omitted() != 0 && i != len(problems)-1 {
				t.Errorf("problem %d of %d counts omitted ones: %s", i, len(problems), p)
			}
			if p.File != "fuzz.yaml" {
				t.Errorf("problem without file: %s", p)
			}
			// Only whole-file problems (no field) may lack a line.
			if p.Line < 0 || (p.Line == 0 && p.Field != "") {
				t.Errorf("problem without line: %s", p)
			}
			if p.Message == "" {
				t.Errorf("problem without message: %+v", p)
			}
		}
		if len(problems) > 0 {
			return
		}
		if spec.Service == "" || len(spec.SLOs) == 0 {
			t.Errorf("valid spec without service or SLOs: %+v", spec)
		}
		for _, o := range spec.SLOs {
			if !(o.Target > 0 && o.Target < 1) {
				t.Errorf("valid SLO %q has target %v", o.Name, o.Target)
			}
			if o.Window <= 0 && o.Calendar == "" {
				t.Errorf("valid SLO %q has no window", o.Name)
			}
			bad, total := o.Queries("5m")
			for _, q := range []string{bad, total} {
				if _, err := promql.ParseExpr(q); err != nil {
					t.Errorf("valid SLO %q gives query %q: %v", o.Name, q, err)
				}
			}
		}
	})
}
