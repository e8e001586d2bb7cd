package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The lease, the fence and the members of a cluster of replicas sharing
// one database. Unlike the rest of the store, these read the database's
// clock: expiry must mean the same to every replica, and their clocks
// disagree.

// ErrFenced: a fenced write found the lease held by another term or
// expired; nothing was written.
var ErrFenced = errors.New("fenced: this replica no longer holds the lease")

// Lease is the evaluator lease as the database holds it.
type Lease struct {
	Name       string
	Holder     string    // "" when never held
	Token      int64     // fencing token: grows by one with every new term
	AcquiredAt time.Time // start of the holder's current term
	RenewedAt  time.Time
	ExpiresAt  time.Time
	Now        time.Time // the database clock when this was read
}

// leaseRow is a lease row in unix ms, with the clock it was read at.
type leaseRow struct {
	holder                                 string
	token, acquired, renewed, expires, now int64
}

func (r leaseRow) lease(name string) Lease {
	return Lease{Name: name, Holder: r.holder, Token: r.token, AcquiredAt: fromMS(r.acquired),
		RenewedAt: fromMS(r.renewed), ExpiresAt: fromMS(r.expires), Now: fromMS(r.now)}
}

// grant is what cur becomes when holder asks for it for ttlMS at cur.now:
// a renewal of holder's unexpired term keeps the token and the start of
// the term; a free lease (never held: token 0, or expired) starts a new
// term with the next token. ok is false when another holder's term runs.
func grant(cur leaseRow, holder string, ttlMS int64) (next leaseRow, ok bool) {
	live := cur.token > 0 && cur.expires > cur.now
	switch {
	case live && cur.holder == holder:
		next = cur
	case live:
		return cur, false
	default:
		next = leaseRow{holder: holder, token: cur.token + 1, acquired: cur.now, now: cur.now}
	}
	next.renewed, next.expires = cur.now, cur.now+ttlMS
	return next, true
}

const leaseColumns = `holder, token, acquired_at, renewed_at, expires_at`

// TryLease takes or renews lease name for holder for ttl. The holder gets
// it when it is free (never held, or expired) or already its own and
// unexpired; a new term (another holder before, or expired) bumps Token
// and sets AcquiredAt, a renewal keeps them. The row is read locked (FOR
// UPDATE on PostgreSQL, an immediate transaction on SQLite), so of racing
// replicas exactly one wins. It returns the lease as it stands after the
// attempt: Holder may be someone else.
func (s *Store) TryLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, error) {
	if name == "" || holder == "" || ttl < time.Millisecond {
		return Lease{}, fmt.Errorf("store: try lease %q for %q: name and holder must be set and ttl at least 1ms (got %v)", name, holder, ttl)
	}
	row, err := s.renew(ctx, name, holder, ttl)
	if err == nil {
		return row.lease(name), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Lease{}, fmt.Errorf("store: try lease %q for %q: renew: %w", name, holder, err)
	}
	err = inTx(ctx, s.w, func(t *txn) error {
		// A placeholder row to lock; the grant below always replaces it,
		// since a never-held lease is free.
		if _, err := t.ExecContext(ctx, `INSERT INTO cluster_lease (name, holder, token, acquired_at, renewed_at, expires_at)
			VALUES (?, '', 0, 0, 0, 0) ON CONFLICT (name) DO NOTHING`, name); err != nil {
			return fmt.Errorf("create: %w", err)
		}
		cur, err := readLease(ctx, t, name, t.d.forUpdate)
		if err != nil {
			return err
		}
		next, ok := grant(cur, holder, ttl.Milliseconds())
		row = next
		if !ok {
			return nil
		}
		_, err = t.ExecContext(ctx, `UPDATE cluster_lease SET holder = ?, token = ?, acquired_at = ?, renewed_at = ?, expires_at = ?
			WHERE name = ?`, next.holder, next.token, next.acquired, next.renewed, next.expires, name)
		return err
	})
	if err != nil {
		return Lease{}, fmt.Errorf("store: try lease %q for %q: %w", name, holder, err)
	}
	return row.lease(name), nil
}

// renew extends holder's unexpired term of lease name by ttl from now
// (the database clock), keeping its token; sql.ErrNoRows when holder has
// no such term. One UPDATE: on PostgreSQL its row lock (FOR NO KEY
// UPDATE) does not wait for the leader's own fenced writes, which hold
// the row FOR KEY SHARE, so a long write (a backfill's batch of buckets)
// cannot make the leader miss its renewal. Taking the lease over locks
// it FOR UPDATE and does wait for them.
func (s *Store) renew(ctx context.Context, name, holder string, ttl time.Duration) (leaseRow, error) {
	clock := s.w.d.clockMS
	var r leaseRow
	err := s.w.QueryRowContext(ctx, `UPDATE cluster_lease SET renewed_at = `+clock+`, expires_at = `+clock+` + ?
		WHERE name = ? AND holder = ? AND token > 0 AND expires_at > `+clock+`
		RETURNING `+leaseColumns+`, renewed_at`, ttl.Milliseconds(), name, holder).
		Scan(&r.holder, &r.token, &r.acquired, &r.renewed, &r.expires, &r.now)
	return r, err
}

// readLease reads lease name and then the database clock; lock is
// appended to the row's query (FOR UPDATE or ""). The clock comes second
// so that it is read after any wait for the lock: PostgreSQL evaluates a
// locking SELECT's columns before it waits.
func readLease(ctx context.Context, q querier, name, lock string) (leaseRow, error) {
	var r leaseRow
	err := q.QueryRowContext(ctx, `SELECT `+leaseColumns+` FROM cluster_lease WHERE name = ?`+lock, name).
		Scan(&r.holder, &r.token, &r.acquired, &r.renewed, &r.expires)
	if errors.Is(err, sql.ErrNoRows) {
		return leaseRow{}, ErrNotFound
	}
	if err != nil {
		return leaseRow{}, fmt.Errorf("read: %w", err)
	}
	if err := q.QueryRowContext(ctx, `SELECT `+q.dialect().clockMS).Scan(&r.now); err != nil {
		return leaseRow{}, fmt.Errorf("read clock: %w", err)
	}
	return r, nil
}

// ReleaseLease ends holder's term now if it still holds token (graceful
// shutdown: the next replica need not wait for the expiry). No error if it
// no longer holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, token int64) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE cluster_lease SET expires_at = `+s.w.d.clockMS+`
		WHERE name = ? AND holder = ? AND token = ? AND expires_at > `+s.w.d.clockMS, name, holder, token); err != nil {
		return fmt.Errorf("store: release lease %q of %q: %w", name, holder, err)
	}
	return nil
}

// ReadLease reads the lease; ErrNotFound if never taken.
func (s *Store) ReadLease(ctx context.Context, name string) (Lease, error) {
	r, err := readLease(ctx, s.r, name, "")
	if err == nil && r.token == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return Lease{}, fmt.Errorf("store: read lease %q: %w", name, err)
	}
	return r.lease(name), nil
}

// Member is one replica as it last reported itself.
type Member struct {
	ID, URL, Version  string
	StartedAt, SeenAt time.Time
}

// Heartbeat upserts m with SeenAt = the database clock (m.SeenAt ignored)
// and returns the database clock.
func (s *Store) Heartbeat(ctx context.Context, m Member) (time.Time, error) {
	if m.ID == "" {
		return time.Time{}, errors.New("store: heartbeat: empty member id")
	}
	var seen int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO cluster_members (id, url, version, started_at, seen_at)
		VALUES (?, ?, ?, ?, `+s.w.d.clockMS+`) ON CONFLICT (id) DO UPDATE SET
		url = excluded.url, version = excluded.version, started_at = excluded.started_at, seen_at = excluded.seen_at
		RETURNING seen_at`, m.ID, m.URL, m.Version, ms(m.StartedAt)).Scan(&seen)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: heartbeat of %s: %w", m.ID, err)
	}
	return fromMS(seen), nil
}

// Members lists every member, by ID, and the database clock.
func (s *Store) Members(ctx context.Context) ([]Member, time.Time, error) {
	var now int64
	if err := s.r.QueryRowContext(ctx, `SELECT `+s.r.d.clockMS).Scan(&now); err != nil {
		return nil, time.Time{}, fmt.Errorf("store: members: clock: %w", err)
	}
	out, err := selectAll(ctx, s.r, "members", `SELECT id, url, version, started_at, seen_at FROM cluster_members`,
		filter{}, "", nil, func(sc scanner) (Member, error) {
			var (
				m             Member
				started, seen int64
			)
			err := sc.Scan(&m.ID, &m.URL, &m.Version, &started, &seen)
			m.StartedAt, m.SeenAt = fromMS(started), fromMS(seen)
			return m, err
		})
	if err != nil {
		return nil, time.Time{}, err
	}
	// In Go, not SQL: a PostgreSQL collation may order text otherwise.
	slices.SortFunc(out, func(a, b Member) int { return cmp.Compare(a.ID, b.ID) })
	return out, fromMS(now), nil
}

// ForgetMembers drops the members not seen for longer than d (database
// clock) and returns how many went.
func (s *Store) ForgetMembers(ctx context.Context, d time.Duration) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM cluster_members WHERE seen_at < `+s.w.d.clockMS+` - ?`, d.Milliseconds())
	if err != nil {
		return 0, fmt.Errorf("store: forget members: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: forget members: %w", err)
	}
	return n, nil
}

// Fence makes the leader's writes conditional on still holding the lease.
type Fence struct {
	Lease  string // lease name, e.g. "evaluator"
	Holder string
	Token  func() int64 // the token of the term the caller believes it holds; 0: none
}

// SetFence installs f (nil: no fencing, the single-node default). Set
// before use; not changed while writes run.
func (s *Store) SetFence(f *Fence) { s.fence = f }

// epoch is the token fenced writes run under; 0 without a fence.
func (s *Store) epoch() int64 {
	if s.fence == nil {
		return 0
	}
	return s.fence.Token()
}

// fencedTx runs fn in a write transaction that, with a fence set, first
// checks that the fence's holder still holds the lease with token epoch
// and that it has not expired, by the database clock. On PostgreSQL the
// check locks the lease row FOR KEY SHARE until commit: a takeover (FOR
// UPDATE) waits for the fenced writes in flight, and fenced writes after
// it find the new term and fail with ErrFenced; the holder's renewal
// (FOR NO KEY UPDATE) does not wait for them. SQLite's immediate transactions
// serialise the same way.
func (s *Store) fencedTx(ctx context.Context, epoch int64, fn func(*txn) error) error {
	return inTx(ctx, s.w, func(t *txn) error {
		if f := s.fence; f != nil {
			var one int
			err := t.QueryRowContext(ctx, `SELECT 1 FROM cluster_lease
				WHERE name = ? AND holder = ? AND token = ? AND expires_at > `+t.d.clockMS+t.d.forKeyShare,
				f.Lease, f.Holder, epoch).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w (lease %q, holder %q, token %d)", ErrFenced, f.Lease, f.Holder, epoch)
			}
			if err != nil {
				return fmt.Errorf("check lease: %w", err)
			}
		}
		return fn(t)
	})
}

// fencedExec runs one fenced write statement and returns how many rows it
// changed. Without a fence it is a plain statement, no transaction.
func (s *Store) fencedExec(ctx context.Context, query string, args ...any) (int64, error) {
	if s.fence == nil {
		res, err := s.w.ExecContext(ctx, query, args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	var n int64
	err := s.fencedTx(ctx, s.epoch(), func(t *txn) error {
		var err error
		n, err = execCount(ctx, t, query, args...)
		return err
	})
	return n, err
}
