package store

// TEMPORARY stub until the pgstore branch lands; never commit.

import (
	"context"
	"errors"
	"time"
)

type Lease struct {
	Name       string
	Holder     string
	Token      int64
	AcquiredAt time.Time
	RenewedAt  time.Time
	ExpiresAt  time.Time
	Now        time.Time
}

type Member struct {
	ID, URL, Version  string
	StartedAt, SeenAt time.Time
}

type Fence struct {
	Lease  string
	Holder string
	Token  func() int64
}

var ErrFenced = errors.New("fenced")

func (s *Store) TryLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, error) {
	return Lease{}, nil
}
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, token int64) error { return nil }
func (s *Store) ReadLease(ctx context.Context, name string) (Lease, error)                { return Lease{}, nil }
func (s *Store) Heartbeat(ctx context.Context, m Member) (time.Time, error)               { return time.Time{}, nil }
func (s *Store) Members(ctx context.Context) ([]Member, time.Time, error) {
	return nil, time.Time{}, nil
}
func (s *Store) ForgetMembers(ctx context.Context, d time.Duration) (int64, error) { return 0, nil }
func (s *Store) SetFence(f *Fence)                                                 {}
func (s *Store) Backend() string                                                   { return "sqlite" }

func IsPostgres(dsn string) bool { return false }
