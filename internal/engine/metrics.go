package engine

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the engine's own health figures. Names are a contract: the
// generated meta-alerts (internal/rules) read them.
type metrics struct {
	cycleDuration prometheus.Histogram
	evalErrors    *prometheus.CounterVec
	lastSuccess   *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		cycleDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slod_evaluation_duration_seconds",
			Help:    "Time taken by one evaluation cycle over all services.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}),
		evalErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slod_evaluation_errors_total",
			Help: "Service evaluations in which at least one SLO could not be measured.",
		}, []string{"service"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slod_evaluation_last_success_timestamp_seconds",
			Help: "Unix time of the last evaluation in which every SLO of the service was measured.",
		}, []string{"service"}),
	}
	if reg != nil {
		reg.MustRegister(m.cycleDuration, m.evalErrors, m.lastSuccess)
	}
	return m
}
