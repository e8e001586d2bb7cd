package api

import "time"

// Cluster answers GET /api/v1/cluster: the replicas sharing the store and
// which of them evaluates.
type Cluster struct {
	// Backend is the store: "sqlite" (one replica) or "postgres".
	Backend string `json:"backend"`
	// Self is the replica that answered.
	Self string `json:"self"`
	// Leader holds the evaluator lease with Token (the fencing token,
	// one more per term); "" while nobody does.
	Leader string `json:"leader"`
	Token  int64  `json:"token"`
	// LeaseSeconds is the configured lease; LeaseAgeSeconds how long
	// the leader's term has lasted; ExpiresInSeconds how long until it
	// lapses unless renewed.
	LeaseSeconds     float64 `json:"lease_seconds"`
	LeaseAgeSeconds  float64 `json:"lease_age_seconds"`
	ExpiresInSeconds float64 `json:"expires_in_seconds"`
	// Now is the database clock the ages are measured by.
	Now      *time.Time `json:"now,omitempty"`
	Replicas []Replica  `json:"replicas"`
	// StoreError: the store could not be read; Replicas lists the
	// answering replica alone, as it last knew itself.
	StoreError string `json:"store_error,omitempty"`
}

// Replica is one slod of the cluster.
type Replica struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Version   string    `json:"version"`
	StartedAt time.Time `json:"started_at"`
	// SeenAt is when it last reported itself.
	SeenAt time.Time `json:"seen_at"`
	Self   bool      `json:"self"`
	Leader bool      `json:"leader"`
	// Healthy: it reported itself within the last lease.
	Healthy bool `json:"healthy"`
}
