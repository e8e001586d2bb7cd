package version

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc123"},
			{Key: "vcs.time", Value: "2026-11-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
	}{
		{"stamped by the Makefile", "v1.4.0", "def456", "2026-11-30T06:00:00Z", bi,
			Info{"v1.4.0", "def456", "2026-11-30T06:00:00Z", "go1.26.8"}},
		{"plain go build in a modified checkout", "", "", "", bi,
			Info{"dev", "abc123-dirty", "2026-11-01T10:00:00Z", "go1.26.8"}},
		{"go install module@version", "", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.3.2"}},
			Info{"v1.3.2", "unknown", "unknown", "go1.26.8"}},
		{"no build info", "", "", "", nil, Info{"dev", "unknown", "unknown", "unknown"}},
	}
	for _, tt := range tests {
		if got := resolve(tt.version, tt.commit, tt.date, tt.bi); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestMajorAndSkew(t *testing.T) {
	for v, want := range map[string]int{"v1.2.3": 1, "2.0": 2, "v10.0.0-rc.1": 10, "3": 3, "v0.9.1+meta": 0} {
		if got, ok := Major(v); !ok || got != want {
			t.Errorf("Major(%q) = %d, %v; want %d", v, got, ok, want)
		}
	}
	for _, v := range []string{"dev", "", "v", "vx.1", "1a.2", "unknown"} {
		if _, ok := Major(v); ok {
			t.Errorf("Major(%q) found a major version", v)
		}
	}
	skew := []struct {
		a, b string
		want bool
	}{
		{"v1.2.0", "v1.9.3", false},
		{"v1.2.0", "v2.0.0", true},
		{"v2.0.0", "dev", false},
		{"dev", "dev", false},
	}
	for _, s := range skew {
		if got := Skewed(s.a, s.b); got != s.want {
			t.Errorf("Skewed(%q, %q) = %v, want %v", s.a, s.b, got, s.want)
		}
	}
}
