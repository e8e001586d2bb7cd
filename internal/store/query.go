package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
