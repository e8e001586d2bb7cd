package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Audit actions.
const (
	AuditOverrideCreate = "override.create"
	AuditOverrideRevoke = "override.revoke"
)

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Service string          `json:"service"`
	Detail  json.RawMessage `json:"detail"`
}

const overrideColumns = `id, service, reason, actor, created_at, expires_at, revoked_at, revoked_by`

type scanner interface{ Scan(dest ...any) error }

func scanOverride(sc scanner) (slo.Override, error) {
	var (
		o                slo.Override
		created, expires int64
		revoked          sql.NullInt64
	)
	if err := sc.Scan(&o.ID, &o.Service, &o.Reason, &o.Actor, &created, &expires, &revoked, &o.RevokedBy); err != nil {
		return slo.Override{}, err
	}
	o.CreatedAt, o.ExpiresAt = fromMS(created), fromMS(expires)
	if revoked.Valid {
		t := fromMS(revoked.Int64)
		o.RevokedAt = &t
	}
	return o, nil
}

// CreateOverride stores a new, unrevoked override (o's ID and revocation
// fields are ignored) and audits it in the same transaction. It returns the
// override as stored, with its ID.
func (s *Store) CreateOverride(ctx context.Context, o slo.Override) (slo.Override, error) {
	o.ID, o.RevokedAt, o.RevokedBy = 0, nil, ""
	err := inTx(ctx, s.w, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO overrides (service, reason, actor, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, o.Service, o.Reason, o.Actor, ms(o.CreatedAt), ms(o.ExpiresAt)).Scan(&o.ID); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		if err := audit(ctx, tx, o.CreatedAt, o.Actor, AuditOverrideCreate, o.Service, toOverrideRow(o)); err != nil {
			return err
		}
		return s.enqueueOverride(ctx, tx, AuditOverrideCreate, o)
	})
	if err != nil {
		return slo.Override{}, fmt.Errorf("store: create override for %s: %w", o.Service, err)
	}
	// Return what a read would: times at the stored millisecond, in UTC.
	o.CreatedAt, o.ExpiresAt = fromMS(ms(o.CreatedAt)), fromMS(ms(o.ExpiresAt))
	return o, nil
}

// Overrides lists the overrides of service (every service when empty),
// newest first. With activeAt, only those active then (slo.Override's
// ActiveAt: not revoked and not yet expired).
func (s *Store) Overrides(ctx context.Context, service string, activeAt *time.Time) ([]slo.Override, error) {
	var f filter
	f.service(service)
	if activeAt != nil {
		f.add("revoked_at IS NULL AND expires_at > ?", ms(*activeAt))
	}
	return selectAll(ctx, s.r, "overrides", `SELECT `+overrideColumns+` FROM overrides`, f, "ORDER BY id DESC", nil, scanOverride)
}

// RevokeOverride marks override id revoked by by at at, audits it, and
// returns the updated override. It fails with ErrNotFound or
// ErrAlreadyRevoked.
func (s *Store) RevokeOverride(ctx context.Context, id int64, by string, at time.Time) (slo.Override, error) {
	r := revocable{table: "overrides", columns: overrideColumns, where: "id = ?", args: []any{id}}
	o, err := revoke(ctx, s.w, r, scanOverride, func(o *slo.Override) (**time.Time, *string) { return &o.RevokedAt, &o.RevokedBy },
		by, at, func(tx *txn, o slo.Override) error {
			if err := audit(ctx, tx, at, by, AuditOverrideRevoke, o.Service, toOverrideRow(o)); err != nil {
				return err
			}
			return s.enqueueOverride(ctx, tx, AuditOverrideRevoke, o)
		})
	if err != nil {
		return slo.Override{}, fmt.Errorf("store: revoke override %d: %w", id, err)
	}
	return o, nil
}

// overrideRow is an override as the audit log's detail stores it (JSON), a
// format of its own so that renaming a domain field cannot change it.
type overrideRow struct {
	ID        int64      `json:"id"`
	Service   string     `json:"service"`
	Reason    string     `json:"reason"`
	Actor     string     `json:"actor"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	RevokedBy string     `json:"revoked_by,omitempty"`
}

func toOverrideRow(o slo.Override) overrideRow { return overrideRow(o) }

// audit writes an audit_log row inside the caller's transaction, so the
// change and its record commit together.
func audit(ctx context.Context, tx *txn, at time.Time, actor, action, service string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: encode detail: %w", action, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, service, detail)
		VALUES (?, ?, ?, ?, ?)`, ms(at), actor, action, service, string(b)); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// AuditLog returns the newest audit entries first; limit defaults to
// DefaultListLimit and is capped at MaxListLimit.
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, actor, action, service, detail
		FROM audit_log ORDER BY id DESC LIMIT ?`, listLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var (
			e      AuditEntry
			at     int64
			detail []byte
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Service, &detail); err != nil {
			return nil, fmt.Errorf("store: audit log: scan: %w", err)
		}
		e.At, e.Detail = fromMS(at), detail
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	return out, nil
}
