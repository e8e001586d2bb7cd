package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const invalidDir = "../../internal/slo/testdata/invalid/"

func TestValidateText(t *testing.T) {
	tests := []struct {
		name               string
		args               []string
		code               int
		stdout, stderrPart string
	}{
		{
			name:   "examples are valid",
			args:   []string{"../../slos"},
			code:   exitOK,
			stdout: "ok: 5 services, 8 SLOs in 5 files\n",
		},
		{
			name:   "one file",
			args:   []string{"../../slos/notifications.yaml"},
			code:   exitOK,
			stdout: "ok: 1 service, 1 SLO in 1 file\n",
		},
		{
			name: "problems in two files",
			args: []string{invalidDir + "target-100.yaml", invalidDir + "empty.yaml"},
			code: exitNo,
			stdout: invalidDir + "target-100.yaml:4: slos[0].target: 100% is too high; give a percentage below 100% (100% leaves no error budget), like 99.9%\n" +
				invalidDir + "empty.yaml: file is empty; a spec needs at least service: NAME and slos: [...]\n",
			stderrPart: "sloctl: 2 problems in 2 files\n",
		},
		{
			name: "two problems in one file",
			args: []string{invalidDir + "unknown-field-targte.yaml"},
			code: exitNo,
			stdout: invalidDir + "unknown-field-targte.yaml:3: slos[0].target: missing; give a percentage like 99.9%\n" +
				invalidDir + `unknown-field-targte.yaml:4: slos[0].targte: unknown field (did you mean "target"?); valid fields: name, description, target, percentile, window, measurement_window, calendar, timezone, sli` + "\n",
			stderrPart: "sloctl: 2 problems in 1 file\n",
		},
		{
			name:       "no path",
			args:       nil,
			code:       exitError,
			stderrPart: "requires at least 1 arg",
		},
		{
			name:       "unreadable path",
			args:       []string{"../../slos", "no/such/dir"},
			code:       exitError,
			stderrPart: "no/such/dir",
		},
		{
			name:       "bad output format",
			args:       []string{"../../slos", "--output", "yaml"},
			code:       exitError,
			stderrPart: "--output must be text or json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, append([]string{"validate"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if stdout != tt.stdout {
				t.Errorf("stdout =\n%s\nwant\n%s", stdout, tt.stdout)
			}
			if !strings.Contains(stderr, tt.stderrPart) || (tt.stderrPart == "" && stderr != "") {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.stderrPart)
			}
		})
	}
}

// jsonReport mirrors the --output json contract, decoded independently of
// the types that produce it.
type jsonReport struct {
	Valid    bool `json:"valid"`
	Problems []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"problems"`
	Services []struct {
		Service string `json:"service"`
		File    string `json:"file"`
		SLOs    []struct {
			Slug   string  `json:"slug"`
			Target float64 `json:"target"`
			Window string  `json:"window"`
			SLI    string  `json:"sli"`
		} `json:"slos"`
	} `json:"services"`
}

func TestValidateJSON(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"checkout.yaml": "../../slos/checkout.yaml", "broken.yaml": invalidDir + "target-zero.yaml"} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if name == "broken.yaml" {
			// A copy of a checkout spec: rename its service to keep it unique.
			data = bytes.Replace(data, []byte("service: checkout"), []byte("service: broken"), 1)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, _ := runCLI(t, nil, "validate", "-o", "json", dir)
	if code != exitNo {
		t.Errorf("exit %d, want %d", code, exitNo)
	}
	var r jsonReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if r.Valid || len(r.Problems) != 1 || len(r.Services) != 1 {
		t.Fatalf("report = %+v, want invalid with 1 problem and 1 valid service", r)
	}
	p := r.Problems[0]
	if p.File != filepath.Join(dir, "broken.yaml") || p.Line != 4 || p.Field != "slos[0].target" || !strings.Contains(p.Message, "above 0%") {
		t.Errorf("problem = %+v", p)
	}
	s := r.Services[0]
	var got []string
	for _, o := range s.SLOs {
		got = append(got, o.Slug+" "+o.Window+" "+o.SLI)
	}
	want := []string{"availability 30d events", "latency 1w latency"}
	if s.Service != "checkout" || !reflect.DeepEqual(got, want) || s.SLOs[0].Target != 0.999 || s.SLOs[1].Target != 0.99 {
		t.Errorf("service = %+v, want checkout with %v at 0.999 and 0.99", s, want)
	}
}

// A clean run still prints both lists, empty rather than null.
func TestValidateJSONValid(t *testing.T) {
	code, stdout, _ := runCLI(t, nil, "validate", "../../slos/search.yaml", "--output", "json")
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	if !strings.Contains(stdout, `"problems": []`) || !strings.Contains(stdout, `"valid": true`) {
		t.Errorf("stdout = %s, want valid true and an empty problems list", stdout)
	}
}

func TestValidateHelp(t *testing.T) {
	code, stdout, _ := runCLI(t, nil, "validate", "--help")
	if code != exitOK || !strings.Contains(stdout, "sloctl validate slos/") || !strings.Contains(stdout, "Exit codes: 0") {
		t.Errorf("exit %d, help =\n%s", code, stdout)
	}
}
