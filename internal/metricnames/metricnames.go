// Package metricnames names the metrics slod exports. The names are a
// contract with the alert rules internal/rules generates and with people's
// dashboards, so the packages that register the metrics (engine, prom,
// server) and the generator read them from here, and rules depends on none
// of those packages.
package metricnames

// internal/app: which build is running.
const BuildInfo = "slod_build_info"

// internal/engine: the evaluation loop and its write-behind store.
const (
	EvaluationDuration    = "slod_evaluation_duration_seconds"
	EvaluationErrors      = "slod_evaluation_errors_total"
	EvaluationLastSuccess = "slod_evaluation_last_success_timestamp_seconds"
	StorePendingWrites    = "slod_store_pending_writes"
	StoreDeadLetters      = "slod_store_dead_letters_total"
	StoreLostWrites       = "slod_store_lost_writes_total"
)

// internal/prom: the Prometheus source.
const (
	PrometheusQueries       = "slod_prometheus_queries_total"
	PrometheusQueryDuration = "slod_prometheus_query_duration_seconds"
	PrometheusUp            = "slod_prometheus_up"
	// CircuitBreakerState is labelled by dependency: 0 closed, 1
	// half-open, 2 open.
	CircuitBreakerState = "slod_circuit_breaker_state"
	BulkheadInFlight    = "slod_bulkhead_in_flight"
)

// internal/server: HTTP traffic, and the snapshot at scrape time.
const (
	HTTPRequests        = "slod_http_requests_total"
	HTTPRequestDuration = "slod_http_request_duration_seconds"
	SLOTarget           = "slod_slo_target_ratio"
	SLOSLI              = "slod_slo_sli_ratio"
	SLOBudgetConsumed   = "slod_slo_budget_consumed_ratio"
	SLOBudgetRemaining  = "slod_slo_budget_remaining_ratio"
	SLOBurnRate         = "slod_slo_burn_rate"
	SLOAlertCondition   = "slod_slo_alert_condition"
	GateAllowed         = "slod_gate_allowed"
	GateDecision        = "slod_gate_decision"
	ServiceStale        = "slod_service_stale"
	ConfigProblems      = "slod_config_problems"
)

// internal/notify: the notification outbox and its sender.
const (
	NotificationsSent         = "slod_notifications_sent_total"
	NotificationsFailed       = "slod_notifications_failed_total"
	NotificationsDeadLettered = "slod_notifications_dead_lettered_total"
	// NotificationsQueued counts deliveries waiting (and events not yet
	// routed to their targets).
	NotificationsQueued = "slod_notifications_queued"
	// NotificationsOldestPendingAge is the age in seconds of the oldest
	// event with a delivery pending; 0 when none is.
	NotificationsOldestPendingAge = "slod_notifications_oldest_pending_age_seconds"
	NotificationsDeadLetters      = "slod_notifications_dead_letters"
)

// internal/cluster: the evaluator lease of replicas on PostgreSQL.
const (
	ClusterLeader      = "slod_cluster_leader"
	ClusterTerms       = "slod_cluster_terms_total"
	ClusterLeaseErrors = "slod_cluster_lease_errors_total"
)
