package slo

import (
	"testing"
	"time"
)

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"99.9%", 0.999, false},
		{"99.9", 0.999, false},
		{" 99.95 % ", 0.9995, false},
		{"95", 0.95, false},
		{"100%", 1, false},
		{"1e2", 1, false},
		{"-5", -0.05, false},
		{"0", 0, false},
		{"abc", 0, true},
		{"", 0, true},
		{"%", 0, true},
		{"NaN", 0, true},
		{"inf%", 0, true},
		{"99,9%", 0, true},
	}
	for _, tt := range tests {
		got, err := parsePercent(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parsePercent(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		// Exact: 99.9% must be the float literal 0.999, not 0.9990000000000001.
		if got != tt.want {
			t.Errorf("parsePercent(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseWindow(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"30d", 30 * day, false},
		{"4w", 28 * day, false},
		{"1h30m", 90 * time.Minute, false},
		{"30_days", 30 * day, false},
		{"1_day", day, false},
		{"7_days", 7 * day, false},
		{"2_weeks", 14 * day, false},
		{"12_hours", 12 * time.Hour, false},
		{"30x", 0, true},
		{"30", 0, true},
		{"", 0, true},
		{"1.5d", 0, true},
		{"30_months", 0, true},
		{"-30d", 0, true},
		{"9999999999999999999_days", 0, true},
		{"200000000_weeks", 0, true},
	}
	for _, tt := range tests {
		got, err := parseWindow(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseWindow(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("parseWindow(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
