package slo

import "time"

// Caps on one spec file. A spec is written by hand and real ones are far
// below them; they keep a hostile or broken file from costing slod and
// sloctl unbounded memory, time, log lines and API bytes. README.md
// ("Limits") lists them.
const (
	// maxFileBytes is the largest spec file read: 1 MiB.
	maxFileBytes = 1 << 20
	// maxProblems is how many problems are listed per file; one more
	// problem counts the rest.
	maxProblems = 50
	// maxAliasNodes and maxAliasBytes bound what the aliases (*name) of a
	// file expand to, all together: nodes, and bytes of scalar text. Each
	// alias counts itself and everything its value holds, nested aliases
	// expanded. The bytes bound keeps text reached through aliases to one
	// more file's worth.
	maxAliasNodes = 10_000
	maxAliasBytes = 1 << 20
	// maxSLOs is how many SLOs one spec may list; maxThresholds how many
	// thresholds its policy may have. Items past the cap are not checked.
	maxSLOs       = 100
	maxThresholds = 20
	// maxWindow is the longest rolling window: a year, leap day included,
	// so 1y (365d), 52w and 366d are all accepted.
	maxWindow = 366 * 24 * time.Hour
	// maxServiceName, maxLabels and maxLabelBytes bound what every rule
	// generated for a spec repeats: its service name (a DNS label's
	// length) and its labels, names and values.
	maxServiceName = 63
	maxLabels      = 20
	maxLabelBytes  = 128
	// maxQuoted is how much of a value, key or error a problem quotes:
	// enough to recognise it, while a megabyte-long name, quoted in a
	// problem for every SLO that clashes with it, stays out of log lines
	// and API answers.
	maxQuoted = 200
)
