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
func selectAll[T any](ctx context.Context, q querier, what, selectFrom string, f filter, tail string, tailArgs []any, scan func(scanner) (T, error)) ([]T, error) {
	query := selectFrom
	if len(f.where) > 0 {
		query += " WHERE " + strings.Join(f.where, " AND ")
	}
	rows, err := q.QueryContext(ctx, query+" "+tail, append(f.args, tailArgs...)...)
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

// revoke marks r's row revoked by by at at, unless it is revoked already,
// in one conditional UPDATE (so of two concurrent revocations on
// PostgreSQL's READ COMMITTED exactly one matches), returning the row with
// scan; then after, which audits it, runs in the same transaction. When
// nothing matched it reads the row to tell ErrNotFound from
// ErrAlreadyRevoked (fields points at the value's RevokedAt and
// RevokedBy).
func revoke[T any](ctx context.Context, w db, r revocable, scan func(scanner) (T, error),
	fields func(*T) (**time.Time, *string), by string, at time.Time, after func(*txn, T) error) (T, error) {
	var v T
	err := inTx(ctx, w, func(t *txn) error {
		var err error
		v, err = scan(t.QueryRowContext(ctx, `UPDATE `+r.table+` SET revoked_at = ?, revoked_by = ?
			WHERE `+r.where+` AND revoked_at IS NULL RETURNING `+r.columns, append([]any{ms(at), by}, r.args...)...))
		if err == nil {
			return after(t, v)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("update: %w", err)
		}
		v, err = scan(t.QueryRowContext(ctx, `SELECT `+r.columns+` FROM `+r.table+` WHERE `+r.where, r.args...))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		revokedAt, revokedBy := fields(&v)
		if *revokedAt == nil {
			return errors.New("update matched no row, yet the row is not revoked")
		}
		return fmt.Errorf("%w at %s by %s", ErrAlreadyRevoked, (*revokedAt).Format(time.RFC3339), *revokedBy)
	})
	return v, err
}
