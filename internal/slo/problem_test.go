package slo

import (
	"encoding/json"
	"testing"
)

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

func TestProblemJSON(t *testing.T) {
	b, err := json.Marshal(Problem{File: "a.yaml", Line: 3, Field: "service", Message: "m"})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"file":"a.yaml","line":3,"field":"service","message":"m"}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}
