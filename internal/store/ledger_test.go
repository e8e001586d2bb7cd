package store

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
)

const fpA, fpB, fpC = "a1b2c3", "d4e5f6", "0789ab"

func fine(start time.Time, bad, total float64) ledger.Bucket {
	return ledger.Bucket{Start: start, Step: ledger.Fine, Bad: bad, Total: total, State: ledger.Known, Series: true}
}

func coarse(start time.Time, bad, total float64) ledger.Bucket {
	return ledger.Bucket{Start: start, Step: ledger.Coarse, Bad: bad, Total: total, State: ledger.Known, Series: true}
}

func mustBuckets(t *testing.T, s *Store, fp string) []ledger.Bucket {
	t.Helper()
	bs, err := s.Buckets(context.Background(), fp)
	if err != nil {
		t.Fatalf("Buckets(%q): %v", fp, err)
	}
	return bs
}

// Buckets come back exactly as saved, starts in UTC, sorted by start and
// then step, whatever the order they were saved in.
func TestBucketsRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		// t0 is 18:00 UTC; in UTC+5:30 it is 23:30, still an aligned instant.
		ist := time.FixedZone("IST", 5*3600+1800)
		in := []ledger.Bucket{
			fine(t0.Add(5*time.Minute), -0.25, 1e-9),
			{Start: t0.In(ist), Step: ledger.Fine, Bad: 0.1, Total: 12345.678, State: ledger.Known, Series: false},
			coarse(t0.Add(-time.Hour), 7, 3.5e15),
			{Start: t0.Add(-2 * time.Hour), Step: ledger.Coarse, State: ledger.Missing},
			coarse(t0, math.MaxFloat64, math.SmallestNonzeroFloat64),
		}
		if err := s.SaveBuckets(ctx, fpA, in); err != nil {
			t.Fatal(err)
		}
		want := []ledger.Bucket{
			{Start: t0.Add(-2 * time.Hour), Step: ledger.Coarse, State: ledger.Missing},
			coarse(t0.Add(-time.Hour), 7, 3.5e15),
			{Start: t0, Step: ledger.Fine, Bad: 0.1, Total: 12345.678, State: ledger.Known, Series: false},
			coarse(t0, math.MaxFloat64, math.SmallestNonzeroFloat64),
			fine(t0.Add(5*time.Minute), -0.25, 1e-9),
		}
		got := mustBuckets(t, s, fpA)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Buckets =\n%+v\nwant\n%+v", got, want)
		}
		for _, b := range got {
			if b.Start.Location() != time.UTC {
				t.Errorf("start %v is in %v, want UTC", b.Start, b.Start.Location())
			}
		}
		if got := mustBuckets(t, s, fpB); len(got) != 0 {
			t.Errorf("Buckets of an unknown fingerprint = %+v, want none", got)
		}
		if _, err := s.Buckets(ctx, ""); err == nil {
			t.Error("Buckets of an empty fingerprint succeeded")
		}
	})
}

// A re-fetched bucket replaces the stored one; an Unknown one is not
// stored and leaves the stored one alone.
func TestSaveBucketsReplaces(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		if err := s.SaveBuckets(ctx, fpA, []ledger.Bucket{fine(t0, 1, 10), fine(t0.Add(5*time.Minute), 2, 20)}); err != nil {
			t.Fatal(err)
		}
		unknown := ledger.Bucket{Start: t0.Add(5 * time.Minute), Step: ledger.Fine, Bad: 99, Total: 99}
		newUnknown := ledger.Bucket{Start: t0.Add(10 * time.Minute), Step: ledger.Fine}
		missing := ledger.Bucket{Start: t0, Step: ledger.Fine, State: ledger.Missing}
		if err := s.SaveBuckets(ctx, fpA, []ledger.Bucket{missing, unknown, newUnknown}); err != nil {
			t.Fatal(err)
		}
		want := []ledger.Bucket{missing, fine(t0.Add(5*time.Minute), 2, 20)}
		if got := mustBuckets(t, s, fpA); !reflect.DeepEqual(got, want) {
			t.Errorf("Buckets =\n%+v\nwant\n%+v", got, want)
		}
	})
}

func TestSaveBucketsBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		batch := map[string][]ledger.Bucket{
			fpA: {fine(t0, 1, 10)},
			fpB: {fine(t0, 2, 20), coarse(t0, 3, 30)},
			fpC: nil,
		}
		if err := s.SaveBucketsBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
		for _, fp := range []string{fpA, fpB, fpC} {
			if got := mustBuckets(t, s, fp); !reflect.DeepEqual(got, batch[fp]) {
				t.Errorf("Buckets(%s) = %+v, want %+v", fp, got, batch[fp])
			}
		}
		if err := s.SaveBucketsBatch(ctx, nil); err != nil {
			t.Errorf("empty batch: %v", err)
		}
	})
}

// One bad bucket fails the whole batch, names itself, and nothing of the
// batch is written.
func TestSaveBucketsRejects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		for _, c := range []struct {
			name string
			fp   string
			b    ledger.Bucket
			want string
		}{
			{"1m step", fpB, ledger.Bucket{Start: t0, Step: time.Minute, State: ledger.Known}, "step is not 5m0s or 1h0m0s"},
			{"zero step", fpB, ledger.Bucket{Start: t0, State: ledger.Known}, "step is not"},
			{"fine off by 1m", fpB, fine(t0.Add(time.Minute), 0, 1), "not aligned"},
			{"coarse on a 5m boundary", fpB, coarse(t0.Add(5*time.Minute), 0, 1), "not aligned"},
			{"fine off by 1ns", fpB, fine(t0.Add(time.Nanosecond), 0, 1), "not aligned"},
			{"before 1970 off by 1s", fpB, fine(time.Unix(-301, 0), 0, 1), "not aligned"},
			{"NaN bad", fpB, fine(t0, math.NaN(), 1), "bad is NaN"},
			{"Inf total", fpB, fine(t0, 0, math.Inf(1)), "total is +Inf"},
			{"-Inf bad", fpB, fine(t0, math.Inf(-1), 1), "bad is -Inf"},
			{"state 3", fpB, ledger.Bucket{Start: t0, Step: ledger.Fine, State: ledger.Missing + 1}, "unknown state 3"},
		} {
			t.Run(c.name, func(t *testing.T) {
				s := b.open(t)
				batch := map[string][]ledger.Bucket{fpA: {fine(t0, 1, 2)}}
				batch[c.fp] = append(batch[c.fp], fine(t0.Add(-time.Hour), 1, 2), c.b)
				err := s.SaveBucketsBatch(ctx, batch)
				if err == nil {
					t.Fatal("saved")
				}
				// The bad bucket is the second of its fingerprint.
				name := `fingerprint "` + c.fp + `", bucket 1 (start ` + c.b.Start.UTC().Format(time.RFC3339Nano)
				if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("error %q does not name %q or say %q", err, name, c.want)
				}
				var n int
				if err := s.r.pool.QueryRow(`SELECT COUNT(*) FROM ledger_buckets`).Scan(&n); err != nil || n != 0 {
					t.Errorf("%d buckets stored (%v), want none", n, err)
				}
			})
		}
		s := b.open(t)
		err := s.SaveBucketsBatch(ctx, map[string][]ledger.Bucket{fpA: {fine(t0, 0, 1)}, "": {fine(t0, 0, 1)}})
		if err == nil || !strings.Contains(err.Error(), "empty fingerprint, with 1 buckets") {
			t.Errorf("empty fingerprint: %v", err)
		}
		if got := mustBuckets(t, s, fpA); len(got) != 0 {
			t.Errorf("stored %+v beside an empty fingerprint", got)
		}
		// Pre-1970 aligned starts are fine.
		if err := s.SaveBuckets(ctx, fpA, []ledger.Bucket{fine(time.Unix(-300, 0), 0, 1)}); err != nil {
			t.Errorf("start 1969-12-31T23:55:00Z: %v", err)
		}
	})
}

func TestPruneBuckets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		// fpA: fine buckets starting 17:00, 17:05, ... 17:55 (12) and coarse
		// ones at 15:00, 16:00, 17:00 (3). fpB: one fine at 17:00. fpC: one
		// coarse at 12:00.
		var a []ledger.Bucket
		for i := range 12 {
			a = append(a, fine(t0.Add(-time.Hour+time.Duration(i)*5*time.Minute), 0, 1))
		}
		for i := range 3 {
			a = append(a, coarse(t0.Add(-3*time.Hour+time.Duration(i)*time.Hour), 0, 1))
		}
		batch := map[string][]ledger.Bucket{fpA: a, fpB: {fine(t0.Add(-time.Hour), 0, 1)}, fpC: {coarse(t0.Add(-6*time.Hour), 0, 1)}}
		if err := s.SaveBucketsBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
		// fpA split at 17:30, from 16:00: fine buckets starting 17:00..17:25
		// go (6), 17:30 stays; the coarse one starting 15:00 goes (1), 16:00
		// stays. fpB split at 17:05: its fine bucket at 17:00 goes (1). fpC
		// is not kept: 1 goes. 6+1+1+1 = 9.
		keep := map[string]ledger.Layout{
			fpA:   {From: t0.Add(-2 * time.Hour), Split: t0.Add(-30 * time.Minute)},
			fpB:   {From: t0.Add(-time.Hour), Split: t0.Add(-55 * time.Minute)},
			"f00": {From: t0, Split: t0},
		}
		n, err := s.PruneBuckets(ctx, keep)
		if err != nil || n != 9 {
			t.Fatalf("PruneBuckets = %d, %v; want 9", n, err)
		}
		want := []ledger.Bucket{coarse(t0.Add(-2*time.Hour), 0, 1), coarse(t0.Add(-time.Hour), 0, 1)}
		for i := 6; i < 12; i++ {
			want = append(want, fine(t0.Add(-time.Hour+time.Duration(i)*5*time.Minute), 0, 1))
		}
		// Sorted: coarse buckets at 16:00 and 17:00, then fine ones from 17:30.
		if got := mustBuckets(t, s, fpA); !reflect.DeepEqual(got, want) {
			t.Errorf("fpA kept\n%+v\nwant\n%+v", got, want)
		}
		for _, fp := range []string{fpB, fpC} {
			if got := mustBuckets(t, s, fp); len(got) != 0 {
				t.Errorf("%s kept %+v, want nothing", fp, got)
			}
		}
		if n, err := s.PruneBuckets(ctx, keep); err != nil || n != 0 {
			t.Errorf("second prune = %d, %v; want 0", n, err)
		}
		if n, err := s.PruneBuckets(ctx, nil); err != nil || n != int64(len(want)) {
			t.Errorf("prune keeping nothing = %d, %v; want %d", n, err, len(want))
		}
	})
}

// The backup copies the ledger, and the copy is still marked as slod's.
func TestBackupKeepsLedger(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	bs := []ledger.Bucket{fine(t0, 1, 100), coarse(t0, 2, 1200)}
	if err := s.SaveBuckets(ctx, fpA, bs); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	if err := Backup(ctx, path, out); err != nil {
		t.Fatal(err)
	}
	c, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := mustBuckets(t, c, fpA); !reflect.DeepEqual(got, bs) {
		t.Errorf("the copy's buckets = %+v, want %+v", got, bs)
	}
	var id int64
	if err := c.r.pool.QueryRow(`PRAGMA application_id`).Scan(&id); err != nil || id != appID {
		t.Errorf("the copy's application_id = %#x (%v), want %#x", id, err, appID)
	}
}
