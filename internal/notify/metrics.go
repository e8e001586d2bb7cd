package notify

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/metricnames"
	"github.com/slo-dev/slo/internal/store"
)

// Metrics are the sender's figures (names in internal/metricnames, shared
// with the generated meta-alerts).
type Metrics struct {
	sent, failed, dead *prometheus.CounterVec
	queued, oldest     prometheus.Gauge
	deadLetters        prometheus.Gauge
}

// NewMetrics registers the notification metrics with reg (none when nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricnames.NotificationsSent, Help: "Notifications a target accepted.",
		}, []string{"target"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricnames.NotificationsFailed, Help: "Failed tries to deliver a notification (each retried or dead-lettered).",
		}, []string{"target"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricnames.NotificationsDeadLettered, Help: "Notifications moved to the dead-letter table.",
		}, []string{"target"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricnames.NotificationsQueued, Help: "Notification deliveries waiting in the outbox.",
		}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricnames.NotificationsOldestPendingAge, Help: "Age of the oldest notification still waiting for delivery, in seconds.",
		}),
		deadLetters: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricnames.NotificationsDeadLetters, Help: "Notification deliveries in the dead-letter table.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.failed, m.dead, m.queued, m.oldest, m.deadLetters)
	}
	return m
}

func (m *Metrics) observeQueue(st store.OutboxStats, now time.Time) {
	m.queued.Set(float64(st.Pending))
	m.deadLetters.Set(float64(st.Dead))
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = max(now.Sub(st.OldestPending).Seconds(), 0)
	}
	m.oldest.Set(age)
}
