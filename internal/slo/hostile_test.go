package slo

import (
	"fmt"
	"strings"
)

// Hostile spec files for the caps' tests and BenchmarkHostileSpecs, made
// here so that no multi-megabyte file is committed.

// validSLO is one valid SLO in YAML flow style.
const validSLO = `{name: availability, target: 99.9%, window: 30d, sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}}`

// unknownKeysSpec is a valid spec followed by n unknown top-level keys,
// one per line from line 3: k0000000: 1, k0000001: 1, ... Each key line is
// 12 bytes.
func unknownKeysSpec(n int) []byte {
	var b strings.Builder
	b.WriteString("service: hostile\nslos: [" + validSLO + "]\n")
	for i := range n {
		fmt.Fprintf(&b, "k%07d: 1\n", i)
	}
	return []byte(b.String())
}

// aliasRefsSpec anchors one valid SLO and lists it n times by alias:
// slos: [*s, *s, ...]. Every alias makes the checker read the SLO again.
func aliasRefsSpec(n int) []byte {
	var b strings.Builder
	b.WriteString("service: hostile\ns: &s " + validSLO + "\nslos: [*s")
	for range n - 1 {
		b.WriteString(", *s")
	}
	b.WriteString("]\n")
	return []byte(b.String())
}

// paddedSpec is a valid spec of exactly size bytes: service and one SLO,
// then comment lines.
func paddedSpec(size int) []byte {
	b := []byte("service: padded\nslos: [" + validSLO + "]\n")
	for len(b) < size {
		line := []byte("# padding padding padding padding padding padding padding padding\n")
		if rest := size - len(b); rest < len(line) {
			line = append(line[:rest-1], '\n')
		}
		b = append(b, line...)
	}
	return b
}

// laughsSpec is the billion laughs: l0 is a string, and each of levels
// more anchors lists the one before width times, so l<levels> expands to
// width^levels strings.
func laughsSpec(levels, width int) []byte {
	var b strings.Builder
	b.WriteString("service: hostile\nslos: [" + validSLO + "]\nl0: &l0 lol\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [*l%d", i, i, i-1)
		for range width - 1 {
			fmt.Fprintf(&b, ", *l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return []byte(b.String())
}

// aliasedSLOSpec anchors an SLO with keys unknown fields and lists it refs
// times by alias: every alias makes the checker report every key again.
func aliasedSLOSpec(keys, refs int) []byte {
	var b strings.Builder
	b.WriteString("service: hostile\ns: &s {name: availability, target: 99.9%, window: 30d, sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}")
	for i := range keys {
		fmt.Fprintf(&b, ", u%05d: 1", i)
	}
	b.WriteString("}\nslos: [*s")
	for range refs - 1 {
		b.WriteString(", *s")
	}
	b.WriteString("]\n")
	return []byte(b.String())
}
