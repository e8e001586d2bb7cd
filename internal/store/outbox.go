package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// OverrideEvents builds the events of an override write (AuditOverrideCreate
// or AuditOverrideRevoke); they are enqueued in its transaction.
type OverrideEvents func(action string, o slo.Override) []slo.Event

// SetOverrideEvents makes every later override write enqueue fn's events
// in its own transaction. Call it before serving.
func (s *Store) SetOverrideEvents(fn OverrideEvents) { s.overrideEvents = fn }

// CorrectionEvents builds the events of a new correction.
type CorrectionEvents func(c slo.Correction) []slo.Event

// SetCorrectionEvents makes every later correction enqueue fn's events in
// the transaction that writes it.
func (s *Store) SetCorrectionEvents(fn CorrectionEvents) { s.correctionEvents = fn }

// enqueueOverride enqueues the events of an override write inside tx.
func (s *Store) enqueueOverride(ctx context.Context, tx *txn, action string, o slo.Override) error {
	if s.overrideEvents == nil {
		return nil
	}
	return enqueue(ctx, tx, s.overrideEvents(action, o))
}

// enqueue writes events to the outbox inside tx; an event whose ID is
// there already is the same change detected again and is kept once.
func enqueue(ctx context.Context, tx *txn, events []slo.Event) error {
	for _, e := range events {
		details := string(e.Details)
		if details == "" {
			details = "{}"
		}
		// ON CONFLICT, not OR IGNORE: that would drop an event breaking
		// a CHECK too, silently.
		if _, err := tx.ExecContext(ctx, `INSERT INTO notify_events
			(id, type, service, slo, at, severity, summary, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`,
			e.ID, string(e.Type), e.Service, e.SLO, ms(e.At), string(e.Severity), e.Summary, details); err != nil {
			return fmt.Errorf("enqueue event %s: %w", e.ID, err)
		}
	}
	return nil
}

// RecordNotifyState saves the detector's state of some services and the
// events it found, in one transaction: after a crash either both are
// there or neither, and the next detection finds the same events again.
// It is fenced (SetFence).
func (s *Store) RecordNotifyState(ctx context.Context, states map[string][]byte, events []slo.Event) error {
	err := s.fencedTx(ctx, s.epoch(), func(tx *txn) error {
		// Sorted: concurrent writers lock rows in one order.
		for _, service := range slices.Sorted(maps.Keys(states)) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notify_state (service, data) VALUES (?, ?)
				ON CONFLICT (service) DO UPDATE SET data = excluded.data`, service, string(states[service])); err != nil {
				return fmt.Errorf("save state of %s: %w", service, err)
			}
		}
		return enqueue(ctx, tx, events)
	})
	if err != nil {
		return fmt.Errorf("store: record notifications: %w", err)
	}
	return nil
}

// NotifyStates reads the detector's saved state by service.
func (s *Store) NotifyStates(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT service, data FROM notify_state`)
	if err != nil {
		return nil, fmt.Errorf("store: notify state: %w", err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var (
			service string
			data    []byte
		)
		if err := rows.Scan(&service, &data); err != nil {
			return nil, fmt.Errorf("store: notify state: scan: %w", err)
		}
		out[service] = data
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: notify state: %w", err)
	}
	return out, nil
}

// RouteEvents creates the deliveries of events not routed yet, due at
// now, for the targets route names (none is fine: the event stays as
// history), at most limit events per call. It returns how many it routed.
// It is fenced (SetFence); the events it routes are locked (FOR UPDATE on
// PostgreSQL), so a concurrent call cannot route them twice.
func (s *Store) RouteEvents(ctx context.Context, route func(slo.Event) []string, now time.Time, limit int) (int, error) {
	n := 0
	err := s.fencedTx(ctx, s.epoch(), func(tx *txn) error {
		events, err := queryEvents(ctx, tx, `WHERE routed = 0 ORDER BY at, id LIMIT ?`+tx.d.forUpdate, limit)
		if err != nil {
			return err
		}
		for _, e := range events {
			for _, target := range route(e) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO notify_deliveries (event_id, target, state, next_at)
					VALUES (?, ?, 'pending', ?) ON CONFLICT (event_id, target) DO NOTHING`, e.ID, target, ms(now)); err != nil {
					return fmt.Errorf("route %s to %s: %w", e.ID, target, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE notify_events SET routed = 1 WHERE id = ?`, e.ID); err != nil {
				return fmt.Errorf("route %s: %w", e.ID, err)
			}
		}
		n = len(events)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: route events: %w", err)
	}
	return n, nil
}

const eventColumns = `e.id, e.type, e.service, e.slo, e.at, e.severity, e.summary, e.details`

func queryEvents(ctx context.Context, q querier, where string, args ...any) ([]slo.Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventColumns+` FROM notify_events e `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []slo.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("events: scan: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return out, nil
}

func scanEvent(sc scanner, more ...any) (slo.Event, error) {
	var (
		e                      slo.Event
		typ, severity, details string
		at                     int64
	)
	dest := append([]any{&e.ID, &typ, &e.Service, &e.SLO, &at, &severity, &e.Summary, &details}, more...)
	if err := sc.Scan(dest...); err != nil {
		return slo.Event{}, err
	}
	e.Type, e.Severity, e.At, e.Details = slo.EventType(typ), slo.Severity(severity), fromMS(at), []byte(details)
	return e, nil
}

// Events lists the events of service (every service when empty) in
// [from, to), oldest first: the history reports read.
func (s *Store) Events(ctx context.Context, service string, from, to time.Time) ([]slo.Event, error) {
	where := `WHERE e.at >= ? AND e.at < ?`
	args := []any{ms(from), ms(to)}
	if service != "" {
		where += ` AND e.service = ?`
		args = append(args, service)
	}
	out, err := queryEvents(ctx, s.r, where+` ORDER BY e.at, e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return out, nil
}

// DueDeliveries returns target's pending deliveries due at now (any
// target's when empty), oldest first.
func (s *Store) DueDeliveries(ctx context.Context, target string, now time.Time, limit int) ([]slo.Delivery, error) {
	out, err := s.deliveries(ctx, `SELECT `+eventColumns+`, `+deliveryColumns+` FROM notify_deliveries d JOIN notify_events e ON e.id = d.event_id
		WHERE d.state = 'pending' AND d.next_at <= ? AND (? = '' OR d.target = ?) ORDER BY d.next_at, e.at LIMIT ?`, ms(now), target, target, limit)
	if err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	return out, nil
}

// deliveryColumns are what deliveries scans after the event's columns.
const deliveryColumns = `d.target, d.state, d.attempts, d.next_at, d.last_error, d.sent_at`

// deliveries runs query, which selects eventColumns and then
// deliveryColumns (or columns like them).
func (s *Store) deliveries(ctx context.Context, query string, args ...any) ([]slo.Delivery, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []slo.Delivery{}
	for rows.Next() {
		var (
			d      slo.Delivery
			nextAt int64
			doneAt sql.NullInt64
		)
		d.Event, err = scanEvent(rows, &d.Target, &d.State, &d.Attempts, &nextAt, &d.LastError, &doneAt)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		d.NextAt = fromMS(nextAt)
		if doneAt.Valid {
			t := fromMS(doneAt.Int64)
			d.DoneAt = &t
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeliverySent records that target accepted event after attempts tries.
func (s *Store) DeliverySent(ctx context.Context, eventID, target string, attempts int, at time.Time) error {
	return s.updateDelivery(ctx, eventID, target, `UPDATE notify_deliveries SET state = 'sent', attempts = ?, sent_at = ?, last_error = ''
		WHERE event_id = ? AND target = ?`, attempts, ms(at), eventID, target)
}

// DeliveryFailed records a failed try and when to try again.
func (s *Store) DeliveryFailed(ctx context.Context, eventID, target string, attempts int, next time.Time, lastErr string) error {
	return s.updateDelivery(ctx, eventID, target, `UPDATE notify_deliveries SET attempts = ?, next_at = ?, last_error = ?
		WHERE event_id = ? AND target = ? AND state = 'pending'`, attempts, ms(next), lastErr, eventID, target)
}

// Postpone moves a pending delivery's next try to next without counting
// an attempt (its target's circuit breaker is open).
func (s *Store) Postpone(ctx context.Context, eventID, target string, next time.Time) error {
	return s.updateDelivery(ctx, eventID, target, `UPDATE notify_deliveries SET next_at = ?
		WHERE event_id = ? AND target = ? AND state = 'pending'`, ms(next), eventID, target)
}

// updateDelivery runs one fenced (SetFence) update of a delivery.
func (s *Store) updateDelivery(ctx context.Context, eventID, target, query string, args ...any) error {
	if _, err := s.fencedExec(ctx, query, args...); err != nil {
		return fmt.Errorf("store: delivery %s to %s: %w", eventID, target, err)
	}
	return nil
}

// DeadLetter moves a delivery that failed attempts times to the
// dead-letter table, in one transaction. It is fenced (SetFence).
func (s *Store) DeadLetter(ctx context.Context, eventID, target string, attempts int, lastErr string, at time.Time) error {
	err := s.fencedTx(ctx, s.epoch(), func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notify_deliveries WHERE event_id = ? AND target = ?`, eventID, target); err != nil {
			return fmt.Errorf("delete delivery: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO notify_dead_letters (event_id, target, attempts, last_error, dead_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id, target) DO UPDATE SET
			attempts = excluded.attempts, last_error = excluded.last_error, dead_at = excluded.dead_at`,
			eventID, target, attempts, lastErr, ms(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: dead-letter %s to %s: %w", eventID, target, err)
	}
	return nil
}

// RetryDeadLetters moves dead letters back to the pending deliveries, due
// at now with no attempts counted: the one of eventID (every target), or
// all of them when eventID is empty. ErrNotFound when there is none.
func (s *Store) RetryDeadLetters(ctx context.Context, eventID string, now time.Time) (int, error) {
	where, args := "", []any{}
	if eventID != "" {
		where, args = " WHERE event_id = ?", []any{eventID}
	}
	var n int
	// Delete first and requeue what was deleted: on PostgreSQL's READ
	// COMMITTED a delete after the copy could take a dead letter written
	// in between, never requeued, and two concurrent retries could both
	// copy the same rows.
	err := inTx(ctx, s.w, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `DELETE FROM notify_dead_letters`+where+` RETURNING event_id, target, last_error`, args...)
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		type letter struct{ eventID, target, lastErr string }
		var letters []letter
		for rows.Next() {
			var l letter
			if err := rows.Scan(&l.eventID, &l.target, &l.lastErr); err != nil {
				rows.Close()
				return fmt.Errorf("delete: scan: %w", err)
			}
			letters = append(letters, l)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		for _, l := range letters {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notify_deliveries (event_id, target, state, next_at, last_error)
				VALUES (?, ?, 'pending', ?, ?)
				ON CONFLICT (event_id, target) DO UPDATE SET state = 'pending', attempts = 0, next_at = excluded.next_at`,
				l.eventID, l.target, ms(now), l.lastErr); err != nil {
				return fmt.Errorf("requeue %s to %s: %w", l.eventID, l.target, err)
			}
		}
		n = len(letters)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: retry dead letters: %w", err)
	}
	if n == 0 && eventID != "" {
		return 0, fmt.Errorf("store: retry dead letters: event %s: %w", eventID, ErrNotFound)
	}
	return n, nil
}

// Notifications lists deliveries as q selects them, newest event first.
func (s *Store) Notifications(ctx context.Context, q slo.NotificationQuery) ([]slo.Delivery, error) {
	var (
		where []string
		args  []any
		query = `SELECT ` + eventColumns + `, ` + deliveryColumns + ` FROM notify_deliveries d`
	)
	if q.State == slo.DeliveryDead {
		// Dead letters in the shape of a delivery: done when they died.
		query = `SELECT ` + eventColumns + `, d.target, 'dead', d.attempts, d.dead_at, d.last_error, d.dead_at
			FROM notify_dead_letters d`
	} else if q.State != "" {
		where, args = append(where, "d.state = ?"), append(args, q.State)
	}
	query += ` JOIN notify_events e ON e.id = d.event_id`
	if q.Service != "" {
		where, args = append(where, "e.service = ?"), append(args, q.Service)
	}
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	out, err := s.deliveries(ctx, query+" ORDER BY e.at DESC, e.id, d.target LIMIT ?", append(args, listLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	return out, nil
}

// OutboxStats are the queue's size and age for /metrics.
type OutboxStats struct {
	// Pending counts pending deliveries and events not routed yet.
	Pending int
	Dead    int
	// OldestPending is the time of the oldest pending event; zero when
	// none is pending.
	OldestPending time.Time
}

// OutboxStats measures the queue.
func (s *Store) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var (
		st     OutboxStats
		oldest sql.NullInt64
	)
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM notify_deliveries WHERE state = 'pending') + (SELECT COUNT(*) FROM notify_events WHERE routed = 0),
		(SELECT COUNT(*) FROM notify_dead_letters),
		(SELECT MIN(e.at) FROM notify_events e WHERE e.routed = 0 OR EXISTS
			(SELECT 1 FROM notify_deliveries d WHERE d.event_id = e.id AND d.state = 'pending'))`).Scan(&st.Pending, &st.Dead, &oldest)
	if err != nil {
		return OutboxStats{}, fmt.Errorf("store: outbox stats: %w", err)
	}
	if oldest.Valid {
		st.OldestPending = fromMS(oldest.Int64)
	}
	return st, nil
}

// PruneEvents deletes events older than before with nothing left to
// deliver (no pending delivery, no dead letter), and their sent
// deliveries. It is fenced (SetFence).
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.fencedExec(ctx, `DELETE FROM notify_events WHERE at < ? AND routed = 1
		AND id NOT IN (SELECT event_id FROM notify_deliveries WHERE state = 'pending')
		AND id NOT IN (SELECT event_id FROM notify_dead_letters)`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune events: %w", err)
	}
	return n, nil
}
