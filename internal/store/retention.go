package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PruneDecisions deletes the decision log and audit log rows from before
// before, in one transaction, and returns how many of each went.
// Overrides stay: the gate reads them, and an audit row is their history,
// not their state.
func (s *Store) PruneDecisions(ctx context.Context, before time.Time) (decisions, audit int64, err error) {
	err = inTx(ctx, s.w, func(tx *sql.Tx) error {
		var err error
		if decisions, err = deleteBefore(ctx, tx, "decisions", before); err != nil {
			return err
		}
		audit, err = deleteBefore(ctx, tx, "audit_log", before)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: prune decisions and audit log: %w", err)
	}
	return decisions, audit, nil
}

// deleteBefore deletes the rows of table (one of ours, never input) whose
// at is before before.
func deleteBefore(ctx context.Context, tx *sql.Tx, table string, before time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE at < ?", ms(before))
	if err != nil {
		return 0, fmt.Errorf("delete from %s: %w", table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete from %s: %w", table, err)
	}
	return n, nil
}
