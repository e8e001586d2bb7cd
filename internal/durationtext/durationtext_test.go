package durationtext

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

// Case is one line of testdata/durations.json, which the dashboard's
// duration() must pass too (test/e2e/dashboard).
type Case struct {
	Seconds float64 `json:"seconds"`
	Text    string  `json:"text"`
	Why     string  `json:"why"`
}

func TestFormat(t *testing.T) {
	b, err := os.ReadFile("testdata/durations.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []Case
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("only %d cases read", len(cases))
	}
	for _, c := range cases {
		d := time.Duration(c.Seconds * float64(time.Second))
		if got := Format(d); got != c.Text {
			t.Errorf("Format(%v) = %q, want %q (%s)", d, got, c.Text, c.Why)
		}
	}
}
