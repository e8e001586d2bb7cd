package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// filter collects the conditions of a list query, joined by AND.
type filter struct {
	where []string
	args  []any
}

func (f *filter) add(cond string, args ...any) {
	f.where = append(f.where, cond)
	f.args = append(f.args, args...)
}

// service keeps the rows of service; empty keeps every service's.
func (f *filter) service(service string) {
	if service != "" {
		f.add("service = ?", service)
	}
}

// selectAll runs selectFrom with f's conditions and then tail (ORDER BY,
// LIMIT ? with its args) on db, and scans every row with scan; what names
// the list in errors.
func selectAll[T any](ctx context.Context, db *sql.DB, what, selectFrom string, f filter, tail string, tailArgs []any, scan func(scanner) (T, error)) ([]T, error) {
	query := selectFrom
	if len(f.where) > 0 {
		query += " WHERE " + strings.Join(f.where, " AND ")
	}
	rows, err := db.QueryContext(ctx, query+" "+tail, append(f.args, tailArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: scan: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// revocable is a row that can be revoked once: an override or a correction.
type revocable struct {
	table, columns string
	// where selects the row ("id = ?" and maybe more) with args.
	where string
	args  []any
}

// revoke marks r's row revoked by by at at in one transaction: it reads
// the row with scan (ErrNotFound when there is none), refuses a second
// revocation (ErrAlreadyRevoked), sets fields' revocation (fields points
// at the value's RevokedAt and RevokedBy) and calls after, which audits
// it, inside the transaction.
func revoke[T any](ctx context.Context, db *sql.DB, r revocable, scan func(scanner) (T, error),
	fields func(*T) (**time.Time, *string), by string, at time.Time, after func(*sql.Tx, T) error) (T, error) {
	var v T
	err := inTx(ctx, db, func(tx *sql.Tx) error {
		var err error
		v, err = scan(tx.QueryRowContext(ctx, `SELECT `+r.columns+` FROM `+r.table+` WHERE `+r.where, r.args...))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		revokedAt, revokedBy := fields(&v)
		if *revokedAt != nil {
			return fmt.Errorf("%w at %s by %s", ErrAlreadyRevoked, (*revokedAt).Format(time.RFC3339), *revokedBy)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+r.table+` SET revoked_at = ?, revoked_by = ? WHERE `+r.where,
			append([]any{ms(at), by}, r.args...)...); err != nil {
			return fmt.Errorf("update: %w", err)
		}
		revoked := fromMS(ms(at))
		*revokedAt, *revokedBy = &revoked, by
		return after(tx, v)
	})
	return v, err
}
