package store

import (
	"context"

	"fmt"
	"time"
)

// Pruned counts the rows PruneDecisions deleted.
type Pruned struct{ Decisions, Deployments, Audit int64 }

// PruneDecisions deletes decisions, recorded deploys and audit rows older
// than before, in one transaction. Overrides and corrections themselves
// stay: the gate and the budgets read them. It is fenced (SetFence).
func (s *Store) PruneDecisions(ctx context.Context, before time.Time) (Pruned, error) {
	var p Pruned
	err := s.fencedTx(ctx, s.epoch(), func(tx *txn) error {
		for _, t := range []struct {
			table string
			n     *int64
		}{{"decisions", &p.Decisions}, {"deployments", &p.Deployments}, {"audit_log", &p.Audit}} {
			n, err := deleteBefore(ctx, tx, t.table, before)
			if err != nil {
				return err
			}
			*t.n = n
		}
		return nil
	})
	if err != nil {
		return Pruned{}, fmt.Errorf("store: prune decisions, deploys and audit log: %w", err)
	}
	return p, nil
}

// deleteBefore deletes the rows of table (one of ours, never input) whose
// at is before before.
func deleteBefore(ctx context.Context, tx *txn, table string, before time.Time) (int64, error) {
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
