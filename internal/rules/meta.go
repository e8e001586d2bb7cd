package rules

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/metricnames"
	"github.com/slo-dev/slo/internal/slo"
)

// Alerts on slod itself, read from the metrics slod exports (named in
// internal/metricnames). All are tickets: while slod is blind the deploy
// gate degrades as its policy says, which is a problem for deployers, not
// an outage for users.
const (
	staleAlert       = "SlodEvaluationStale"
	errorsAlert      = "SlodEvaluationErrors"
	unreachableAlert = "SlodPrometheusUnreachable"
	breakerAlert     = "SlodCircuitBreakerOpen"
	deadLetterAlert  = "SlodEvaluationsDeadLettered"
	lostAlert        = "SlodEvaluationsLost"
	queueAlert       = "SlodNotificationsBacklog"
	dlqAlert         = "SlodNotificationsDeadLettered"

	// queueMaxAge is how old the oldest pending notification may get: a
	// receiver down longer than the sender's backoff tops out at (5m by
	// default) and some tries, not a blip.
	queueMaxAge = 15 * time.Minute

	// slodService names slod in link templates for its global alerts.
	slodService = "slod"
	// defaultMaxStaleness is the policy default (docs/design.md), for specs built in
	// code rather than by the loader (which fills the default in).
	defaultMaxStaleness = 10 * time.Minute
)

// metaHold covers slod's start (the gauges read 0 or are missing until the
// first evaluation) and a single slow cycle; the seed's CircuitBreakerOpen
// example also holds for 5m.
var metaHold = model.Duration(5 * time.Minute)

// slodServiceGroup watches slod's evaluation of one service. The staleness
// threshold is the service's own max_staleness: past it the gate stops
// trusting the data, which is exactly when someone should look.
func slodServiceGroup(s slo.Spec, l links) (group, error) {
	maxStale := s.Policy.MaxStaleness
	if maxStale <= 0 {
		maxStale = defaultMaxStaleness
	}
	sel := selector(map[string]string{"service": s.Service})
	own := map[string]string{"service": s.Service, "severity": string(burnrate.SeverityTicket)}
	stale := rulefmt.Rule{
		Alert: staleAlert,
		// absent() also covers slod being down or never having succeeded:
		// its series are gone then, and a plain comparison would stay quiet.
		Expr: fmt.Sprintf("time() - %s%s > %s\nor\nabsent(%s%s)",
			metricnames.EvaluationLastSuccess, sel, num(maxStale.Seconds()), metricnames.EvaluationLastSuccess, sel),
		For:    metaHold,
		Labels: alertLabels(s.Labels, own),
		Annotations: map[string]string{
			"summary": fmt.Sprintf("slod has no fresh evaluation of %s", s.Service),
			"description": fmt.Sprintf("slod has not measured every SLO of %s for more than %s, or is not reporting at all. "+
				"Its can-deploy gate now applies the on_missing_data policy.", s.Service, model.Duration(maxStale)),
		},
	}
	errs := rulefmt.Rule{
		Alert:  errorsAlert,
		Expr:   fmt.Sprintf("increase(%s%s[15m]) > 0", metricnames.EvaluationErrors, sel),
		For:    model.Duration(15 * time.Minute),
		Labels: alertLabels(s.Labels, own),
		Annotations: map[string]string{
			"summary": fmt.Sprintf("slod keeps failing to evaluate %s", s.Service),
			"description": fmt.Sprintf("{{ printf \"%%.0f\" $value }} evaluations of %s in the last 15m could not measure every SLO, "+
				"for 15m in a row. Check slod's logs for the failing queries.", s.Service),
		},
	}
	rules := []rulefmt.Rule{stale, errs}
	for i := range rules {
		if err := l.annotate(rules[i].Annotations, linkData(s.Service, rules[i].Alert)); err != nil {
			return group{}, err
		}
	}
	return group{RuleGroup: rulefmt.RuleGroup{Name: "slod/" + s.Service, Rules: rules}}, nil
}

// slodGroup watches slod's link to Prometheus, once for all services.
func slodGroup(l links) (group, error) {
	own := map[string]string{"severity": string(burnrate.SeverityTicket)}
	rules := []rulefmt.Rule{
		{
			Alert:  unreachableAlert,
			Expr:   metricnames.PrometheusUp + " == 0",
			For:    metaHold,
			Labels: own,
			Annotations: map[string]string{
				"summary":     "slod cannot reach Prometheus",
				"description": "slod's queries to Prometheus ({{ $labels.instance }}) have failed for 5m; SLOs are not being measured.",
			},
		},
		{
			Alert:  breakerAlert,
			Expr:   metricnames.CircuitBreakerState + " == 2", // open
			For:    metaHold,
			Labels: own,
			Annotations: map[string]string{
				"summary":     "slod's circuit breaker for {{ $labels.dependency }} is open",
				"description": "slod has been failing fast on {{ $labels.dependency }} for 5m; evaluations use the last known good data until it recovers.",
			},
		},
		{
			// No hold: a dead letter is history that already missed the
			// database, and it stays missing until someone replays it.
			Alert:  deadLetterAlert,
			Expr:   "increase(" + metricnames.StoreDeadLetters + "[1h]) > 0",
			Labels: own,
			Annotations: map[string]string{
				"summary":     "slod could not store evaluations",
				"description": "slod ({{ $labels.instance }}) wrote evaluations its SQLite store refused to its dead-letter file (<db>.deadletter.jsonl); the history has a gap until they are replayed.",
			},
		},
		{
			// No hold either: these are gone for good, but for slod's log.
			Alert:  lostAlert,
			Expr:   "increase(" + metricnames.StoreLostWrites + "[1h]) > 0",
			Labels: own,
			Annotations: map[string]string{
				"summary":     "slod lost evaluations",
				"description": "slod ({{ $labels.instance }}) could write evaluations neither to its SQLite store nor to its dead-letter file (a full disk?); only its log records them.",
			},
		},
		{
			// The queue grows when its oldest event stays undelivered.
			Alert:  queueAlert,
			Expr:   fmt.Sprintf("%s > %s", metricnames.NotificationsOldestPendingAge, num(queueMaxAge.Seconds())),
			For:    metaHold,
			Labels: own,
			Annotations: map[string]string{
				"summary": "slod's notifications are not getting through",
				"description": fmt.Sprintf("slod ({{ $labels.instance }}) has had a notification waiting for more than %s and {{ $value | humanizeDuration }} at worst; "+
					"sloctl notifications list shows the targets and their last errors.", model.Duration(queueMaxAge)),
			},
		},
		{
			// No hold: a dead letter waits for someone to retry it.
			Alert:  dlqAlert,
			Expr:   "increase(" + metricnames.NotificationsDeadLettered + "[1h]) > 0",
			Labels: own,
			Annotations: map[string]string{
				"summary":     "slod gave up delivering notifications to {{ $labels.target }}",
				"description": "slod ({{ $labels.instance }}) moved notifications for {{ $labels.target }} to its dead-letter table; fix the receiver, then sloctl notifications retry --all.",
			},
		},
	}
	for i := range rules {
		if err := l.annotate(rules[i].Annotations, linkData(slodService, rules[i].Alert)); err != nil {
			return group{}, err
		}
	}
	return group{RuleGroup: rulefmt.RuleGroup{Name: "slod", Rules: rules}}, nil
}

// linkData is the link template data for one of slod's own alerts.
func linkData(service, alert string) map[string]string {
	return map[string]string{"service": service, "slo": "", "severity": string(burnrate.SeverityTicket), "alert": alert}
}
