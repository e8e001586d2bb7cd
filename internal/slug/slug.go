// Package slug makes the stable identifiers of SLOs from display names,
// shared by the slo loader and the converters of other tools' specs.
package slug

import "strings"

// Make turns a display name into a stable identifier for URLs, labels
// and the store: lowercase runs of [a-z0-9] joined by '-', so
// "API Latency (p95)" becomes "api-latency-p95".
func Make(name string) string {
	var b strings.Builder
	pending := false // a separator is owed before the next run
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if pending && b.Len() > 0 {
				b.WriteByte('-')
			}
			pending = false
			b.WriteRune(r)
			continue
		}
		pending = true
	}
	return b.String()
}
