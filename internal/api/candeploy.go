package api

import (
	"time"
)

// CanDeployRequest is the body of POST /api/v1/services/{service}/can-deploy.
type CanDeployRequest struct {
	// Priority is normal, critical or rollback; a string because slod
	// validates it and answers 400 naming the field.
	Priority string `json:"priority"`
	Version  string `json:"version,omitempty"`
	Actor    string `json:"actor,omitempty"`
	// Pipeline is a link to the CI run asking, for the audit log.
	Pipeline string `json:"pipeline,omitempty"`
	// Deploying records a deployment of Version too when the check
	// allows it: one call both asks and records.
	Deploying bool `json:"deploying,omitempty"`
}

// Decision is the answer to a can-deploy check, allowed or not.
type Decision struct {
	Service     string          `json:"service"`
	Priority    string          `json:"priority"`
	Allowed     bool            `json:"allowed"`
	Decision    string          `json:"decision"`
	Reasons     []Reason        `json:"reasons"`
	Actions     []string        `json:"actions"`
	Override    *OverrideRecord `json:"override"`
	EvaluatedAt *time.Time      `json:"evaluated_at"`
	Stale       bool            `json:"stale"`
	// DecisionID is the audit-log entry of a POSTed check.
	DecisionID *int64 `json:"decision_id,omitempty"`
	// DeploymentID is the deployment a check with deploying recorded.
	DeploymentID *int64 `json:"deployment_id,omitempty"`
	SLOs         []SLO  `json:"slos"`
}
