package slo

import "testing"

func TestParsePriority(t *testing.T) {
	tests := []struct {
		in      string
		want    Priority
		wantErr string
	}{
		{"", PriorityNormal, ""},
		{"normal", PriorityNormal, ""},
		{"critical", PriorityCritical, ""},
		{"rollback", PriorityRollback, ""},
		{" Critical ", PriorityCritical, ""},
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
