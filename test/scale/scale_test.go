// Package scale measures what slod costs Prometheus with many SLOs and a
// month of history: one naive cycle (every SLO's period and burn-rate
// windows queried whole, as slod did before its event ledger), slod's
// backfill from a fresh database, and slod's steady-state cycles, each in
// Prometheus CPU-seconds read from the server's own process_cpu_seconds_total,
// less what it burns idling. It also reports the queries per cycle (as
// Prometheus and slod count them), slod's own CPU and memory, and the size
// of its SQLite file.
//
// The history is written here as OpenMetrics (synth has one sample
// interval per scenario; this needs two) and backfilled with promtool into
// a real Prometheus (internal/testing/promtest); slod is the binary built
// from this tree. Benchmarks report figures and never fail on time:
//
//	make bench-scale
//	SLOS=100 CYCLES=2 WINDOWS=30d make bench-scale   # a quick run
//
// The package has no code of its own; everything is in its tests.
package scale

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/metricnames"
	"github.com/slo-dev/slo/internal/prom"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// historyDays is how much history Prometheus holds: a 30d window and a
// day to spare, so its first samples are never at a window's edge.
const historyDays = 31

// runLimit is make bench-scale's -timeout. The history reaches this far
// past promtest.Lead, so queries at now find 1-minute samples on both
// sides of every window edge however long the run takes.
const runLimit = 60 * time.Minute

// naiveRuns: the first naive cycle reads blocks Prometheus has not
// touched since it started; later ones are what every cycle of a running
// slod costs, and the ratios use the last.
const naiveRuns = 2

// knobs are the benchmark's settings, from the environment.
type knobs struct {
	slos, perService int
	windows          []string
	cycles           int
	interval         time.Duration
	backfillTimeout  time.Duration
}

// knobsFromEnv reads SLOS (default 1000), SLOS_PER_SERVICE (10), WINDOWS
// (SLO windows to run one after the other, comma-separated; default
// "30d,7d"), CYCLES (steady-state cycles measured, 6), INTERVAL (slod's
// --interval, 30s) and BACKFILL_TIMEOUT (30m).
func knobsFromEnv(b *testing.B) knobs {
	b.Helper()
	k := knobs{
		slos:            envInt(b, "SLOS", 1000),
		perService:      envInt(b, "SLOS_PER_SERVICE", 10),
		cycles:          envInt(b, "CYCLES", 6),
		interval:        envDuration(b, "INTERVAL", 30*time.Second),
		backfillTimeout: envDuration(b, "BACKFILL_TIMEOUT", 30*time.Minute),
	}
	windows := os.Getenv("WINDOWS")
	if windows == "" {
		windows = "30d,7d"
	}
	for _, w := range strings.Split(windows, ",") {
		w = strings.TrimSpace(w)
		d, err := model.ParseDuration(w)
		if err != nil || time.Duration(d) > (historyDays-1)*24*time.Hour {
			b.Fatalf("WINDOWS: %q is not a window of at most %dd", w, historyDays-1)
		}
		k.windows = append(k.windows, w)
	}
	if k.slos < 1 || k.perService < 1 || k.slos%k.perService != 0 {
		b.Fatalf("SLOS=%d must be a positive multiple of SLOS_PER_SERVICE=%d", k.slos, k.perService)
	}
	if k.cycles < 1 || k.interval < time.Second {
		b.Fatalf("CYCLES=%d must be at least 1 and INTERVAL=%s at least 1s", k.cycles, k.interval)
	}
	return k
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return n
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return d
}

// BenchmarkScale runs the whole measurement once per SLO window in
// WINDOWS, against one Prometheus; see the package comment.
func BenchmarkScale(b *testing.B) {
	k := knobsFromEnv(b)
	began := time.Now()
	h := history{
		services:       k.slos / k.perService,
		slosPerService: k.perService,
		start:          began.Add(-historyDays * 24 * time.Hour),
		fine:           began.Add(-fineSpan),
		end:            began.Add(promtest.Lead + runLimit),
	}
	dir := b.TempDir()
	om := filepath.Join(dir, "history.om")
	samples, err := writeOpenMetrics(om, h)
	if err != nil {
		b.Fatal(err)
	}
	say("%d SLOs (%d services x %d), %d days of history: %.1fM samples (%s steps, %s for the last %s) written in %v",
		h.slos(), h.services, h.slosPerService, historyDays, float64(samples)/1e6, coarseStep, fineStep, model.Duration(fineSpan),
		time.Since(began).Round(time.Second))
	srv := promtest.StartWith(b, promtest.Options{OpenMetrics: om})
	// Gigabytes for a thousand SLOs; Prometheus reads its blocks now.
	os.Remove(om)
	say("prometheus ready at %s after %v", srv.URL, time.Since(began).Round(time.Second))
	bin := buildSlod(b, b.TempDir())

	// The baseline spans as long as the steady-state phase, the longest
	// one; shorter phases subtract it pro rata.
	base := measureIdle(b, srv.URL, time.Duration(k.cycles)*k.interval)
	say("idle baseline: Prometheus used %.2f CPU-s over %v with nothing querying", base.cpu, base.over.Round(time.Second))

	var results []windowResult
	for _, w := range k.windows {
		b.Run(w, func(b *testing.B) {
			r := runWindow(b, k, h, srv.URL, bin, base, w)
			results = append(results, r)
			r.report(b)
		})
	}
	summary(k, h, base, results)
}

// say prints a progress line at once; b.Logf would hold it until the
// benchmark ends.
func say(format string, args ...any) {
	fmt.Printf("scale: "+format+"\n", args...)
}

// measureIdle reads Prometheus' CPU over d with nothing querying it.
func measureIdle(b *testing.B, url string, d time.Duration) idle {
	b.Helper()
	say("measuring Prometheus idle for %v", d)
	r0, err := readProm(url)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(d)
	r1, err := readProm(url)
	if err != nil {
		b.Fatal(err)
	}
	delta := r0.to(r1)
	return idle{over: delta.wall, cpu: delta.cpu}
}

// windowResult is every figure of one SLO window.
type windowResult struct {
	window string
	naive  []promDelta
	// backfill runs from slod's start until its backfill is complete (the
	// first evaluation of every service, before the ledger).
	backfill            promDelta
	ledger              bool
	untilGate, untilEnd time.Duration
	// steady spans cycles whole cycles.
	steady        promDelta
	cycles        float64
	cycleSeconds  float64 // slod's time spent in those cycles
	slodQueries   float64 // slod's query count over steady
	slodBackfillQ float64 // slod's query count over backfill
	afterBackfill procStat
	steadyStart   procStat
	atEnd         procStat
	base          idle
	slos          int
	interval      time.Duration
}

// slodQueryCount is every query slod sent, answered or failed.
func slodQueryCount(m metrics) float64 {
	return m.sum(metricnames.PrometheusQueries, `result="success"`) + m.sum(metricnames.PrometheusQueries, `result="error"`)
}

// runWindow measures one SLO window: naive cycles, then slod's backfill
// and steady state.
func runWindow(b *testing.B, k knobs, h history, url, bin string, base idle, window string) windowResult {
	r := windowResult{window: window, base: base, slos: h.slos(), interval: k.interval}
	folder, err := writeSpecs(b.TempDir(), h, window)
	if err != nil {
		b.Fatal(err)
	}
	specs, problems := slo.Load(folder)
	if len(problems) > 0 || len(specs) != h.services {
		b.Fatalf("%d specs loaded, want %d; problems: %v", len(specs), h.services, problems)
	}

	src, err := prom.New(prom.Config{URL: url}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range naiveRuns {
		queries := naiveQueries(specs, time.Now())
		r0 := mustReadProm(b, url)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		err := runNaive(ctx, src, queries, r0.at)
		cancel()
		if err != nil {
			b.Fatalf("naive cycle: %v", err)
		}
		d := r0.to(mustReadProm(b, url))
		r.naive = append(r.naive, d)
		say("[%s] naive cycle %d: %d queries in %v, Prometheus %.2f CPU-s (net %.2f)",
			window, i+1, len(queries), d.wall.Round(time.Millisecond), d.cpu, base.net(d))
	}

	db := filepath.Join(b.TempDir(), "slod.db")
	r0 := mustReadProm(b, url)
	s := startSlod(b, bin, db, "--slos", folder, "--prometheus-url", url, "--db", db,
		"--interval", k.interval.String())
	defer s.stop()
	r.untilGate, r.ledger = waitBackfill(b, s, h.services, r0.at, k.backfillTimeout)
	rb := mustReadProm(b, url)
	r.backfill = r0.to(rb)
	r.afterBackfill = mustReadProc(b, s)
	mb := mustMetrics(b, s)
	r.slodBackfillQ = slodQueryCount(mb)
	say("[%s] slod: every gate answering after %v, backfill complete after %v; Prometheus %.2f CPU-s (net %.2f)",
		window, r.untilGate.Round(time.Millisecond), r.backfill.wall.Round(time.Millisecond), r.backfill.cpu, base.net(r.backfill))

	// Every cycle observes its duration once.
	cycles := func(m metrics) float64 { return m.sum(metricnames.EvaluationDuration + "_count") }
	cycleBound := 2*k.interval + 10*time.Minute
	watch := serviceName(0)
	// The first cycle after the backfill is left out: it catches up on
	// what happened meanwhile. Measuring from the end of one cycle to the
	// end of another spans whole cycles.
	ma := waitCycles(b, s, watch, cycles(mb)+1, cycleBound)
	sa := mustReadProm(b, url)
	r.steadyStart = mustReadProc(b, s)
	say("[%s] measuring %d steady-state cycles", window, k.cycles)
	mz := waitCycles(b, s, watch, cycles(ma)+float64(k.cycles), time.Duration(k.cycles)*cycleBound)
	r.steady = sa.to(mustReadProm(b, url))
	r.cycles = cycles(mz) - cycles(ma)
	r.cycleSeconds = mz.sum(metricnames.EvaluationDuration+"_sum") - ma.sum(metricnames.EvaluationDuration+"_sum")
	r.slodQueries = slodQueryCount(mz) - slodQueryCount(ma)
	r.atEnd = mustReadProc(b, s)
	r.untilEnd = time.Since(r0.at)
	if errs := mz.sum(metricnames.EvaluationErrors); errs > 0 {
		say("[%s] warning: slod counted %.0f failed service evaluations", window, errs)
	}
	return r
}

// waitBackfill polls slod's service list until every service has been
// evaluated (the gate answers) and, with the ledger, every backfill is
// complete. It returns how long after start the gates answered and
// whether slod reported backfill progress at all.
func waitBackfill(b *testing.B, s *slodProc, services int, start time.Time, timeout time.Duration) (untilGate time.Duration, ledger bool) {
	b.Helper()
	var (
		p        progress
		lastSaid time.Time
	)
	for {
		list, err := s.services()
		if err != nil {
			if _, perr := os.Stat(fmt.Sprintf("/proc/%d", s.pid())); perr != nil {
				b.Fatalf("slod exited: %v\n%s", err, tail(s))
			}
		} else {
			p = progressOf(list, start)
			if untilGate == 0 && p.allEvaluated(services) {
				untilGate = time.Since(start)
			}
			// Until the ledger lands nothing reports a backfill: the first
			// evaluation of every service stands in for it.
			if untilGate > 0 && (!p.ledger || p.allBackfilled(services)) {
				return untilGate, p.ledger
			}
		}
		if time.Since(lastSaid) > 30*time.Second {
			lastSaid = time.Now()
			say("  %v: %d of %d services evaluated, backfill %d/%d buckets (%d services complete)",
				time.Since(start).Round(time.Second), p.evaluated, services, p.bucketsDone, p.buckets, p.backfilled)
		}
		if time.Since(start) > timeout {
			b.Fatalf("slod has not completed its backfill within %v (BACKFILL_TIMEOUT): %+v; last error: %s\n%s",
				timeout, p, p.lastError, tail(s))
		}
		// Each answer lists every SLO (1.5 MB for a thousand): asking
		// more often would add to slod's CPU figures.
		time.Sleep(time.Second)
	}
}

// waitCycles waits until slod has completed at least n evaluation cycles
// and returns its /metrics then. It watches the answer for one service,
// which changes as a cycle ends, and reads /metrics (every SLO's gauges: a
// megabyte for a thousand SLOs, whose rendering would show in slod's CPU
// if polled) only when it does, or every 10s in case it does not: about
// as often as a Prometheus scraping slod would.
func waitCycles(b *testing.B, s *slodProc, watch string, n float64, timeout time.Duration) metrics {
	b.Helper()
	deadline := time.Now().Add(timeout)
	var (
		last     []byte
		lastRead time.Time
		count    float64
		err      error
	)
	for {
		var body []byte
		if body, err = s.get("/api/v1/services/" + watch); err == nil && (!bytes.Equal(body, last) || time.Since(lastRead) > 10*time.Second) {
			last, lastRead = body, time.Now()
			var m metrics
			if m, err = s.metrics(); err == nil {
				if count = m.sum(metricnames.EvaluationDuration + "_count"); count >= n {
					return m
				}
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("slod completed %v of %v cycles within %v: %v\n%s", count, n, timeout, err, tail(s))
		}
		// Prometheus idles between a cycle's end and its detection, so
		// the poll need not be fine.
		time.Sleep(500 * time.Millisecond)
	}
}

func mustReadProm(b *testing.B, url string) promReading {
	b.Helper()
	r, err := readProm(url)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func mustReadProc(b *testing.B, s *slodProc) procStat {
	b.Helper()
	p, err := readProc(s.pid(), s.db)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func mustMetrics(b *testing.B, s *slodProc) metrics {
	b.Helper()
	m, err := s.metrics()
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// perCycle is a steady-state total divided by the cycles it spans.
func (r windowResult) perCycle(v float64) float64 { return v / r.cycles }

func (r windowResult) naiveNet() float64 { return r.base.net(r.naive[len(r.naive)-1]) }

// report prints r's table and reports its key figures as metrics.
func (r windowResult) report(b *testing.B) {
	naive := r.naiveNet()
	steady := r.perCycle(r.base.net(r.steady))
	backfill := r.base.net(r.backfill)
	dbEnd := r.atEnd.dbBytes + r.atEnd.walBytes

	var out strings.Builder
	fmt.Fprintf(&out, "\n== SLO window %s: %d SLOs ==\n", r.window, r.slos)
	w := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "phase\twall\tprom CPU-s raw\tidle share\tnet\tprom instant q\tprom range q\tslod queries\t")
	for i, d := range r.naive {
		fmt.Fprintf(w, "naive cycle %d\t%v\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t-\t\n",
			i+1, d.wall.Round(time.Millisecond), d.cpu, d.cpu-r.base.net(d), r.base.net(d), d.instant, d.ranged)
	}
	name := "slod backfill"
	if !r.ledger {
		name = "slod first cycle*"
	}
	d := r.backfill
	fmt.Fprintf(w, "%s\t%v\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t%.0f\t\n",
		name, d.wall.Round(time.Millisecond), d.cpu, d.cpu-backfill, backfill, d.instant, d.ranged, r.slodBackfillQ)
	d = r.steady
	fmt.Fprintf(w, "steady, per cycle (%.0f)\t%v\t%.3f\t%.3f\t%.3f\t%.1f\t%.1f\t%.1f\t\n",
		r.cycles, (d.wall / time.Duration(r.cycles)).Round(time.Millisecond), r.perCycle(d.cpu), r.perCycle(d.cpu)-steady, steady,
		r.perCycle(d.instant), r.perCycle(d.ranged), r.perCycle(r.slodQueries))
	w.Flush()
	// The wall time per cycle is the interval whenever slod keeps up; the
	// time a cycle itself takes says how close it is to not keeping up.
	perCycle := time.Duration(r.perCycle(r.cycleSeconds) * float64(time.Second))
	fmt.Fprintf(&out, "a steady cycle took %v on average (--interval %v)\n", perCycle.Round(time.Millisecond), r.interval)
	if perCycle > r.interval {
		fmt.Fprintf(&out, "slod does not keep up: its cycles run back to back\n")
	}
	if !r.ledger {
		out.WriteString("* slod reports no backfill progress (no ledger yet): the backfill figure is its first cycle.\n")
	}
	fmt.Fprintf(&out, "every gate answering after %v; backfill complete after %v\n",
		r.untilGate.Round(time.Millisecond), r.backfill.wall.Round(time.Millisecond))
	fmt.Fprintf(&out, "ratios (net): steady/naive %.3f, backfill/naive %.2f\n", steady/naive, backfill/naive)
	fmt.Fprintf(&out, "slod after backfill: CPU %.2f s, RSS %.0f MB (peak %.0f MB), SQLite %s + WAL %s\n",
		r.afterBackfill.cpu, r.afterBackfill.rss, r.afterBackfill.hwm, mb(r.afterBackfill.dbBytes), mb(r.afterBackfill.walBytes))
	fmt.Fprintf(&out, "slod at the end (%v): CPU %.2f s (%.3f s per steady cycle), RSS %.0f MB (peak %.0f MB), SQLite %s + WAL %s = %.0f bytes per SLO\n",
		r.untilEnd.Round(time.Second), r.atEnd.cpu, r.perCycle(r.atEnd.cpu-r.steadyStart.cpu), r.atEnd.rss, r.atEnd.hwm,
		mb(r.atEnd.dbBytes), mb(r.atEnd.walBytes), float64(dbEnd)/float64(r.slos))
	fmt.Print(out.String())

	b.ReportMetric(0, "ns/op") // one run of minutes: its wall time says nothing
	b.ReportMetric(naive, "naive_cpu_s")
	b.ReportMetric(backfill, "backfill_cpu_s")
	b.ReportMetric(steady, "steady_cpu_s_per_cycle")
	b.ReportMetric(steady/naive, "ratio_steady_to_naive")
	b.ReportMetric(backfill/naive, "ratio_backfill_to_naive")
	b.ReportMetric(r.perCycle(r.steady.instant+r.steady.ranged), "queries_per_cycle")
	b.ReportMetric(r.atEnd.hwm, "slod_rss_mb")
	b.ReportMetric(float64(dbEnd)/float64(r.slos), "sqlite_bytes_per_slo")
}

func mb(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/(1<<20)) }

// summary compares the windows' steady state: with the ledger it should
// not grow with the window.
func summary(k knobs, h history, base idle, results []windowResult) {
	if len(results) == 0 {
		return
	}
	var out strings.Builder
	fmt.Fprintf(&out, "\n== summary: %d SLOs, slod --interval %s, idle baseline %.4f CPU-s/s ==\n",
		h.slos(), k.interval, base.cpu/base.over.Seconds())
	w := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "window\tnaive CPU-s\tbackfill CPU-s\tsteady CPU-s/cycle\tsteady/naive\tqueries/cycle\t")
	for _, r := range results {
		steady := r.perCycle(r.base.net(r.steady))
		fmt.Fprintf(w, "%s\t%.2f\t%.2f\t%.3f\t%.3f\t%.1f\t\n", r.window, r.naiveNet(), r.base.net(r.backfill), steady,
			steady/r.naiveNet(), r.perCycle(r.steady.instant+r.steady.ranged))
	}
	w.Flush()
	if len(results) == 1 {
		out.WriteString("one window only (WINDOWS); WINDOWS=7d,30d compares how the steady state grows with the window\n")
	}
	fmt.Print(out.String())
}
