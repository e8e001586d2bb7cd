package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Limits of the write-behind queue: enough for a few hours of a store
// outage at the default interval, small enough to bound memory.
const (
	maxPendingWrites = 1000
	maxWriteAttempts = 10
)

// pendingWrite is one evaluation the store has not taken yet. It is also
// the line format of the dead-letter file, where the snapshot record
// (counts, burn rates and times of every SLO) is what a replay rebuilds
// the history rows from: SLOs, the in-memory statuses, are not written.
type pendingWrite struct {
	Service   string          `json:"service"`
	At        time.Time       `json:"at"`
	SLOs      []slo.Status    `json:"-"`
	Snapshot  json.RawMessage `json:"snapshot"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"last_error"`
}

// writeBehind keeps evaluations the store refused (disk full, database
// locked) and retries them on later cycles, so a store outage leaves no gap
// in the history. What still fails after maxAttempts, or overflows the
// queue, goes to a dead-letter file (JSON lines) for an operator to replay,
// never silently away.
type writeBehind struct {
	store       Store
	log         *slog.Logger
	metrics     *metrics
	deadLetter  string
	maxAttempts int
	maxPending  int

	mu      sync.Mutex
	pending []pendingWrite
}

func newWriteBehind(st Store, log *slog.Logger, m *metrics, deadLetter string) *writeBehind {
	return &writeBehind{store: st, log: log, metrics: m, deadLetter: deadLetter,
		maxAttempts: maxWriteAttempts, maxPending: maxPendingWrites}
}

// save writes one evaluation, queueing it when the store refuses.
func (w *writeBehind) save(ctx context.Context, p pendingWrite) {
	err := w.write(ctx, &p)
	if err == nil || errors.Is(err, store.ErrFenced) {
		// Fenced: another replica leads and writes the history; this
		// evaluation is not one to keep.
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) >= w.maxPending {
		w.deadLetterLocked(w.pending[0], "write-behind queue full")
		w.pending = w.pending[1:]
	}
	w.pending = append(w.pending, p)
	w.metrics.pendingWrites.Set(float64(len(w.pending)))
}

// clear drops every queued write: a new term starts from what the store
// holds.
func (w *writeBehind) clear() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = nil
	w.metrics.pendingWrites.Set(0)
}

// retry replays queued writes in order, stopping at the first failure: the
// store is most likely still unavailable.
func (w *writeBehind) retry(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.pending) > 0 {
		p := &w.pending[0]
		if err := w.write(ctx, p); err != nil {
			if errors.Is(err, store.ErrFenced) {
				// Another replica leads now and keeps the history.
				w.pending = nil
				break
			}
			if p.Attempts >= w.maxAttempts {
				w.deadLetterLocked(*p, "gave up after repeated failures")
				w.pending = w.pending[1:]
				continue
			}
			break
		}
		w.log.Info("queued evaluation written", "service", p.Service, "at", p.At, "attempts", p.Attempts)
		w.pending = w.pending[1:]
	}
	w.metrics.pendingWrites.Set(float64(len(w.pending)))
}

func (w *writeBehind) write(ctx context.Context, p *pendingWrite) error {
	p.Attempts++
	err := w.store.SaveServiceEvaluation(ctx, p.Service, p.At, p.SLOs, p.Snapshot)
	if err != nil {
		p.LastError = err.Error()
		w.log.Error("persist evaluation", "service", p.Service, "at", p.At, "attempt", p.Attempts, "err", err)
	}
	return err
}

// deadLetterLocked appends p to the dead-letter file and counts it once it
// is there; if even that fails (a full disk), it counts the evaluation as
// lost, and the log line is the last record of it.
func (w *writeBehind) deadLetterLocked(p pendingWrite, why string) {
	err := appendJSONLine(w.deadLetter, p)
	if err != nil {
		w.metrics.lostWrites.Inc()
		w.log.Error("evaluation lost: dead-letter write failed", "service", p.Service, "at", p.At, "why", why, "err", err)
		return
	}
	w.metrics.deadLetters.Inc()
	w.log.Error("evaluation dead-lettered", "service", p.Service, "at", p.At, "why", why, "file", w.deadLetter, "last_error", p.LastError)
}

func appendJSONLine(path string, v any) error {
	if path == "" {
		return fmt.Errorf("no dead-letter file configured")
	}
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode dead letter: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open dead-letter file: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write dead-letter file: %w", err)
	}
	// Counted as dead-lettered only once it is on disk.
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync dead-letter file: %w", err)
	}
	return f.Close()
}
