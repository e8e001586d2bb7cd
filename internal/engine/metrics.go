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
	pendingWrites prometheus.Gauge
	deadLetters   prometheus.Counter
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
		pendingWrites: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slod_store_pending_writes",
			Help: "Evaluations waiting to be written to the store after a failed write.",
		}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slod_store_dead_letters_total",
			Help: "Evaluations the store never took, written to the dead-letter file instead.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.cycleDuration, m.evalErrors, m.lastSuccess, m.pendingWrites, m.deadLetters)
	}
	return m
}
