package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

// book is the ledger of one query fingerprint, shared by every SLO with
// the same queries. Renaming an SLO keeps its book; changing a query
// starts another.
type book struct {
	fp string
	// o is an SLO counted by this book: its queries are the book's.
	o slo.SLO

	mu sync.Mutex
	// users are the SLOs counted by this book; it keeps what the
	// longest of them needs.
	users []slo.SLO
	l     *ledger.Ledger
	// fetchErr is the latest failure fetching this book's buckets (a
	// query with several series or NaN), nil once a fetch succeeds.
	fetchErr   error
	fetchErrAt time.Time
	// complete: the backfill has been reported done in the log.
	complete bool
	started  time.Time
	// direct holds the windows measured whole while the ledger cannot sum
	// them yet, by windowKey; dropped once it can.
	direct map[string]directWindow
}

// directWindow is a window measured whole at a cycle, carried forward by
// later cycles until directRefresh has passed.
type directWindow struct {
	ledger.Direct
	at time.Time
}

// directRefresh is how long a window measured whole is carried forward
// before it is measured again. Carrying pro-rates what slides out of a
// rolling window at its start, the part the backfill loads last, so this
// bounds that estimate to this long of the window (15m of 30d: 0.03%),
// and the whole-window queries, the dearest a cycle can send, run once
// per this long instead of every cycle while history loads.
const directRefresh = 15 * time.Minute

// windowKey names a window of o in book.direct. SLOs sharing a book
// share their windows, so a window is named by what it covers: a rolling
// one (a burn-rate window, or a rolling period) by its length, a calendar
// period by its calendar and time zone (its length changes every cycle).
func windowKey(o slo.SLO, period bool, d time.Duration) string {
	if period && o.Calendar != "" {
		return string(o.Calendar) + " in " + o.Location.String()
	}
	return d.String()
}

// carried is the window of key [from, tail.To) from its direct
// measurement, if one is recent enough and the buckets since are known;
// b.mu is held.
func (b *book) carried(key string, from time.Time, tail ledger.Tail, now time.Time) (slo.Counts, bool, bool) {
	w, ok := b.direct[key]
	if !ok || now.Sub(w.at) > directRefresh || from.Sub(w.From) > directRefresh {
		return slo.Counts{}, false, false
	}
	return b.l.Carry(w.Direct, from, tail)
}

// layout is the book's layout at now; b.mu is held.
func (b *book) layout(now time.Time) ledger.Layout {
	from := now
	for _, o := range b.users {
		if t := oldestNeeded(o, now); t.Before(from) {
			from = t
		}
	}
	return ledger.LayoutAt(from, now)
}

// oldestNeeded is the oldest instant o's windows reach at now: its
// rolling window, or the start of its calendar period.
func oldestNeeded(o slo.SLO, now time.Time) time.Time {
	elapsed, _ := o.Period(now)
	return now.Add(-elapsed)
}

// books holds the ledgers of the SLOs in force.
type books struct {
	mu   sync.Mutex
	byFP map[string]*book
}

// sync makes a book for every SLO of specs, loading new ones from the
// store, and forgets books no SLO uses any more. It returns the book of
// each SLO by service and slug.
func (e *Engine) syncBooks(ctx context.Context, specs []slo.Spec, now time.Time) (map[string]map[string]*book, error) {
	e.books.mu.Lock()
	defer e.books.mu.Unlock()
	if e.books.byFP == nil {
		e.books.byFP = map[string]*book{}
	}
	users := map[string][]slo.SLO{}
	for _, sp := range specs {
		for _, o := range sp.SLOs {
			fp := o.QueryFingerprint()
			users[fp] = append(users[fp], o)
		}
	}
	used := make(map[string]*book, len(users))
	for fp, os := range users {
		b := e.books.byFP[fp]
		if b == nil {
			var err error
			if b, err = e.loadBook(ctx, fp, os, now); err != nil {
				return nil, err
			}
		}
		b.mu.Lock()
		b.users = os
		b.mu.Unlock()
		used[fp] = b
	}
	e.books.byFP = used
	out := make(map[string]map[string]*book, len(specs))
	for _, sp := range specs {
		out[sp.Service] = make(map[string]*book, len(sp.SLOs))
		for _, o := range sp.SLOs {
			out[sp.Service][o.Slug] = used[o.QueryFingerprint()]
		}
	}
	return out, nil
}

// all lists the books in force.
func (bs *books) all() []*book {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	out := make([]*book, 0, len(bs.byFP))
	for _, b := range bs.byFP {
		out = append(out, b)
	}
	return out
}

// loadBook builds the book of fp from the buckets the store holds, and
// queues for the store the coarse buckets rolled up from old fine ones.
func (e *Engine) loadBook(ctx context.Context, fp string, users []slo.SLO, now time.Time) (*book, error) {
	b, rolled, err := e.readBook(ctx, fp, users, now)
	if err != nil {
		return nil, err
	}
	e.queueBuckets(fp, rolled)
	return b, nil
}

// readBook builds the book of fp from the buckets the store holds; rolled
// are the coarse buckets rolled up from fine ones older than the split.
func (e *Engine) readBook(ctx context.Context, fp string, users []slo.SLO, now time.Time) (b *book, rolled []ledger.Bucket, err error) {
	o := users[0]
	stored, err := e.store.Buckets(ctx, fp)
	if err != nil {
		return nil, nil, fmt.Errorf("load ledger of %s (%s): %w", o.Name, fp, err)
	}
	b = &book{fp: fp, o: o, users: users, started: now}
	lay := b.layout(now)
	// Split at From first, so stored fine buckets older than the real
	// split are rolled up by Advance instead of dropped.
	b.l = ledger.New(lay.From)
	for _, s := range stored {
		// Buckets outside the layout are pruned later; skipping them
		// bounds the ledger whatever the file holds.
		if s.Start.Before(lay.From) || !s.Start.Before(lay.Closed) {
			continue
		}
		if err := b.l.Put(s); err != nil {
			return nil, nil, fmt.Errorf("load ledger of %s (%s): %w", o.Name, fp, err)
		}
	}
	rolled = b.l.Advance(lay)
	b.l.Reserve(lay)
	return b, rolled, nil
}
