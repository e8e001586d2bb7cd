package slo

import (
	"strings"

	"github.com/prometheus/common/model"
)

// Slugify turns a display name into a stable identifier for URLs, labels
// and the store: lowercase runs of [a-z0-9] joined by '-', so
// "API Latency (p95)" becomes "api-latency-p95".
func Slugify(name string) string {
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

// WindowLabel names the SLO window: "30d" for a rolling window (in
// Prometheus duration format) or "month"/"week" for a calendar one.
func (o SLO) WindowLabel() string {
	if o.Calendar != "" {
		return string(o.Calendar)
	}
	return model.Duration(o.Window).String()
}
