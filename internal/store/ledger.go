package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
)

// ledgerSteps are the bucket steps the store accepts.
var ledgerSteps = []time.Duration{ledger.Fine, ledger.Coarse}

// SaveBuckets upserts buckets of one fingerprint in one transaction (a
// re-fetched bucket replaces the old one). See SaveBucketsBatch.
func (s *Store) SaveBuckets(ctx context.Context, fingerprint string, buckets []ledger.Bucket) error {
	return s.SaveBucketsBatch(ctx, map[string][]ledger.Bucket{fingerprint: buckets})
}

// SaveBucketsBatch upserts the buckets of several fingerprints (a
// fingerprint identifies an SLO's rendered queries) in one transaction, so
// a cycle that adds a bucket to every SLO costs one fsynced commit.
//
// Every bucket is checked before anything is written: fingerprints must
// not be empty, the step must be ledger.Fine or ledger.Coarse, the start
// aligned to the step (in unix time), the counts finite and the state
// known to the ledger package. One bad bucket fails the whole batch. It is
// fenced (SetFence), as PruneBuckets is.
//
// Buckets in state ledger.Unknown are not stored, and do not replace a
// stored bucket at the same start: Unknown is what Buckets' caller assumes
// of any span it gets nothing for, and a failed re-fetch must not erase
// events fetched before.
func (s *Store) SaveBucketsBatch(ctx context.Context, batch map[string][]ledger.Bucket) error {
	// Sorted, so the first bad bucket reported is always the same one and
	// rows go in in primary key order.
	fps := slices.Sorted(maps.Keys(batch))
	n := 0
	for _, fp := range fps {
		if fp == "" {
			return fmt.Errorf("store: save buckets: empty fingerprint, with %d buckets", len(batch[fp]))
		}
		for i, b := range batch[fp] {
			if err := checkBucket(b); err != nil {
				return fmt.Errorf("store: save buckets: fingerprint %q, bucket %d (start %s, step %s): %w",
					fp, i, b.Start.UTC().Format(time.RFC3339Nano), b.Step, err)
			}
			if b.State != ledger.Unknown {
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	err := s.fencedTx(ctx, s.epoch(), func(tx *txn) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO ledger_buckets
			(fingerprint, step_s, start_s, bad, total, state, series) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (fingerprint, step_s, start_s) DO UPDATE SET
			bad = excluded.bad, total = excluded.total, state = excluded.state, series = excluded.series`)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer stmt.Close()
		for _, fp := range fps {
			for _, b := range batch[fp] {
				if b.State == ledger.Unknown {
					continue
				}
				if _, err := stmt.ExecContext(ctx, fp, int64(b.Step/time.Second), b.Start.Unix(),
					b.Bad, b.Total, int64(b.State), flag(b.Series)); err != nil {
					return fmt.Errorf("fingerprint %q, bucket at %s: %w", fp, b.Start.UTC().Format(time.RFC3339), err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: save buckets: %w", err)
	}
	return nil
}

// checkBucket says what is wrong with storing b.
func checkBucket(b ledger.Bucket) error {
	switch {
	case !slices.Contains(ledgerSteps, b.Step):
		return fmt.Errorf("step is not %s or %s", ledger.Fine, ledger.Coarse)
	// Nanosecond is never negative and Unix rounds down, so this holds
	// for starts before 1970 too.
	case b.Start.Nanosecond() != 0 || b.Start.Unix()%int64(b.Step/time.Second) != 0:
		return errors.New("start is not aligned to the step")
	case math.IsNaN(b.Bad) || math.IsInf(b.Bad, 0):
		return fmt.Errorf("bad is %v", b.Bad)
	case math.IsNaN(b.Total) || math.IsInf(b.Total, 0):
		return fmt.Errorf("total is %v", b.Total)
	case b.State > ledger.Missing:
		return fmt.Errorf("unknown state %d", b.State)
	}
	return nil
}

// Buckets returns every stored bucket of fingerprint, both steps, oldest
// first; at the same start the fine bucket comes first. Starts are in UTC.
// Spans with no stored bucket are ledger.Unknown.
func (s *Store) Buckets(ctx context.Context, fingerprint string) ([]ledger.Bucket, error) {
	if fingerprint == "" {
		return nil, errors.New("store: buckets: empty fingerprint")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT step_s, start_s, bad, total, state, series
		FROM ledger_buckets WHERE fingerprint = ? ORDER BY start_s, step_s`, fingerprint)
	if err != nil {
		return nil, fmt.Errorf("store: buckets of %q: %w", fingerprint, err)
	}
	defer rows.Close()
	var out []ledger.Bucket
	for rows.Next() {
		var b ledger.Bucket
		var step, start int64
		if err := rows.Scan(&step, &start, &b.Bad, &b.Total, &b.State, &b.Series); err != nil {
			return nil, fmt.Errorf("store: buckets of %q: %w", fingerprint, err)
		}
		b.Step = time.Duration(step) * time.Second
		b.Start = time.Unix(start, 0).UTC()
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: buckets of %q: %w", fingerprint, err)
	}
	return out, nil
}

// PruneBuckets deletes, in one transaction, the buckets of fingerprints not
// in keep, and of the fingerprints in keep those no window needs under
// their layout: fine buckets starting before its Split (older hours are
// held by coarse buckets) and coarse ones starting before its From. An
// empty keep deletes every bucket. It returns how many buckets went.
func (s *Store) PruneBuckets(ctx context.Context, keep map[string]ledger.Layout) (int64, error) {
	var deleted int64
	err := s.fencedTx(ctx, s.epoch(), func(tx *txn) error {
		stored, err := storedFingerprints(ctx, tx)
		if err != nil {
			return err
		}
		for _, fp := range stored {
			if _, ok := keep[fp]; ok {
				continue
			}
			n, err := execCount(ctx, tx, `DELETE FROM ledger_buckets WHERE fingerprint = ?`, fp)
			if err != nil {
				return fmt.Errorf("delete buckets of %q: %w", fp, err)
			}
			deleted += n
		}
		for _, fp := range slices.Sorted(maps.Keys(keep)) {
			lay := keep[fp]
			// One range per step, so each delete seeks along the
			// primary key instead of reading every bucket of fp.
			for step, cut := range map[time.Duration]time.Time{ledger.Fine: lay.Split, ledger.Coarse: lay.From} {
				n, err := execCount(ctx, tx, `DELETE FROM ledger_buckets
					WHERE fingerprint = ? AND step_s = ? AND start_s < ?`, fp, int64(step/time.Second), cut.Unix())
				if err != nil {
					return fmt.Errorf("delete %s buckets of %q before %s: %w", step, fp, cut.UTC().Format(time.RFC3339), err)
				}
				deleted += n
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune buckets: %w", err)
	}
	return deleted, nil
}

// storedFingerprints lists the fingerprints with buckets, seeking from one
// to the next along the primary key rather than reading every bucket.
func storedFingerprints(ctx context.Context, tx *txn) ([]string, error) {
	var out []string
	// Stored fingerprints are never empty, so "" is before the first.
	fp := ""
	for {
		err := tx.QueryRowContext(ctx, `SELECT fingerprint FROM ledger_buckets
			WHERE fingerprint > ? ORDER BY fingerprint LIMIT 1`, fp).Scan(&fp)
		if errors.Is(err, sql.ErrNoRows) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list fingerprints: %w", err)
		}
		out = append(out, fp)
	}
}

// execCount runs a statement and returns how many rows it changed.
func execCount(ctx context.Context, tx *txn, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
