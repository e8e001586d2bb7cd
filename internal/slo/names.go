package slo

import (
	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/slug"
)

// Slugify turns a display name into a stable identifier for URLs, labels
// and the store: lowercase runs of [a-z0-9] joined by '-', so
// "API Latency (p95)" becomes "api-latency-p95".
func Slugify(name string) string { return slug.Make(name) }

// WindowLabel names the SLO window: "30d" for a rolling window (in
// Prometheus duration format) or "month"/"week" for a calendar one.
func (o SLO) WindowLabel() string {
	if o.Calendar != "" {
		return string(o.Calendar)
	}
	return model.Duration(o.Window).String()
}
