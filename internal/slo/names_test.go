package slo

import (
	"testing"
	"time"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"API Latency (p95)", "api-latency-p95"},
		{"availability", "availability"},
		{"  Job  Success--Rate  ", "job-success-rate"},
		{"p99.9 latency", "p99-9-latency"},
		{"Größe", "gr-e"},
		{"!!!", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Slugify(tt.in); got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWindowLabel(t *testing.T) {
	tests := []struct {
		o    SLO
		want string
	}{
		{SLO{Window: 30 * day}, "30d"},
		{SLO{Window: 7 * day}, "1w"},
		{SLO{Window: 28 * day}, "4w"},
		{SLO{Window: 90 * time.Minute}, "1h30m"},
		{SLO{Calendar: "month"}, "month"},
		{SLO{Calendar: "week"}, "week"},
	}
	for _, tt := range tests {
		if got := tt.o.WindowLabel(); got != tt.want {
			t.Errorf("WindowLabel(%v, %q) = %q, want %q", tt.o.Window, tt.o.Calendar, got, tt.want)
		}
	}
}

func TestServiceFromFile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"services/payment-api/slo.yaml", "payment-api"},
		{"slos/checkout.yaml", "checkout"},
		{"search.yml", "search"},
		{"slo.yaml", "."},
	}
	for _, tt := range tests {
		if got := serviceFromFile(tt.in); got != tt.want {
			t.Errorf("serviceFromFile(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
