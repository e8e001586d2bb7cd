package app

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/metricnames"
	"github.com/slo-dev/slo/internal/version"
)

// buildInfo is slod_build_info: always 1, labelled with this build, so a
// dashboard or alert can tell which slod runs where.
func buildInfo() prometheus.Collector {
	v := version.Get()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: metricnames.BuildInfo,
		Help: "Always 1; the labels say which build of slod is running.",
		ConstLabels: prometheus.Labels{
			"version": v.Version, "commit": v.Commit, "date": v.Date, "goversion": v.Go,
		},
	})
	g.Set(1)
	return g
}

// withVersion puts slod's version on every answer, errors included, so
// sloctl can warn about a major version other than its own.
func withVersion(next http.Handler) http.Handler {
	v := version.Get().Version
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(version.Header, v)
		next.ServeHTTP(w, r)
	})
}
