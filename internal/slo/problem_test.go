package slo

import "testing"

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "slos/a.yaml", Line: 3, Field: "slos[1].target", Message: "too high"}, "slos/a.yaml:3: slos[1].target: too high"},
		{Problem{File: "a.yaml", Line: 2, Message: "invalid YAML: x"}, "a.yaml:2: invalid YAML: x"},
		{Problem{File: "a.yaml", Message: "file is empty"}, "a.yaml: file is empty"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
