package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

func reportOpsPerSec(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func benchDecision() slo.DecisionRecord {
	return slo.DecisionRecord{At: t0, Service: "checkout", Priority: slo.PriorityNormal, Version: "v1.2.3",
		Actor: "ci-bot", Pipeline: "deploy#42", Decision: slo.Deny,
		Reasons:   []slo.Reason{{SLO: "availability", Code: slo.CodeBudgetExhausted, Message: "budget used: 142%"}},
		Actions:   []string{"freeze_releases"},
		RequestID: "req-1"}
}

// Each op is one fsynced commit (synchronous=FULL) on SQLite, so the
// figure depends on the disk more than on the code. pgtest's PostgreSQL
// runs with fsync off: its figure is the round trips and the server's
// work, not a disk's.
func BenchmarkRecordDecision(b *testing.B) {
	forEachBackend(b, func(b *testing.B, be backend) {
		s := be.open(b)
		ctx, d := context.Background(), benchDecision()
		for b.Loop() {
			if _, err := s.RecordDecision(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
		reportOpsPerSec(b)
	})
}

// Parallel callers queue on SQLite's single writer connection; on
// PostgreSQL they share the pool of 10.
func BenchmarkRecordDecisionParallel(b *testing.B) {
	forEachBackend(b, func(b *testing.B, be backend) {
		s := be.open(b)
		ctx, d := context.Background(), benchDecision()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.RecordDecision(ctx, d); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportOpsPerSec(b)
	})
}

// One service with two SLOs and a 2 KiB snapshot, as the engine saves it
// every interval.
func BenchmarkSaveServiceEvaluation(b *testing.B) {
	forEachBackend(b, func(b *testing.B, be backend) {
		s := be.open(b)
		ctx := context.Background()
		page := burnrate.Window{Severity: burnrate.SeverityPage, Long: time.Hour, Short: 5 * time.Minute, Factor: 14.4}
		st := slo.Status{Slug: "availability", Counts: slo.Counts{Errors: 15, Total: 1e4},
			Budget:     slo.Budget{Status: slo.StatusOK, SLI: 0.9985, Consumed: 0.5, Remaining: 0.5},
			BurnRates:  map[string]float64{"5m": 20, "30m": 3, "1h": 15.5, "2h": 1, "6h": 1, "1d": 1, "3d": 1},
			Conditions: []burnrate.Condition{{Window: page, LongBurn: 15.5, ShortBurn: 20, Firing: true}}}
		lat := st
		lat.Slug = "latency"
		slos := []slo.Status{st, lat}
		snap := []byte(`{"pad":"` + string(make([]byte, 2048)) + `"}`)
		for i := range snap[8 : len(snap)-2] {
			snap[8+i] = 'x'
		}
		at := t0
		for b.Loop() {
			at = at.Add(30 * time.Second)
			if err := s.SaveServiceEvaluation(ctx, "checkout", at, slos, snap); err != nil {
				b.Fatal(err)
			}
		}
		reportOpsPerSec(b)
	})
}

// 30 days at a 30s interval (86,400 rows) read back as a 1,000-point chart.
func BenchmarkHistory30Days(b *testing.B) {
	forEachBackend(b, func(b *testing.B, be backend) {
		s := be.open(b)
		ctx := context.Background()
		const rows = 30 * 24 * 120
		tx, err := s.w.begin(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluations (service, slo, evaluated_at, errors, total, sli,
				consumed, remaining, remaining_events, remaining_minutes, status, burn_rates, firing, error)
				VALUES ('checkout', 'availability', ?, 1, 100, 0.99, 0.5, 0.5, 1, 20, 'ok', '{"1h":1.5,"5m":2}', '[]', '')`,
				ms(t0.Add(time.Duration(i)*30*time.Second))); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			ps, err := s.History(ctx, "checkout", "availability", t0, t0.Add(30*24*time.Hour), 1000)
			if err != nil || len(ps) != 1000 {
				b.Fatalf("History = %d points, %v", len(ps), err)
			}
		}
		reportOpsPerSec(b)
	})
}

// benchLedger is one SLO's ledger as the engine keeps it: 3d+1h of fine
// buckets (876) and 30d of coarse ones (720), ending at t0.
func benchLedger() []ledger.Bucket {
	const nFine, nCoarse = (3*24 + 1) * 12, 30 * 24
	var bs []ledger.Bucket
	for i := range nCoarse {
		bs = append(bs, ledger.Bucket{Start: t0.Add(time.Duration(i-nCoarse) * ledger.Coarse), Step: ledger.Coarse,
			Bad: float64(i % 7), Total: 36000 + float64(i), State: ledger.Known, Series: true})
	}
	for i := range nFine {
		bs = append(bs, ledger.Bucket{Start: t0.Add(time.Duration(i-nFine) * ledger.Fine), Step: ledger.Fine,
			Bad: float64(i%5) * 0.25, Total: 3000.5 + float64(i), State: ledger.Known, Series: true})
	}
	return bs
}

// benchFingerprint is a hex fingerprint of n digits.
func benchFingerprint(i, n int) string {
	return fmt.Sprintf("%0*x", n, i)
}

// The ledger's share of the file per SLO: 100 SLOs backfilled in one
// batch, checkpointed into the main file, less the size of an empty store.
// Every row holds its fingerprint, so the size depends on its length: 16
// hex digits (64 bits) or 64 (a whole sha256).
func BenchmarkLedgerSize(b *testing.B) {
	for _, digits := range []int{16, 64} {
		b.Run(fmt.Sprintf("fingerprint=%d", digits), func(b *testing.B) {
			ctx := context.Background()
			const slos = 100
			batch := map[string][]ledger.Bucket{}
			for i := range slos {
				batch[benchFingerprint(i, digits)] = benchLedger()
			}
			var perSLO float64
			for b.Loop() {
				b.StopTimer()
				s, path := openTest(b)
				empty := checkpointedSize(b, s, path)
				b.StartTimer()
				if err := s.SaveBucketsBatch(ctx, batch); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				perSLO = float64(checkpointedSize(b, s, path)-empty) / slos
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(perSLO, "bytes/slo")
			b.ReportMetric(perSLO/float64(len(benchLedger())), "bytes/bucket")
		})
	}
}

// checkpointedSize moves the WAL into the main file and returns its size.
func checkpointedSize(b *testing.B, s *Store, path string) int64 {
	b.Helper()
	if _, err := s.w.pool.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// The cycle path: 1,000 SLOs each add their newest fine bucket, in one
// fsynced commit.
func BenchmarkSaveBucketsCycle(b *testing.B) {
	forEachBackend(b, func(b *testing.B, be backend) {
		ctx := context.Background()
		s := be.open(b)
		const slos = 1000
		batch := map[string][]ledger.Bucket{}
		at := t0
		for b.Loop() {
			at = at.Add(ledger.Fine)
			for i := range slos {
				batch[benchFingerprint(i, 64)] = []ledger.Bucket{{Start: at, Step: ledger.Fine, Bad: 1, Total: 3000, State: ledger.Known, Series: true}}
			}
			if err := s.SaveBucketsBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		reportOpsPerSec(b)
	})
}

// What a new term starts with: every SLO's whole ledger (30 days, the
// last 3 of them fine) read back, one fingerprint at a time, as the new
// leader's first cycle does. 100 SLOs; the figure per SLO scales.
func BenchmarkLoadLedgers(b *testing.B) {
	forEachBackend(b, func(b *testing.B, be backend) {
		ctx := context.Background()
		s := be.open(b)
		const slos = 100
		batch := map[string][]ledger.Bucket{}
		for i := range slos {
			batch[benchFingerprint(i, 16)] = benchLedger()
		}
		if err := s.SaveBucketsBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			for fp := range batch {
				bs, err := s.Buckets(ctx, fp)
				if err != nil || len(bs) != len(batch[fp]) {
					b.Fatalf("%s: %d buckets, %v; want %d", fp, len(bs), err, len(batch[fp]))
				}
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/slos, "ms/slo")
	})
}
