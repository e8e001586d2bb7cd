package promapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/slo-dev/slo/internal/demo/synth"
)

// commitEvery bounds the samples an appender holds before Commit, as
// promtool's --max-samples-in-appender does, so RAM stays flat.
const commitEvery = 50_000

// Stats describes what a backfill wrote.
type Stats struct {
	Series  int
	Samples int
}

// Backfill writes the samples of scenarios into a single TSDB block in dir,
// the way `promtool tsdb create-blocks-from openmetrics` does: synth's
// OpenMetrics text goes through Prometheus' own parser into a
// tsdb.BlockWriter, so the data is what a real Prometheus would hold after
// backfilling the same text.
//
// A service may come as several scenarios, consecutive in time (see
// checkContinuity), for instance to sample old history more coarsely. Its
// counters then continue across them: each part's values are offset by
// where the previous part's series ended, as one scrape target would have
// counted on.
func Backfill(ctx context.Context, dir string, scenarios []synth.Scenario, log *slog.Logger) (Stats, error) {
	if len(scenarios) == 0 {
		return Stats{}, errors.New("backfill: no scenarios")
	}
	if err := checkContinuity(scenarios); err != nil {
		return Stats{}, fmt.Errorf("backfill: %w", err)
	}
	mint, maxt := scenarios[0].Start, scenarios[0].End
	for _, s := range scenarios[1:] {
		mint, maxt = minTime(mint, s.Start), maxTime(maxt, s.End)
	}
	// A block writer accepts samples at most half its block size older than
	// the newest one; each series is written from its start after earlier
	// series reached the end, so the size must be twice the whole span.
	blockSize := 2 * (maxt.Sub(mint) + time.Minute).Milliseconds()
	w, err := tsdb.NewBlockWriter(log, dir, blockSize)
	if err != nil {
		return Stats{}, fmt.Errorf("backfill: block writer: %w", err)
	}
	defer w.Close()

	var (
		st   Stats
		text bytes.Buffer
		last = map[string]point{}
	)
	// One scenario at a time keeps only one part's text in memory.
	for _, s := range scenarios {
		if err := ctx.Err(); err != nil {
			return Stats{}, fmt.Errorf("backfill: %w", err)
		}
		text.Reset()
		if err := synth.WriteOpenMetrics(&text, s); err != nil {
			return Stats{}, fmt.Errorf("backfill %s: %w", s.Service, err)
		}
		n, err := appendText(ctx, w, text.Bytes(), last)
		if err != nil {
			return Stats{}, fmt.Errorf("backfill %s: %w", s.Service, err)
		}
		st.Samples += n
	}
	st.Series = len(last)
	if _, err := w.Flush(ctx); err != nil {
		return Stats{}, fmt.Errorf("backfill: flush block: %w", err)
	}
	return st, nil
}

// checkContinuity accepts several scenarios of one service only if they
// follow each other in the order given, each starting where the previous
// ended, at a multiple of the previous one's step: only then does the
// previous part's last sample count every event before the next part.
func checkContinuity(scenarios []synth.Scenario) error {
	prev := map[string]synth.Scenario{}
	for _, s := range scenarios {
		if p, ok := prev[s.Service]; ok {
			step := p.Step
			if step == 0 {
				step = synth.DefaultStep
			}
			if !s.Start.Equal(p.End) {
				return fmt.Errorf("service %s: a scenario starts at %s, not where the previous one ended (%s)",
					s.Service, s.Start.UTC(), p.End.UTC())
			}
			if p.End.UnixNano()%int64(step) != 0 {
				return fmt.Errorf("service %s: a scenario ends at %s, not on a multiple of its step %s, so the next one cannot continue its counters",
					s.Service, p.End.UTC(), step)
			}
		}
		prev[s.Service] = s
	}
	return nil
}

// point is the last sample written to a series.
type point struct {
	t int64
	v float64
}

// appendText parses OpenMetrics text with timestamps and appends every
// sample, continuing series found in last (see Backfill) and updating it.
// A continued series' samples up to its last timestamp are skipped: the
// sample where two parts meet is the same event count written twice.
// Samples of one series are consecutive in synth's output, so its labels
// and reference are looked up once per series, not per sample.
func appendText(ctx context.Context, w *tsdb.BlockWriter, text []byte, last map[string]point) (int, error) {
	var (
		samples int
		pending int
		app     = w.AppenderV2(ctx)
		p       = textparse.NewOpenMetricsParser(text, labels.NewSymbolTable())
		key     string
		offset  point // where the series ended in an earlier part
		cur     point // the series' last sample so far
		ref     storage.SeriesRef
		lset    labels.Labels
	)
	for {
		e, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			app.Rollback()
			return samples, fmt.Errorf("parse: %w", err)
		}
		if e != textparse.EntrySeries {
			continue
		}
		series, ts, v := p.Series()
		if ts == nil {
			app.Rollback()
			return samples, fmt.Errorf("sample of %s has no timestamp", series)
		}
		if string(series) != key {
			if key != "" {
				last[key] = cur
			}
			key = string(series)
			p.Labels(&lset)
			ref = 0
			offset = point{t: math.MinInt64}
			if l, ok := last[key]; ok {
				offset = l
			}
			cur = offset
		}
		if *ts <= offset.t {
			continue
		}
		v += offset.v
		ref, err = app.Append(ref, lset, 0, *ts, v, nil, nil, storage.AOptions{})
		if err != nil {
			app.Rollback()
			return samples, fmt.Errorf("append %s at %d: %w", lset, *ts, err)
		}
		cur = point{t: *ts, v: v}
		samples++
		if pending++; pending == commitEvery {
			if err := app.Commit(); err != nil {
				return samples, fmt.Errorf("commit: %w", err)
			}
			app, pending = w.AppenderV2(ctx), 0
		}
	}
	if key != "" {
		last[key] = cur
	}
	if err := app.Commit(); err != nil {
		return samples, fmt.Errorf("commit: %w", err)
	}
	return samples, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
