// Package promapi is a small Prometheus-compatible data source for the demo
// and for tests: synthetic history (internal/demo/synth) is backfilled into a
// real Prometheus TSDB and queried with the real PromQL engine, served over
// the standard HTTP query API. slod then talks to it through client_golang
// exactly as it talks to a Prometheus server.
package promapi

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/slo-dev/slo/internal/demo/synth"
)

// Engine limits, as a default Prometheus server has them.
const (
	maxSamples    = 50_000_000
	queryTimeout  = 2 * time.Minute
	lookbackDelta = 5 * time.Minute
	// subqueryStep is the step of a subquery that gives none: Prometheus
	// uses the global evaluation interval, 1m by default.
	subqueryStep = time.Minute
)

// Source is a TSDB holding backfilled scenarios and a PromQL engine over it.
type Source struct {
	db     *tsdb.DB
	engine *promql.Engine
	log    *slog.Logger
	// Stats describes the backfilled data.
	Stats Stats
}

// Open backfills scenarios into a new TSDB in dir (which should be empty
// and is left to the caller to remove) and opens it for queries.
func Open(ctx context.Context, dir string, scenarios []synth.Scenario, log *slog.Logger) (*Source, error) {
	tsdbLog := slog.New(quiet{log.Handler()}).With("component", "tsdb")
	engineLog := slog.New(quiet{log.Handler()}).With("component", "promql")
	st, err := Backfill(ctx, dir, scenarios, tsdbLog)
	if err != nil {
		return nil, err
	}
	opts := tsdb.DefaultOptions()
	// No time retention (the default is 15d): the history is fixed for the
	// life of the process and all of it is meant to be queried.
	opts.RetentionDuration = 0
	db, err := tsdb.Open(dir, tsdbLog, nil, opts, nil)
	if err != nil {
		return nil, fmt.Errorf("open tsdb in %s: %w", dir, err)
	}
	// Nothing is appended after the backfill, so there is nothing to compact.
	db.DisableCompactions()
	engine := promql.NewEngine(promql.EngineOpts{
		Logger:                   engineLog,
		MaxSamples:               maxSamples,
		Timeout:                  queryTimeout,
		LookbackDelta:            lookbackDelta,
		NoStepSubqueryIntervalFn: func(int64) int64 { return subqueryStep.Milliseconds() },
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
	})
	return &Source{db: db, engine: engine, log: log, Stats: st}, nil
}

// Close closes the TSDB.
func (s *Source) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close tsdb: %w", err)
	}
	return nil
}

// instant evaluates q at ts.
func (s *Source) instant(ctx context.Context, q string, ts time.Time) (*promql.Result, func(), error) {
	qry, err := s.engine.NewInstantQuery(ctx, s.db, nil, q, ts)
	if err != nil {
		return nil, nil, err
	}
	return qry.Exec(ctx), qry.Close, nil
}

// ranged evaluates q from start to end every step.
func (s *Source) ranged(ctx context.Context, q string, start, end time.Time, step time.Duration) (*promql.Result, func(), error) {
	qry, err := s.engine.NewRangeQuery(ctx, s.db, nil, q, start, end, step)
	if err != nil {
		return nil, nil, err
	}
	return qry.Exec(ctx), qry.Close, nil
}

// quiet passes on only warnings and errors: at info level the TSDB reports
// the routine steps of every backfill and open ("WAL not found", "write
// block started"), which would drown what the demo prints.
type quiet struct{ slog.Handler }

func (q quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && q.Handler.Enabled(ctx, l)
}

func (q quiet) WithAttrs(as []slog.Attr) slog.Handler { return quiet{q.Handler.WithAttrs(as)} }

func (q quiet) WithGroup(name string) slog.Handler { return quiet{q.Handler.WithGroup(name)} }
