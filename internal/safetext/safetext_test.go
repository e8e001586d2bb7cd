package safetext

import (
	"strings"
	"testing"
)

func TestCheckAndEscape(t *testing.T) {
	for _, tc := range []struct {
		in, escaped, err string
	}{
		{in: "alice", escaped: "alice"},
		{in: "Zoë 日本 👩‍💻 \ufffd", escaped: "Zoë 日本 👩‍💻 \ufffd"},
		{in: "a\x1b[2Kb", escaped: `a\u001B[2Kb`, err: "contains U+001B at byte 1"},
		{in: "ok\rALLOW", escaped: `ok\u000DALLOW`, err: "U+000D"},
		{in: "nul\x00", escaped: `nul\u0000`, err: "U+0000"},
		{in: "tab\t", escaped: `tab\u0009`, err: "U+0009"},
		{in: "line\nfeed", escaped: `line\u000Afeed`, err: "U+000A"},
		{in: "del\x7f", escaped: `del\u007F`, err: "U+007F"},
		{in: "c1\u009b31m", escaped: `c1\u009B31m`, err: "U+009B"},
		{in: "bob\u202eevil", escaped: `bob\u202Eevil`, err: "U+202E"},
		{in: "\u202a\u2066\u2069", escaped: `\u202A\u2066\u2069`, err: "U+202A at byte 0"},
		{in: "bad\xffutf8", escaped: `bad\xffutf8`, err: "not valid UTF-8"},
	} {
		err := Check(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Check(%q) = %v, want %q", tc.in, err, tc.err)
		}
		if got := Escape(tc.in); got != tc.escaped {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.escaped)
		}
	}
}
