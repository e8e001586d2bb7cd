package cluster

import (
	"context"
	"time"

	"github.com/slo-dev/slo/internal/store"
)

// Status is the cluster as one replica sees it (GET /api/v1/cluster).
type Status struct {
	// Backend is the store: "sqlite" (one replica) or "postgres".
	Backend string
	// Self is the ID of the replica answering.
	Self string
	// Leader holds the evaluator lease now, with Token; "" when nobody
	// does (it expired and no replica took it yet).
	Leader string
	Token  int64
	// Lease is the configured lease duration.
	Lease time.Duration
	// LeaseAge is how long the leader's current term has lasted,
	// ExpiresIn how long until it lapses unless renewed.
	LeaseAge, ExpiresIn time.Duration
	// Now is the database clock the ages are measured by.
	Now      time.Time
	Replicas []Replica
	// StoreError: the store could not be read, so Replicas holds this
	// replica alone, as it last knew itself.
	StoreError string
}

// Replica is one member of the cluster.
type Replica struct {
	store.Member
	// Self: the replica answering.
	Self bool
	// Leader: it holds the lease.
	Leader bool
	// Healthy: it reported itself within the last lease.
	Healthy bool
}

// Single is the one replica on an SQLite store: it always leads, and
// nothing is fenced (the file lock keeps every other slod away).
type Single struct {
	Self store.Member
}

// Leader is always true.
func (Single) Leader() bool { return true }

// Status lists the replica alone, leading, seen now: it is answering.
func (s Single) Status(context.Context) Status {
	now := time.Now().UTC()
	me := s.Self
	me.SeenAt = now
	return Status{Backend: "sqlite", Self: me.ID, Leader: me.ID, Now: now,
		Replicas: []Replica{{Member: me, Self: true, Leader: true, Healthy: true}}}
}
