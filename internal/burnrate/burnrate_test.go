package burnrate

import (
	"math"
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestWindows(t *testing.T) {
	type want struct {
		sev         Severity
		long, short time.Duration
		factor      float64
	}
	tests := []struct {
		name   string
		window time.Duration
		want   []want
	}{
		// The workbook table itself.
		{"30d", 30 * day, []want{
			{SeverityPage, time.Hour, 5 * time.Minute, 14.4},
			{SeverityPage, 6 * time.Hour, 30 * time.Minute, 6},
			{SeverityTicket, day, 2 * time.Hour, 3},
			{SeverityTicket, 3 * day, 6 * time.Hour, 1},
		}},
		// 28d: 0.02*672h/1h = 13.44; 0.05*672/6 = 5.6; 0.1*28 = 2.8; 0.1*28/3 = 0.933 -> 1.
		{"28d", 28 * day, []want{
			{SeverityPage, time.Hour, 5 * time.Minute, 13.44},
			{SeverityPage, 6 * time.Hour, 30 * time.Minute, 5.6},
			{SeverityTicket, day, 2 * time.Hour, 2.8},
			{SeverityTicket, 3 * day, 6 * time.Hour, 1},
		}},
		// 7d: 0.02*168 = 3.36; 0.05*168/6 = 1.4; 0.1*7 = 0.7 -> 1; 0.1*7/3 -> 1.
		{"7d", 7 * day, []want{
			{SeverityPage, time.Hour, 5 * time.Minute, 3.36},
			{SeverityPage, 6 * time.Hour, 30 * time.Minute, 1.4},
			{SeverityTicket, day, 2 * time.Hour, 1},
			{SeverityTicket, 3 * day, 6 * time.Hour, 1},
		}},
		// 1d: the 1d and 3d long windows are not shorter than the SLO window.
		{"1d", day, []want{
			{SeverityPage, time.Hour, 5 * time.Minute, 1},
			{SeverityPage, 6 * time.Hour, 30 * time.Minute, 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Windows(tt.window)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d windows, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Severity != w.sev || g.Long != w.long || g.Short != w.short || math.Abs(g.Factor-w.factor) > 1e-9 {
					t.Errorf("window %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestDurationsAndLabels(t *testing.T) {
	ds := Durations(Windows(30 * day))
	want := []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"}
	if len(ds) != len(want) {
		t.Fatalf("durations %v", ds)
	}
	for i, d := range ds {
		if Label(d) != want[i] {
			t.Errorf("label %d = %s, want %s", i, Label(d), want[i])
		}
	}
}

func TestEvaluate(t *testing.T) {
	ws := Windows(30 * day)[:1] // page 14.4x over 1h and 5m
	tests := []struct {
		name       string
		burns      map[time.Duration]float64
		wantFiring bool
		wantNoData bool
	}{
		{"both above", map[time.Duration]float64{time.Hour: 20, 5 * time.Minute: 15}, true, false},
		{"long only", map[time.Duration]float64{time.Hour: 20, 5 * time.Minute: 2}, false, false},
		{"short only (recovering spike)", map[time.Duration]float64{time.Hour: 3, 5 * time.Minute: 50}, false, false},
		{"exactly at factor", map[time.Duration]float64{time.Hour: 14.4, 5 * time.Minute: 14.4}, false, false},
		{"short window idle", map[time.Duration]float64{time.Hour: 20}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Evaluate(ws, tt.burns)[0]
			if c.Firing != tt.wantFiring || c.NoData != tt.wantNoData {
				t.Errorf("firing/nodata = %v/%v, want %v/%v", c.Firing, c.NoData, tt.wantFiring, tt.wantNoData)
			}
		})
	}
}
