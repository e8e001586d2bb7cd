package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// ErrUnknownEvent: no dead letter has that event ID.
var ErrUnknownEvent = errors.New("no dead-lettered notification with that id")

// QueueStore lists and requeues deliveries (internal/store.Store).
type QueueStore interface {
	Notifications(ctx context.Context, q slo.NotificationQuery) ([]slo.Delivery, error)
	RetryDeadLetters(ctx context.Context, eventID string, now time.Time) (int, error)
}

// Queue is what the API shows of the outbox and lets people do with it.
type Queue struct {
	store QueueStore
	wake  func()
	clock func() time.Time
}

// NewQueue builds a queue over st; wake is the sender's Wake.
func NewQueue(st QueueStore, wake func(), clock func() time.Time) *Queue {
	if clock == nil {
		clock = time.Now
	}
	return &Queue{store: st, wake: wake, clock: clock}
}

// List returns deliveries as q selects them.
func (q *Queue) List(ctx context.Context, sel slo.NotificationQuery) ([]slo.Delivery, error) {
	return q.store.Notifications(ctx, sel)
}

// Retry moves the dead letters of eventID (all of them when empty) back
// to the queue, due now, and wakes the sender. It returns how many.
func (q *Queue) Retry(ctx context.Context, eventID string) (int, error) {
	n, err := q.store.RetryDeadLetters(ctx, eventID, q.clock())
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("%w: %s", ErrUnknownEvent, eventID)
	}
	if err != nil {
		return 0, err
	}
	if n > 0 {
		q.wake()
	}
	return n, nil
}

// OverrideEvents are the events of an override write, enqueued in its
// transaction (store.SetOverrideEvents).
func OverrideEvents(action string, o slo.Override) []slo.Event {
	switch action {
	case store.AuditOverrideCreate:
		return []slo.Event{OverrideEvent(slo.EventOverrideCreated, o)}
	case store.AuditOverrideRevoke:
		return []slo.Event{OverrideEvent(slo.EventOverrideRevoked, o)}
	}
	return nil
}

// CorrectionEvents are the events of a new correction, enqueued in its
// transaction (store.SetCorrectionEvents).
func CorrectionEvents(c slo.Correction) []slo.Event {
	return []slo.Event{CorrectionEvent(c)}
}
