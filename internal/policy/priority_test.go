package policy

import (
	"testing"

	"github.com/slo-dev/slo/internal/slo"
)

func TestParsePriority(t *testing.T) {
	tests := []struct {
		in      string
		want    slo.Priority
		wantErr string
	}{
		{"", slo.PriorityNormal, ""},
		{"normal", slo.PriorityNormal, ""},
		{"critical", slo.PriorityCritical, ""},
		{"rollback", slo.PriorityRollback, ""},
		{" Critical ", slo.PriorityCritical, ""},
		{"p0", "", `unknown priority "p0": valid values are normal, critical, rollback`},
		{"roll back", "", `unknown priority "roll back": valid values are normal, critical, rollback`},
	}
	for _, tt := range tests {
		got, err := ParsePriority(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParsePriority(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePriority(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
