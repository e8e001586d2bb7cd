package slo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocated returns the bytes fn allocates on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// writeSpec writes data as slo.yaml in a new folder and returns its path.
func writeSpec(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slo.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A file over 1 MiB is refused from its size, before it is read: a 2 MiB
// spec that would be valid gives one problem and no spec, and loading it
// allocates far less than the file's 2 MiB.
func TestFileOverCapIsNotRead(t *testing.T) {
	const size = 2 << 20 // 2,097,152 bytes
	path := writeSpec(t, paddedSpec(size))
	var specs []Spec
	var problems []Problem
	alloc := allocated(func() { specs, problems = Load(path) })
	if len(specs) != 0 || len(problems) != 1 {
		t.Fatalf("Load = %d specs, %v; want no spec and one problem", len(specs), problems)
	}
	p := problems[0]
	if p.File != path || p.Line != 0 || !strings.Contains(p.Message, "is 2097152 bytes") || !strings.Contains(p.Message, "at most 1048576 bytes (1 MiB)") {
		t.Errorf("problem = %s; want %s naming the size 2097152 and the cap 1048576", p, path)
	}
	if alloc > 512<<10 {
		t.Errorf("loading allocated %d bytes; the file must not be read", alloc)
	}
}

// A file of exactly 1 MiB is read.
func TestFileAtCapIsRead(t *testing.T) {
	specs, problems := Load(writeSpec(t, paddedSpec(1<<20)))
	if len(problems) != 0 || len(specs) != 1 {
		t.Fatalf("Load = %d specs, %v; want the spec", len(specs), problems)
	}
}

// A path without a size, such as a device, is read only up to the cap.
func TestEndlessFileStopsAtCap(t *testing.T) {
	const endless = "/dev/zero"
	if _, err := os.Stat(endless); err != nil {
		t.Skipf("no %s: %v", endless, err)
	}
	specs, problems := Load(endless)
	if len(specs) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Message, "more than 1048576 bytes") {
		t.Fatalf("Load(%s) = %d specs, %v; want one problem about the cap", endless, len(specs), problems)
	}
}

// Parse applies the cap to data it is given too.
func TestParseOverCap(t *testing.T) {
	_, problems := Parse("big.yaml", paddedSpec(1<<20+1))
	if len(problems) != 1 || !strings.Contains(problems[0].Message, "is 1048577 bytes") {
		t.Fatalf("problems = %v; want one naming the size 1048577", problems)
	}
}

// 5,000 unknown keys in an otherwise valid spec are 5,000 problems, on
// lines 3 to 5002: the first 50 are listed (lines 3 to 52, keys k0000000 to
// k0000049) and a 51st says 5,000 - 50 = 4,950 more.
func TestProblemsCappedAt50PerFile(t *testing.T) {
	_, problems := Parse("keys.yaml", unknownKeysSpec(5000))
	if len(problems) != 51 {
		t.Fatalf("got %d problems, want 51", len(problems))
	}
	for i, p := range problems[:50] {
		field := fmt.Sprintf("k%07d", i)
		if p.Line != i+3 || p.Field != field || !strings.Contains(p.Message, "unknown field") {
			t.Errorf("problem %d = %s; want keys.yaml:%d: %s: unknown field", i, p, i+3, field)
		}
	}
	// k0000050, the first left out, is on line 53.
	last := Problem{File: "keys.yaml", Line: 53, Message: "... and 4950 more problems from this line on (only the first 50, by line, are listed)"}
	if problems[50] != last || last.Omitted() != 4950 {
		t.Errorf("last problem = %+v (omitted %d), want %+v", problems[50], problems[50].Omitted(), last)
	}
	if n := CountProblems(problems); n != 5000 {
		t.Errorf("CountProblems = %d, want 5000", n)
	}
}

// The 50 listed are the first by line, not the first found: slos: missing
// is found after the keys below it but is on line 1.
func TestProblemsCapKeepsLineOrder(t *testing.T) {
	data := bytes.Replace(unknownKeysSpec(5000), []byte("slos: ["+validSLO+"]\n"), nil, 1)
	_, problems := Parse("keys.yaml", data)
	if len(problems) != 51 {
		t.Fatalf("got %d problems, want 51", len(problems))
	}
	if p := problems[0]; p.Line != 1 || p.Field != "slos" {
		t.Errorf("first problem = %s, want keys.yaml:1: slos: missing", p)
	}
	// 5,000 keys plus slos: missing, 50 of them listed.
	if p := problems[49]; p.Line != 50 || p.Field != "k0000048" {
		t.Errorf("problem 49 = %s, want keys.yaml:50: k0000048", p)
	}
	if p := problems[50]; p.Line != 51 || p.Omitted() != 4951 || !strings.HasPrefix(p.Message, "... and 4951 more problems") {
		t.Errorf("last problem = %s, want keys.yaml:51: ... and 4951 more problems", p)
	}
}

// Load caps too, counting a problem it adds after parsing (a service
// defined twice) among the first 50.
func TestLoadCapsProblemsPerFile(t *testing.T) {
	dir := t.TempDir()
	keys, other := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	if err := os.WriteFile(keys, unknownKeysSpec(5000), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte("service: hostile\nslos: ["+validSLO+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, problems := Load(dir)
	// a.yaml: the clash on line 1, 49 keys, then 5,001 - 50 = 4,951 more;
	// b.yaml: its clash.
	if len(problems) != 52 {
		t.Fatalf("got %d problems, want 52: %v", len(problems), problems[:3])
	}
	if p := problems[0]; p.File != keys || p.Line != 1 || !strings.Contains(p.Message, "also defined in") {
		t.Errorf("first problem = %s, want the clash on a.yaml:1", p)
	}
	// Keys from line 3: 49 listed on lines 3 to 51, the rest from line 52.
	if p := problems[50]; p.File != keys || p.Line != 52 || p.Omitted() != 4951 {
		t.Errorf("problem 50 = %+v, want a.yaml:52: ... and 4951 more", p)
	}
	if p := problems[51]; p.File != other || p.Line != 1 {
		t.Errorf("problem 51 = %s, want the clash on b.yaml:1", p)
	}
	if n := CountProblems(problems); n != 5002 {
		t.Errorf("CountProblems = %d, want 5002", n)
	}
}

// Aliases may expand to 10,000 nodes and 1 MiB of text in all; past that,
// or into itself, an alias is one problem on its line and nothing is
// checked, using little memory.
func TestAliasExpansionCapped(t *testing.T) {
	text := strings.Repeat("x", 400_000)
	tests := []struct {
		name     string
		data     []byte
		line     int
		fragment string
	}{
		// l1 to l3 (lines 4 to 6) expand to 20 + 220 + 2,220 = 2,460
		// nodes; each *l3 on line 7 to 2,222 more, so the 4th passes
		// 10,000: 2,460 + 4 * 2,222 = 11,348.
		{"billion laughs", laughsSpec(9, 10), 7, "alias *l3: too many alias expansions"},
		// Each *s is the alias, the SLO's 15 nodes and 2 * 2,000 keys:
		// 4,016 nodes, so the 3rd passes 10,000 (12,048).
		{"an SLO of 2,000 keys listed 100 times", aliasedSLOSpec(2000, 100), 3, "alias *s: too many alias expansions"},
		{"alias inside its own value", []byte("service: hostile\nslos: [" + validSLO + "]\nloop: &loop [a, *loop]\n"), 3, "*loop is used inside the value it names"},
		// 3 * 400,000 bytes of text pass 1 MiB (1,048,576).
		{"400 KB of text listed 3 times", []byte("service: hostile\nslos: [" + validSLO + "]\nd: &d " + text + "\ne: [*d, *d, *d]\n"), 4, "alias *d: too many alias expansions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var problems []Problem
			alloc := allocated(func() { _, problems = Parse("bomb.yaml", tt.data) })
			if len(problems) != 1 || problems[0].Line != tt.line || !strings.Contains(problems[0].Message, tt.fragment) {
				t.Errorf("problems = %v (%d in all); want one on line %d: %s", problems[:min(len(problems), 3)], CountProblems(problems), tt.line, tt.fragment)
			}
			if alloc > 50<<20 {
				t.Errorf("parsing allocated %d MB, want under 50 MB", alloc>>20)
			}
		})
	}
}

// Anchors used as people use them, to share a window or a query, are fine.
func TestModestAliasesAreValid(t *testing.T) {
	spec := `service: anchors
slos:
  - name: availability
    target: 99.9%
    window: &window 30d
    sli:
      events:
        errors: &errors 'sum(rate(e[{{.window}}]))'
        total: &total 'sum(rate(t[{{.window}}]))'
  - name: availability strict
    target: 99.99%
    window: *window
    sli: {events: {errors: *errors, total: *total}}
`
	s, problems := Parse("anchors.yaml", []byte(spec))
	if len(problems) > 0 || len(s.SLOs) != 2 || s.SLOs[1].SLI.Events.Total != "sum(rate(t[{{.window}}]))" {
		t.Fatalf("Parse = %+v, %v; want two SLOs sharing the queries", s.SLOs, problems)
	}
}

// blockList is a spec whose slos (or, with thresholds, whose policy's
// thresholds) lists n items, one per line: the i-th (from 0) on line 3+i.
func blockList(n int, thresholds bool) []byte {
	var b strings.Builder
	b.WriteString("service: many\n")
	if thresholds {
		b.WriteString("slos: [" + validSLO + "]\npolicy:\n  thresholds:\n")
	} else {
		b.WriteString("slos:\n")
	}
	for i := range n {
		if thresholds {
			fmt.Fprintf(&b, "    - {consumed: %d%%, action: a%d}\n", i+1, i)
			continue
		}
		fmt.Fprintf(&b, "  - {name: s%03d, target: 99.9%%, window: 30d, sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}}\n", i)
	}
	return []byte(b.String())
}

// 100 SLOs and 20 thresholds are fine; one more is a problem on the first
// item over, naming the list.
func TestListCaps(t *testing.T) {
	tests := []struct {
		name       string
		data       []byte
		line       int // 0: valid
		field, msg string
	}{
		{"100 SLOs", blockList(100, false), 0, "", ""},
		// slos[100] is on line 3 + 100.
		{"101 SLOs", blockList(101, false), 103, "slos", "lists 101 SLOs, over the cap of 100; keep at most 100 (slos[100] on this line and those after it were not checked)"},
		{"20 thresholds", blockList(20, true), 0, "", ""},
		// thresholds[20] is on line 5 + 20.
		{"21 thresholds", blockList(21, true), 25, "policy.thresholds", "lists 21 thresholds, over the cap of 20; keep at most 20 (policy.thresholds[20] on this line and those after it were not checked)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := Parse("many.yaml", tt.data)
			switch {
			case tt.line == 0 && len(problems) > 0:
				t.Errorf("problems = %v, want none", problems)
			case tt.line > 0 && (len(problems) != 1 || problems[0] != Problem{File: "many.yaml", Line: tt.line, Field: tt.field, Message: tt.msg}):
				t.Errorf("problems = %v\nwant many.yaml:%d: %s: %s", problems, tt.line, tt.field, tt.msg)
			}
		})
	}
}

// A rolling window may be a year, leap day included: 366d, 8784h.
func TestWindowCap(t *testing.T) {
	for window, ok := range map[string]bool{
		"1y": true, "52w": true, "366d": true, "8784h": true, "52_weeks": true, "366_days": true,
		"367d": false, "8785h": false, "53w": false, "2y": false, "292y": false, "367_days": false,
	} {
		spec := "service: w\nslos: [" + strings.Replace(validSLO, "window: 30d", "window: "+window, 1) + "]\n"
		_, problems := Parse("window.yaml", []byte(spec))
		tooLong := len(problems) == 1 && problems[0].Field == "slos[0].window" && strings.Contains(problems[0].Message, "at most 366d")
		if ok && len(problems) > 0 || !ok && !tooLong {
			t.Errorf("window %s: problems %v; want valid %v", window, problems, ok)
		}
	}
}

// A problem quotes at most about 200 bytes of a value or key, start and
// end: slos[0]'s 100 KB name is quoted by each of the 99 SLOs whose names
// clash with it, and an unknown key of 100 KB names the field.
func TestProblemsQuoteLongValuesShortly(t *testing.T) {
	long := "a" + strings.Repeat("!", 100_000)
	var b strings.Builder
	// An explicit key (? key), as YAML limits implicit ones to 1024 bytes.
	b.WriteString("service: quotes\n? " + strings.Repeat("k", 100_000) + "\n: 1\nslos:\n")
	for i := range 100 {
		name := "a"
		if i == 0 {
			name = long
		}
		fmt.Fprintf(&b, "  - {name: '%s', target: 99.9%%, window: 30d, sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}}\n", name)
	}
	_, problems := Parse("quotes.yaml", []byte(b.String()))
	// The key, 99 clashes: 50 listed, 50 more.
	if len(problems) != 51 || CountProblems(problems) != 100 {
		t.Fatalf("got %d problems listed, %d in all; want 51 and 100", len(problems), CountProblems(problems))
	}
	if p := problems[0]; p.Line != 2 || !strings.HasPrefix(p.Field, "kkk") || !strings.Contains(p.Field, "…") || len(p.Field) > 210 {
		t.Errorf("problem 0 = %.300s; want the key shortened to about 200 bytes", p)
	}
	if p := problems[1]; p.Line != 6 || !strings.Contains(p.Message, `clashes with slos[0] "a!!!`) || !strings.Contains(p.Message, `!!!…!!!`) || !strings.Contains(p.Message, `!!!" (names must differ`) {
		t.Errorf("problem 1 = %.300s; want slos[0]'s name quoted short", p)
	}
	for _, p := range problems {
		if len(p.Field)+len(p.Message) > 1000 {
			t.Errorf("problem on line %d is %d bytes long", p.Line, len(p.Field)+len(p.Message))
		}
	}
}

// withLabels is a valid spec for service with n labels l00: v, l01: v, ...
// one per line from line 3, then extra lines of labels.
func withLabels(service string, n int, extra string) []byte {
	var b strings.Builder
	b.WriteString("service: " + service + "\n")
	if n > 0 || extra != "" {
		b.WriteString("labels:\n")
	}
	for i := range n {
		fmt.Fprintf(&b, "  l%02d: v\n", i)
	}
	b.WriteString(extra + "slos: [" + validSLO + "]\n")
	return []byte(b.String())
}

// Every generated rule repeats the service name and the labels, so they
// are capped: a name of 63 bytes, 20 labels, 128 bytes per label name and
// value.
func TestServiceNameAndLabelCaps(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name  string
		data  []byte
		line  int // 0: valid
		field string
		msg   string
	}{
		{"63-byte service", withLabels(long(63), 0, ""), 0, "", ""},
		{"64-byte service", withLabels(long(64), 0, ""), 1, "service", "is 64 bytes long; give at most 63"},
		{"20 labels", withLabels("many", 20, ""), 0, "", ""},
		// The 21st label, l20, is on line 3 + 20.
		{"21 labels", withLabels("many", 21, ""), 23, "labels", "has 21 labels, over the cap of 20"},
		{"128-byte value", withLabels("long", 0, "  team: "+long(128)+"\n"), 0, "", ""},
		{"129-byte value", withLabels("long", 0, "  team: "+long(129)+"\n"), 3, "labels.team", "value is 129 bytes long; give at most 128"},
		{"129-byte name", withLabels("long", 0, "  "+long(129)+": v\n"), 3, "labels." + long(129), "is 129 bytes long; give a label name of at most 128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := Parse("names.yaml", tt.data)
			switch {
			case tt.line == 0 && len(problems) > 0:
				t.Errorf("problems = %v, want none", problems)
			case tt.line > 0 && (len(problems) != 1 || problems[0].Line != tt.line || problems[0].Field != tt.field || !strings.Contains(problems[0].Message, tt.msg)):
				t.Errorf("problems = %v\nwant names.yaml:%d: %s: ...%s...", problems, tt.line, tt.field, tt.msg)
			}
		})
	}
}
