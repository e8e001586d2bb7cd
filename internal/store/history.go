package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

// HistoryPoint is the state of one SLO at one evaluation. The API sends
// it as api.HistoryPoint.
type HistoryPoint struct {
	At               time.Time
	Errors           float64
	Total            float64
	SLI              float64
	Consumed         float64
	Remaining        float64
	RemainingEvents  float64
	RemainingMinutes float64
	Status           slo.BudgetStatus
	BurnRates        map[string]float64
	Firing           []FiringCondition
	Error            string
}

// FiringCondition is an MWMB condition that held at an evaluation. Only
// firing ones are kept: the rest follow from the burn rates, and most
// evaluations have none, which keeps a row small. The JSON tags are the
// format of the firing column.
type FiringCondition struct {
	Severity  string  `json:"severity"`
	Long      string  `json:"long"`
	Short     string  `json:"short"`
	Factor    float64 `json:"factor"`
	LongBurn  float64 `json:"long_burn"`
	ShortBurn float64 `json:"short_burn"`
}

// SnapshotRecord is the last snapshot the engine saved for a service.
type SnapshotRecord struct {
	EvaluatedAt time.Time
	Data        []byte
}

// evaluationRow is one slo.Status encoded for the evaluations table.
type evaluationRow struct {
	st             slo.Status
	burns, firings []byte
}

func encodeEvaluation(st slo.Status) (evaluationRow, error) {
	// SQLite would store NaN as NULL, failing NOT NULL; PostgreSQL would
	// store it. Neither is a measurement: refuse it on both.
	b := st.Budget
	for _, v := range []float64{st.Counts.Errors, st.Counts.Total, b.SLI, b.Consumed, b.Remaining, b.RemainingEvents, b.RemainingMinutes} {
		if math.IsNaN(v) {
			return evaluationRow{}, fmt.Errorf("%s: a count or budget figure is NaN", st.Slug)
		}
	}
	burnRates := st.BurnRates
	if burnRates == nil {
		burnRates = map[string]float64{}
	}
	burns, err := json.Marshal(burnRates)
	if err != nil {
		return evaluationRow{}, fmt.Errorf("encode burn rates of %s: %w", st.Slug, err)
	}
	firing := []FiringCondition{}
	for _, c := range st.Conditions {
		if c.Firing {
			firing = append(firing, FiringCondition{
				Severity:  string(c.Severity),
				Long:      burnrate.Label(c.Long),
				Short:     burnrate.Label(c.Short),
				Factor:    c.Factor,
				LongBurn:  c.LongBurn,
				ShortBurn: c.ShortBurn,
			})
		}
	}
	firings, err := json.Marshal(firing)
	if err != nil {
		return evaluationRow{}, fmt.Errorf("encode conditions of %s: %w", st.Slug, err)
	}
	return evaluationRow{st: st, burns: burns, firings: firings}, nil
}

// SaveServiceEvaluation stores one evaluation of a service: a history row
// per SLO, all at time at, and snapshot (JSON from the engine) as the
// service's latest snapshot, in one transaction so history and snapshot
// never disagree after a crash. An older snapshot never replaces a newer
// one. It is fenced (SetFence): each row's epoch is the writer's token.
func (s *Store) SaveServiceEvaluation(ctx context.Context, service string, at time.Time, slos []slo.Status, snapshot []byte) error {
	if !json.Valid(snapshot) {
		return fmt.Errorf("store: save evaluation of %s: snapshot is not valid JSON", service)
	}
	rows := make([]evaluationRow, 0, len(slos))
	for _, st := range slos {
		row, err := encodeEvaluation(st)
		if err != nil {
			return fmt.Errorf("store: save evaluation of %s: %w", service, err)
		}
		rows = append(rows, row)
	}
	epoch := s.epoch()
	err := s.fencedTx(ctx, epoch, func(tx *txn) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO evaluations (service, slo, evaluated_at,
			errors, total, sli, consumed, remaining, remaining_events, remaining_minutes,
			status, burn_rates, firing, error, epoch)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer stmt.Close()
		for _, r := range rows {
			b := r.st.Budget
			if _, err := stmt.ExecContext(ctx, service, r.st.Slug, ms(at),
				r.st.Counts.Errors, r.st.Counts.Total, b.SLI, b.Consumed, b.Remaining,
				b.RemainingEvents, b.RemainingMinutes, b.Status,
				string(r.burns), string(r.firings), r.st.Error, epoch); err != nil {
				return fmt.Errorf("insert %s: %w", r.st.Slug, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO snapshots (service, evaluated_at, data) VALUES (?, ?, ?)
			ON CONFLICT (service) DO UPDATE SET evaluated_at = excluded.evaluated_at, data = excluded.data
			WHERE excluded.evaluated_at >= snapshots.evaluated_at`,
			service, ms(at), string(snapshot)); err != nil {
			return fmt.Errorf("upsert snapshot: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save evaluation of %s: %w", service, err)
	}
	return nil
}

// History returns the points of one SLO with from <= time <= to, oldest
// first. With more than limit points it keeps limit of them spread evenly
// over the rows, always the first and the last (see pick). limit <= 0 keeps
// every row; a limit of 1 is raised to 2 so both ends survive.
func (s *Store) History(ctx context.Context, service, slug string, from, to time.Time, limit int) ([]HistoryPoint, error) {
	if limit > 0 {
		limit = max(limit, 2)
	}
	// One read transaction: both queries see the same snapshot, so a
	// concurrent prune cannot remove picked rows in between. SQLite's WAL
	// readers always have one; PostgreSQL needs REPEATABLE READ for it
	// (READ COMMITTED takes a snapshot per statement).
	tx, err := s.r.begin(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: history of %s/%s: begin: %w", service, slug, err)
	}
	defer tx.Rollback() // read only: there is nothing to undo
	ids, err := seriesIDs(ctx, tx, service, slug, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: history of %s/%s: %w", service, slug, err)
	}
	if limit > 0 && len(ids) > limit {
		kept := make([]int64, 0, limit)
		for _, i := range pick(len(ids), limit) {
			kept = append(kept, ids[i])
		}
		ids = kept
	}
	out, err := readPoints(ctx, tx, ids)
	if err != nil {
		return nil, fmt.Errorf("store: history of %s/%s: %w", service, slug, err)
	}
	return out, nil
}

// pick returns k of the indexes 0..n-1 (2 <= k < n) spread evenly, first
// and last included: floor(i*(n-1)/(k-1)) for i in 0..k-1.
func pick(n, k int) []int {
	out := make([]int, k)
	for i := range out {
		out[i] = i * (n - 1) / (k - 1)
	}
	return out
}

// seriesIDs lists the row ids of one SLO in the range, oldest first. It
// reads only the covering index (service, slo, evaluated_at, rowid), which
// is what makes a 30-day range cheap: the table is touched for kept rows
// only.
func seriesIDs(ctx context.Context, tx *txn, service, slug string, from, to time.Time) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM evaluations
		WHERE service = ? AND slo = ? AND evaluated_at BETWEEN ? AND ?
		ORDER BY evaluated_at, id`, service, slug, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("list rows: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list rows: scan: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list rows: %w", err)
	}
	return ids, nil
}

// readPoints reads the rows with the given ids, oldest first.
func readPoints(ctx context.Context, tx *txn, ids []int64) ([]HistoryPoint, error) {
	if len(ids) == 0 {
		return []HistoryPoint{}, nil
	}
	idList, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("encode ids: %w", err)
	}
	// A JSON array passes any number of ids as one parameter.
	rows, err := tx.QueryContext(ctx, `SELECT evaluated_at, errors, total, sli, consumed, remaining,
		remaining_events, remaining_minutes, status, burn_rates, firing, error
		FROM evaluations WHERE id IN (`+tx.d.idsFromJSON+`)
		ORDER BY evaluated_at, id`, string(idList))
	if err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	defer rows.Close()
	out := make([]HistoryPoint, 0, len(ids))
	for rows.Next() {
		var (
			p              HistoryPoint
			at             int64
			burns, firings string
		)
		if err := rows.Scan(&at, &p.Errors, &p.Total, &p.SLI, &p.Consumed, &p.Remaining,
			&p.RemainingEvents, &p.RemainingMinutes, &p.Status, &burns, &firings, &p.Error); err != nil {
			return nil, fmt.Errorf("read rows: scan: %w", err)
		}
		p.At = fromMS(at)
		if err := json.Unmarshal([]byte(burns), &p.BurnRates); err != nil {
			return nil, fmt.Errorf("decode burn rates: %w", err)
		}
		if err := json.Unmarshal([]byte(firings), &p.Firing); err != nil {
			return nil, fmt.Errorf("decode conditions: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return out, nil
}

// PruneHistory deletes evaluations older than before and returns how many
// rows went. Snapshots stay: they are the only copy of the latest state.
// It is fenced (SetFence).
func (s *Store) PruneHistory(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.fencedExec(ctx, `DELETE FROM evaluations WHERE evaluated_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune history: %w", err)
	}
	return n, nil
}

// Snapshots returns the latest snapshot of every service, by service.
func (s *Store) Snapshots(ctx context.Context) (map[string]SnapshotRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT service, evaluated_at, data FROM snapshots`)
	if err != nil {
		return nil, fmt.Errorf("store: snapshots: %w", err)
	}
	defer rows.Close()
	out := map[string]SnapshotRecord{}
	for rows.Next() {
		var (
			service string
			at      int64
			data    []byte
		)
		if err := rows.Scan(&service, &at, &data); err != nil {
			return nil, fmt.Errorf("store: snapshots: scan: %w", err)
		}
		out[service] = SnapshotRecord{EvaluatedAt: fromMS(at), Data: data}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: snapshots: %w", err)
	}
	return out, nil
}
