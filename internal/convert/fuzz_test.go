package convert_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/slo-dev/slo/internal/convert"
	"github.com/slo-dev/slo/internal/convert/read"
	"github.com/slo-dev/slo/internal/slo"
)

// FuzzImport checks that no file of another tool makes a converter panic,
// that every issue names its file, and that what converts writes out as
// YAML our loader reads without panicking. Seeds: the converters' fixtures.
func FuzzImport(f *testing.F) {
	for _, pattern := range []string{"*/testdata/*.yaml", "*/testdata/*/*.yaml"} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, m := range matches {
			data, err := os.ReadFile(m)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		format := convert.Detect(data)
		if format == convert.Ours || format == convert.Unknown {
			format = convert.OpenSLO
		}
		services, issues := convert.Import([]convert.File{{Source: read.Source{File: "fuzz.yaml", Data: data}, Format: format}})
		for _, i := range issues {
			if i.File != "fuzz.yaml" || i.Line < 0 || i.Message == "" {
				t.Errorf("issue without place or message: %+v", i)
			}
		}
		for _, s := range services {
			out, err := s.YAML()
			if err != nil {
				t.Fatalf("%s: %v", s.Name.S, err)
			}
			slo.Parse("out.yaml", out)
		}
	})
}
