package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/slo-dev/slo/internal/slo"
)

// reasonRow is a reason as the decisions table stores it (JSON), a format
// of its own so that renaming a domain field cannot change stored rows.
type reasonRow struct {
	SLO      string       `json:"slo,omitempty"`
	Code     string       `json:"code"`
	Message  string       `json:"message"`
	Decision slo.Decision `json:"decision"`
}

func toReasonRows(rs []slo.Reason) []reasonRow {
	out := make([]reasonRow, len(rs))
	for i, r := range rs {
		out[i] = reasonRow(r)
	}
	return out
}

func fromReasonRows(stored []reasonRow) []slo.Reason {
	out := make([]slo.Reason, len(stored))
	for i, r := range stored {
		out[i] = slo.Reason(r)
	}
	return out
}

// RecordDecision appends d (its ID is ignored) to the decision log and
// returns the new ID. The row is committed, and with synchronous=FULL
// (SQLite) or PostgreSQL's default synchronous_commit fsynced, before it
// returns, so a gate answer is never sent unlogged.
func (s *Store) RecordDecision(ctx context.Context, d slo.DecisionRecord) (int64, error) {
	reasons, err := json.Marshal(toReasonRows(d.Reasons))
	if err != nil {
		return 0, fmt.Errorf("store: record decision: encode reasons: %w", err)
	}
	actions, err := json.Marshal(d.Actions)
	if err != nil {
		return 0, fmt.Errorf("store: record decision: encode actions: %w", err)
	}
	var id int64
	if err := s.w.QueryRowContext(ctx, `INSERT INTO decisions (at, service, priority, version,
		actor, pipeline, decision, allowed, reasons, actions, override_id, stale, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ms(d.At), d.Service, d.Priority, d.Version, d.Actor, d.Pipeline, d.Decision,
		flag(d.Allowed), string(reasons), string(actions), d.OverrideID, flag(d.Stale), d.RequestID).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: record decision: %w", err)
	}
	return id, nil
}

// Decisions lists logged decisions matching q, newest first.
func (s *Store) Decisions(ctx context.Context, q slo.DecisionQuery) ([]slo.DecisionRecord, error) {
	var f filter
	f.service(q.Service)
	if q.Before > 0 {
		f.add("id < ?", q.Before)
	}
	return selectAll(ctx, s.r, "decisions", `SELECT id, at, service, priority, version, actor, pipeline, decision, allowed,
		reasons, actions, override_id, stale, request_id FROM decisions`,
		f, "ORDER BY id DESC LIMIT ?", []any{listLimit(q.Limit)}, scanDecision)
}

func scanDecision(sc scanner) (slo.DecisionRecord, error) {
	var (
		d                slo.DecisionRecord
		at               int64
		reasons, actions string
	)
	if err := sc.Scan(&d.ID, &at, &d.Service, &d.Priority, &d.Version, &d.Actor,
		&d.Pipeline, &d.Decision, &d.Allowed, &reasons, &actions, &d.OverrideID,
		&d.Stale, &d.RequestID); err != nil {
		return slo.DecisionRecord{}, err
	}
	d.At = fromMS(at)
	var stored []reasonRow
	if err := json.Unmarshal([]byte(reasons), &stored); err != nil {
		return slo.DecisionRecord{}, fmt.Errorf("decode reasons of %d: %w", d.ID, err)
	}
	d.Reasons = fromReasonRows(stored)
	if err := json.Unmarshal([]byte(actions), &d.Actions); err != nil {
		return slo.DecisionRecord{}, fmt.Errorf("decode actions of %d: %w", d.ID, err)
	}
	return d, nil
}

// flag is a bool as the 0/1 integer flag columns store it: pgx does not
// encode a Go bool into an integer column. Reading back, database/sql
// turns 0/1 into a bool.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}
