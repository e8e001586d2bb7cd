package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Audit actions of corrections.
const (
	AuditCorrectionCreate = "correction.create"
	AuditCorrectionRevoke = "correction.revoke"
)

// RecordDeployment appends d (its ID is ignored) and returns the new ID,
// committed and fsynced like a decision.
func (s *Store) RecordDeployment(ctx context.Context, d slo.Deployment) (int64, error) {
	var id int64
	if err := s.w.QueryRowContext(ctx, `INSERT INTO deployments (service, version, priority, actor,
		pipeline, link, at, recorded_at, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.Service, d.Version, d.Priority, d.Actor, d.Pipeline, d.Link, ms(d.At), ms(d.RecordedAt), d.RequestID).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: record deployment of %s: %w", d.Service, err)
	}
	return id, nil
}

// DeploymentQuery selects deployments, newest first.
type DeploymentQuery struct {
	// Service filters by service; empty means all.
	Service string
	// Since, when set, keeps deployments at or after it.
	Since time.Time
	// Limit defaults to DefaultListLimit and is capped at MaxListLimit.
	Limit int
}

// Deployments lists the deployments q selects, newest first.
func (s *Store) Deployments(ctx context.Context, q DeploymentQuery) ([]slo.Deployment, error) {
	var f filter
	f.service(q.Service)
	if !q.Since.IsZero() {
		f.add("at >= ?", ms(q.Since))
	}
	return selectAll(ctx, s.r, "deployments",
		`SELECT id, service, version, priority, actor, pipeline, link, at, recorded_at, request_id FROM deployments`,
		f, "ORDER BY at DESC, id DESC LIMIT ?", []any{listLimit(q.Limit)}, scanDeployment)
}

func scanDeployment(sc scanner) (slo.Deployment, error) {
	var (
		d            slo.Deployment
		at, recorded int64
	)
	if err := sc.Scan(&d.ID, &d.Service, &d.Version, &d.Priority, &d.Actor, &d.Pipeline, &d.Link, &at, &recorded, &d.RequestID); err != nil {
		return slo.Deployment{}, err
	}
	d.At, d.RecordedAt = fromMS(at), fromMS(recorded)
	return d, nil
}

const correctionColumns = `id, service, slos, from_at, to_at, reason, actor, created_at, revoked_at, revoked_by`

func scanCorrection(sc scanner) (slo.Correction, error) {
	var (
		c                 slo.Correction
		slos              string
		from, to, created int64
		revoked           sql.NullInt64
	)
	if err := sc.Scan(&c.ID, &c.Service, &slos, &from, &to, &c.Reason, &c.Actor, &created, &revoked, &c.RevokedBy); err != nil {
		return slo.Correction{}, err
	}
	if err := json.Unmarshal([]byte(slos), &c.SLOs); err != nil {
		return slo.Correction{}, fmt.Errorf("decode slos of correction %d: %w", c.ID, err)
	}
	c.From, c.To, c.CreatedAt = fromMS(from), fromMS(to), fromMS(created)
	if revoked.Valid {
		t := fromMS(revoked.Int64)
		c.RevokedAt = &t
	}
	return c, nil
}

// CreateCorrection stores a new, unrevoked correction (c's ID and
// revocation fields are ignored) and audits it in the same transaction.
func (s *Store) CreateCorrection(ctx context.Context, c slo.Correction) (slo.Correction, error) {
	c.ID, c.RevokedAt, c.RevokedBy = 0, nil, ""
	if c.SLOs == nil {
		c.SLOs = []string{}
	}
	slos, err := json.Marshal(c.SLOs)
	if err != nil {
		return slo.Correction{}, fmt.Errorf("store: create correction: encode slos: %w", err)
	}
	err = inTx(ctx, s.w, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO corrections (service, slos, from_at, to_at, reason, actor, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.Service, string(slos), ms(c.From), ms(c.To), c.Reason, c.Actor, ms(c.CreatedAt)).Scan(&c.ID); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		if err := audit(ctx, tx, c.CreatedAt, c.Actor, AuditCorrectionCreate, c.Service, correctionRow(c)); err != nil {
			return err
		}
		if s.correctionEvents == nil {
			return nil
		}
		return enqueue(ctx, tx, s.correctionEvents(c))
	})
	if err != nil {
		return slo.Correction{}, fmt.Errorf("store: create correction for %s: %w", c.Service, err)
	}
	c.From, c.To, c.CreatedAt = fromMS(ms(c.From)), fromMS(ms(c.To)), fromMS(ms(c.CreatedAt))
	return c, nil
}

// Corrections lists the corrections of service (every service when
// empty), newest first; with endingAfter, only unrevoked ones whose span
// ends after it.
func (s *Store) Corrections(ctx context.Context, service string, endingAfter *time.Time) ([]slo.Correction, error) {
	var f filter
	f.service(service)
	if endingAfter != nil {
		f.add("revoked_at IS NULL AND to_at > ?", ms(*endingAfter))
	}
	return selectAll(ctx, s.r, "corrections", `SELECT `+correctionColumns+` FROM corrections`, f, "ORDER BY id DESC", nil, scanCorrection)
}

// RevokeCorrection marks correction id of service revoked by by at at,
// audits it and returns it. It fails with ErrNotFound or
// ErrAlreadyRevoked.
func (s *Store) RevokeCorrection(ctx context.Context, service string, id int64, by string, at time.Time) (slo.Correction, error) {
	r := revocable{table: "corrections", columns: correctionColumns, where: "id = ? AND service = ?", args: []any{id, service}}
	c, err := revoke(ctx, s.w, r, scanCorrection, func(c *slo.Correction) (**time.Time, *string) { return &c.RevokedAt, &c.RevokedBy },
		by, at, func(tx *txn, c slo.Correction) error {
			return audit(ctx, tx, at, by, AuditCorrectionRevoke, c.Service, correctionRow(c))
		})
	if err != nil {
		return slo.Correction{}, fmt.Errorf("store: revoke correction %d: %w", id, err)
	}
	return c, nil
}

// correctionRowJSON is a correction as the audit log's detail stores it, a
// format of its own so that renaming a domain field cannot change it.
type correctionRowJSON struct {
	ID        int64      `json:"id"`
	Service   string     `json:"service"`
	SLOs      []string   `json:"slos"`
	From      time.Time  `json:"from"`
	To        time.Time  `json:"to"`
	Reason    string     `json:"reason"`
	Actor     string     `json:"actor"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	RevokedBy string     `json:"revoked_by,omitempty"`
}

func correctionRow(c slo.Correction) correctionRowJSON { return correctionRowJSON(c) }
