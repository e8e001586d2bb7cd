// Package version says which build of slod and sloctl is running: the
// version, commit and build date `make build` stamps in with -ldflags, or,
// for a plain `go build` or `go install`, what the Go toolchain recorded
// in the binary (debug.ReadBuildInfo).
package version

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

// Set by the Makefile:
//
//	-X github.com/slo-dev/slo/internal/version.version=v1.2.3
//	-X github.com/slo-dev/slo/internal/version.commit=<git sha>
//	-X github.com/slo-dev/slo/internal/version.date=<RFC 3339 UTC>
var version, commit, date string

// Header carries slod's version on every answer, so sloctl can warn when
// the two have drifted apart.
const Header = "X-Slod-Version"

// unknown stands for what neither -ldflags nor the toolchain recorded.
const unknown = "unknown"

// Info describes one build.
type Info struct {
	Version, Commit, Date, Go string
}

// Get is this binary's build.
var Get = sync.OnceValue(func() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, date, bi)
})

// resolve prefers the stamped values and falls back to the build info
// (nil when the binary has none) for each one missing.
func resolve(version, commit, date string, bi *debug.BuildInfo) Info {
	i := Info{Version: version, Commit: commit, Date: date, Go: unknown}
	if bi != nil {
		i.Go = bi.GoVersion
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version // go install module@v1.2.3
		}
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if i.Commit == "" {
					i.Commit = s.Value
				}
			case "vcs.time":
				if i.Date == "" {
					i.Date = s.Value // the commit's time: the best date there is
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && commit == "" && i.Commit != "" {
			i.Commit += "-dirty"
		}
	}
	if i.Version == "" {
		i.Version = "dev"
	}
	if i.Commit == "" {
		i.Commit = unknown
	}
	if i.Date == "" {
		i.Date = unknown
	}
	return i
}

// String is the one-line form `slod --version` and `sloctl version` print
// after the program's name.
func (i Info) String() string {
	return fmt.Sprintf("%s (commit %s, built %s, %s)", i.Version, i.Commit, i.Date, i.Go)
}

// UserAgent is program's User-Agent: "sloctl/v1.2.3".
func UserAgent(program string) string { return program + "/" + Get().Version }

// Major is the major version of v ("v1.2.3", "1.2", "v2.0.0-rc.1" and the
// like); ok is false for a version without one, such as "dev".
func Major(v string) (major int, ok bool) {
	v = strings.TrimPrefix(v, "v")
	end := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if end == 0 || (end > 0 && v[end] != '.' && v[end] != '-' && v[end] != '+') {
		return 0, false
	}
	if end < 0 {
		end = len(v)
	}
	n, err := strconv.Atoi(v[:end])
	return n, err == nil
}

// Skewed reports whether two versions have different major versions; a
// version without one (a development build) is never called skewed.
func Skewed(a, b string) bool {
	ma, oka := Major(a)
	mb, okb := Major(b)
	return oka && okb && ma != mb
}
