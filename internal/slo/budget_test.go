package slo

import (
	"math"
	"testing"
	"time"
)

const day = 24 * time.Hour

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// The seed's worked example: 10,000,000 requests, 15,000 failed at 99.9%.
func TestComputeBudgetSeedExample(t *testing.T) {
	b := ComputeBudget(0.999, 30*day, Counts{Errors: 15000, Total: 10_000_000}, 100)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"consumed", b.Consumed, 1.5},
		{"remaining", b.Remaining, -0.5},
		{"allowed_events", b.AllowedEvents, 10000},
		{"remaining_events", b.RemainingEvents, -5000},
		{"sli", b.SLI, 0.9985},
		{"allowed_minutes", b.AllowedMinutes, 43.2},
		{"remaining_minutes", b.RemainingMinutes, -21.6},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if b.Status != StatusExhausted {
		t.Errorf("status = %q, want exhausted", b.Status)
	}
}

func TestComputeBudgetCases(t *testing.T) {
	tests := []struct {
		name          string
		target        float64
		window        time.Duration
		counts        Counts
		minEvents     float64
		wantStatus    BudgetStatus
		wantConsumed  float64
		wantRemaining float64
		wantMinutes   float64 // remaining minutes
	}{
		// 99% over 7d: budget 1%, 10080 min * 0.01 = 100.8 min; 50 of 10000 = 0.5% -> half used.
		{"half used", 0.99, 7 * day, Counts{Errors: 50, Total: 10000}, 100, StatusOK, 0.5, 0.5, 50.4},
		{"exactly used", 0.99, 7 * day, Counts{Errors: 100, Total: 10000}, 100, StatusExhausted, 1, 0, 0},
		{"clean", 0.999, 30 * day, Counts{Errors: 0, Total: 5000}, 100, StatusOK, 0, 1, 43.2},
		{"zero traffic", 0.999, 30 * day, Counts{}, 100, StatusNoData, 0, 1, 43.2},
		{"below min events", 0.999, 30 * day, Counts{Errors: 5, Total: 99}, 100, StatusNoData, 0, 1, 43.2},
		{"NaN counts", 0.999, 30 * day, Counts{Errors: math.NaN(), Total: math.NaN()}, 0, StatusNoData, 0, 1, 43.2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ComputeBudget(tt.target, tt.window, tt.counts, tt.minEvents)
			if b.Status != tt.wantStatus {
				t.Errorf("status = %q, want %q", b.Status, tt.wantStatus)
			}
			if !near(b.Consumed, tt.wantConsumed) || !near(b.Remaining, tt.wantRemaining) || !near(b.RemainingMinutes, tt.wantMinutes) {
				t.Errorf("consumed/remaining/minutes = %v/%v/%v, want %v/%v/%v",
					b.Consumed, b.Remaining, b.RemainingMinutes, tt.wantConsumed, tt.wantRemaining, tt.wantMinutes)
			}
			for _, v := range []float64{b.SLI, b.ErrorRatio, b.Consumed, b.Remaining, b.AllowedEvents, b.RemainingEvents, b.RemainingMinutes} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite field in %+v", b)
				}
			}
		})
	}
}

func TestBurnRate(t *testing.T) {
	// 0.5% errors against a 0.1% budget burns 5x.
	if r, ok := BurnRate(0.999, Counts{Errors: 5, Total: 1000}); !ok || !near(r, 5) {
		t.Errorf("BurnRate = %v,%v want 5,true", r, ok)
	}
	if _, ok := BurnRate(0.999, Counts{}); ok {
		t.Error("BurnRate with no traffic reported ok")
	}
}

func TestTimeToExhaustion(t *testing.T) {
	// Half of a 30d budget left, burning 2x: 0.5*30d/2 = 7.5d.
	if d, ok := TimeToExhaustion(0.5, 30*day, 2); !ok || d != 7*day+12*time.Hour {
		t.Errorf("got %v,%v want 180h,true", d, ok)
	}
	if _, ok := TimeToExhaustion(0.5, 30*day, 0); ok {
		t.Error("zero burn should never exhaust")
	}
	if d, ok := TimeToExhaustion(-0.2, 30*day, 3); !ok || d != 0 {
		t.Errorf("overspent budget: got %v,%v want 0,true", d, ok)
	}
}

func TestCalendarBounds(t *testing.T) {
	now := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC) // a Friday
	s, e := CalendarBounds(now, "month", nil)
	if !s.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !e.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("month bounds %v..%v", s, e)
	}
	s, e = CalendarBounds(now, "week", nil)
	if !s.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) || e.Sub(s) != 7*day {
		t.Errorf("week bounds %v..%v", s, e)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	// 23:30 UTC on Nov 30 is already Dec 1 in Berlin.
	s, _ = CalendarBounds(time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), "month", berlin)
	if s.Month() != time.December {
		t.Errorf("Berlin month start %v, want December", s)
	}
	o := SLO{Calendar: "month"}
	elapsed, full := o.Period(now)
	if elapsed != 26*day+18*time.Hour || full != 30*day {
		t.Errorf("Period = %v,%v", elapsed, full)
	}
}
