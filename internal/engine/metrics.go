package engine

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/metricnames"
)

// metrics are the engine's own health figures. Their names are a contract
// with the generated meta-alerts (see internal/metricnames).
type metrics struct {
	cycleDuration prometheus.Histogram
	evalErrors    *prometheus.CounterVec
	lastSuccess   *prometheus.GaugeVec
	pendingWrites prometheus.Gauge
	deadLetters   prometheus.Counter
	lostWrites    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		cycleDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    metricnames.EvaluationDuration,
			Help:    "Time taken by one evaluation cycle over all services.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}),
		evalErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricnames.EvaluationErrors,
			Help: "Service evaluations in which at least one SLO could not be measured.",
		}, []string{"service"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: metricnames.EvaluationLastSuccess,
			Help: "Unix time of the last evaluation in which every SLO of the service was measured.",
		}, []string{"service"}),
		pendingWrites: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricnames.StorePendingWrites,
			Help: "Evaluations waiting to be written to the store after a failed write.",
		}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricnames.StoreDeadLetters,
			Help: "Evaluations the store never took, written to the dead-letter file instead.",
		}),
		lostWrites: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricnames.StoreLostWrites,
			Help: "Evaluations neither the store nor the dead-letter file took: lost but for the log.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.cycleDuration, m.evalErrors, m.lastSuccess, m.pendingWrites, m.deadLetters, m.lostWrites)
	}
	return m
}
