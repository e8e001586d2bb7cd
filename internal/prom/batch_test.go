package prom

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

func TestChunks(t *testing.T) {
	short := make([]string, 250)
	for i := range short {
		short[i] = "sum(rate(x[5m]))"
	}
	// 10,000 bytes: three fit in 32,768 with the wrapping, four do not.
	long := make([]string, 7)
	for i := range long {
		long[i] = strings.Repeat("x", 10000)
	}
	huge := []string{"a", strings.Repeat("y", 40000), "b"}
	for _, tt := range []struct {
		name    string
		queries []string
		want    []chunk
	}{
		{"none", nil, nil},
		{"one", short[:1], []chunk{{0, 1}}},
		{"exactly 100", short[:100], []chunk{{0, 100}}},
		{"250 short ones by count", short, []chunk{{0, 100}, {100, 200}, {200, 250}}},
		{"long ones by size", long, []chunk{{0, 3}, {3, 6}, {6, 7}}},
		{"one longer than the bound alone", huge, []chunk{{0, 1}, {1, 2}, {2, 3}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := chunks(tt.queries)
			if len(got) != len(tt.want) {
				t.Fatalf("chunks = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("chunks = %v, want %v", got, tt.want)
				}
				c := got[i]
				legs, _ := withProbe(tt.queries[c.lo:c.hi])
				if n := len(union(legs)); c.hi-c.lo > 1 && n > maxChunkBytes {
					t.Errorf("chunk %v: union of %d bytes, over %d", c, n, maxChunkBytes)
				}
			}
		})
	}
}

func TestUnion(t *testing.T) {
	got := union([]string{"sum(a) # why", "1"})
	want := `label_replace((sum(a) # why` + "\n" + `), "__slo_batch__", "0", "", "") or label_replace((1` + "\n" + `), "__slo_batch__", "1", "", "")`
	if got != want {
		t.Errorf("union =\n%s\nwant\n%s", got, want)
	}
}

func TestSplit(t *testing.T) {
	t0 := model.TimeFromUnix(1700000000)
	stream := func(batch string, extra string, values ...float64) *model.SampleStream {
		ss := &model.SampleStream{Metric: model.Metric{batchLabel: model.LabelValue(batch)}}
		if extra != "" {
			ss.Metric["code"] = model.LabelValue(extra)
		}
		for i, v := range values {
			ss.Values = append(ss.Values, model.SamplePair{Timestamp: t0.Add(time.Duration(i) * 5 * time.Minute), Value: model.SampleValue(v)})
		}
		return ss
	}
	hist := stream("5", "")
	hist.Histograms = []model.SampleHistogramPair{{Timestamp: t0, Histogram: &model.SampleHistogram{Count: 1}}}
	qs := []string{"q0", "q1", "q2", "q3", "q4", "q5", "q6"}
	// Out of order, as Prometheus sorts by labels, not by query.
	m := model.Matrix{
		stream("3", "", 1, math.NaN()),
		stream("1", "", 0.5, 0.25),
		stream("2", "500", 1),
		stream("0", "", 7),
		stream("2", "404", 2),
		hist,
		stream("6", "", 3, math.Inf(-1)),
	}
	out := make([]Series, len(qs))
	if err := split(m, qs, out); err != nil {
		t.Fatal(err)
	}
	wantPoints := func(i int, values ...float64) {
		t.Helper()
		if out[i].Err != nil {
			t.Fatalf("q%d: %v", i, out[i].Err)
		}
		if len(out[i].Points) != len(values) {
			t.Fatalf("q%d: %v, want values %v", i, out[i].Points, values)
		}
		for k, p := range out[i].Points {
			if want := t0.Add(time.Duration(k) * 5 * time.Minute).Time(); !p.At.Equal(want) || p.Value != values[k] {
				t.Errorf("q%d point %d = %v, want %v at %s", i, k, p, values[k], want)
			}
		}
	}
	wantErr := func(i int, text string) {
		t.Helper()
		if err := out[i].Err; !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), text) || !strings.Contains(err.Error(), qs[i]) {
			t.Errorf("q%d: err = %v, want ErrBadQuery naming the query and saying %q", i, err, text)
		}
	}
	wantPoints(0, 7)
	wantPoints(1, 0.5, 0.25)
	wantErr(2, "2 series returned")
	wantErr(3, "NaN at 2023-11-14T22:18:20Z")
	wantPoints(4) // matched nothing
	wantErr(5, "native histogram")
	wantErr(6, "-Inf at 2023-11-14T22:18:20Z")

	// The probe's series (label 7, after the 7 queries) is no query's.
	if err := split(append(m, stream("7", "", 1)), qs, out); err != nil {
		t.Fatalf("with the probe's series: %v", err)
	}
	wantPoints(0, 7)
	wantPoints(4)
	for _, bad := range []string{"", "8", "-1", "x"} {
		if err := split(model.Matrix{stream(bad, "", 1)}, qs, out); err == nil {
			t.Errorf("series labelled %q: no error", bad)
		}
	}
	if err := split(model.Vector{}, qs, out); err == nil {
		t.Error("a vector split without error")
	}
}

func TestRangeOf(t *testing.T) {
	at := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name       string
		start, end time.Time
		step       time.Duration
		wantStep   time.Duration
		wantErr    string
	}{
		{"a day of 5m", at.Add(-24 * time.Hour), at, 5 * time.Minute, 5 * time.Minute, ""},
		{"one instant needs no step", at, at, 0, time.Second, ""},
		{"end before start", at, at.Add(-time.Second), time.Minute, 0, "before start"},
		{"no step", at.Add(-time.Hour), at, 0, 0, "must be positive"},
		// Prometheus' own check: (end-start)/step > 11000.
		{"11,000 steps", at.Add(-11000 * time.Minute), at, time.Minute, time.Minute, ""},
		{"11,001 steps", at.Add(-11001 * time.Minute), at, time.Minute, 0, "11000 points"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := rangeOf(tt.start, tt.end, tt.step)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !r.Start.Equal(tt.start) || !r.End.Equal(tt.end) || r.Step != tt.wantStep {
				t.Errorf("rangeOf = %+v, %v; want step %s", r, err, tt.wantStep)
			}
		})
	}
}

func TestParseRetention(t *testing.T) {
	for _, tt := range []struct {
		in     string
		want   time.Duration
		wantOK bool
		bad    bool
	}{
		{in: "15d", want: 15 * 24 * time.Hour, wantOK: true},
		{in: "400d", want: 400 * 24 * time.Hour, wantOK: true},
		{in: "1y35d", want: 400 * 24 * time.Hour, wantOK: true},
		{in: "15d or 512MiB", want: 15 * 24 * time.Hour, wantOK: true},
		{in: "2w or 1GiB or 80%", want: 14 * 24 * time.Hour, wantOK: true},
		{in: "512MiB"},
		{in: "80%"},
		{in: "0s"},
		{in: ""},
		{in: "forever", bad: true},
	} {
		d, ok, err := parseRetention(tt.in)
		if (err != nil) != tt.bad || d != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetention(%q) = %v, %v, %v; want %v, %v, error %v", tt.in, d, ok, err, tt.want, tt.wantOK, tt.bad)
		}
	}
}

// TestStepAnsweredAt: the one step of a range whose start is its end is
// held to the instant asked for, like an instant query's answer.
func TestStepAnsweredAt(t *testing.T) {
	at := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	answer := func(off time.Duration) model.Matrix {
		return model.Matrix{{Values: []model.SamplePair{{Timestamp: model.TimeFromUnixNano(at.Add(off).UnixNano()), Value: 1}}}}
	}
	for _, tt := range []struct {
		off     time.Duration
		wantErr error
	}{{0, nil}, {-30 * time.Second, nil}, {-time.Hour, ErrWrongTime}, {2 * time.Minute, ErrWrongTime}} {
		e := evaluation{q: "sum(up)", rng: &v1.Range{Start: at, End: at, Step: time.Second}}
		if err := e.check(answer(tt.off)); !errors.Is(err, tt.wantErr) {
			t.Errorf("answer %s off: err = %v, want %v", tt.off, err, tt.wantErr)
		}
	}
	// Over several steps the points lie anywhere in the range.
	e := evaluation{q: "sum(up)", rng: &v1.Range{Start: at.Add(-time.Hour), End: at, Step: time.Minute}}
	if err := e.check(answer(-time.Hour)); err != nil {
		t.Errorf("range of several steps: %v", err)
	}
}

// Five legs nest as a balanced tree: each "or" copies its left side at
// every step, so a chain would cost O(n²).
func TestUnionIsBalanced(t *testing.T) {
	got := union([]string{"a", "b", "c", "d", "e"})
	w := func(q string, i int) string {
		return "label_replace((" + q + "\n), \"__slo_batch__\", \"" + strconv.Itoa(i) + "\", \"\", \"\")"
	}
	want := "(" + w("a", 0) + " or " + w("b", 1) + ") or (" + w("c", 2) + " or (" + w("d", 3) + " or " + w("e", 4) + "))"
	if got != want {
		t.Errorf("union =\n%s\nwant\n%s", got, want)
	}
}
