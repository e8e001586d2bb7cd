package ledger

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func put(t testing.TB, l *Ledger, bs ...Bucket) {
	t.Helper()
	for _, b := range bs {
		if err := l.Put(b); err != nil {
			t.Fatal(err)
		}
	}
}

// known is a Known bucket with a series.
func known(start string, step time.Duration, bad, total float64) Bucket {
	return Bucket{Start: at(start), Step: step, Bad: bad, Total: total, State: Known, Series: true}
}

func missing(start string, step time.Duration) Bucket {
	return Bucket{Start: at(start), Step: step, State: Missing}
}

func checkCounts(t *testing.T, name string, got, want Counts) {
	t.Helper()
	if !near(got.Errors, want.Errors) || !near(got.Total, want.Total) ||
		got.Coverage != want.Coverage || got.Series != want.Series {
		t.Errorf("%s = %+v, want %+v", name, got, want)
	}
}

func TestLayoutAt(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name      string
		from, now time.Time
		want      Layout
	}{
		{
			// now-5m = 12:02:30, truncated to 5m: 12:00. Split: 12:00 - 72h
			// = 11-27 12:00, already on the hour. From: 11-01 00:00.
			name: "brief example", from: at("2026-11-01T00:00:00Z"), now: at("2026-11-30T12:07:30Z"),
			want: Layout{From: at("2026-11-01T00:00:00Z"), Split: at("2026-11-27T12:00:00Z"), Closed: at("2026-11-30T12:00:00Z")},
		},
		{
			// now-5m = 12:44:59 -> 12:40. 12:40 - 72h = 11-27 12:40 -> 12:00.
			// from 00:30:15 -> 00:00.
			name: "unaligned", from: at("2026-10-31T00:30:15Z"), now: at("2026-11-30T12:49:59Z"),
			want: Layout{From: at("2026-10-31T00:00:00Z"), Split: at("2026-11-27T12:00:00Z"), Closed: at("2026-11-30T12:40:00Z")},
		},
		{
			// now-5m = 12:00:00 exactly: the bucket [11:55, 12:00) closed
			// one Fine step ago, so Closed is 12:00.
			name: "exactly one step after a close", from: at("2026-11-01T00:00:00Z"), now: at("2026-11-30T12:05:00Z"),
			want: Layout{From: at("2026-11-01T00:00:00Z"), Split: at("2026-11-27T12:00:00Z"), Closed: at("2026-11-30T12:00:00Z")},
		},
		{
			// now-5m = 11:59:59.999 -> 11:55; 11:55 - 72h = 11-27 11:55 -> 11:00.
			name: "a hair before", from: at("2026-11-01T00:00:00Z"), now: at("2026-11-30T12:04:59.999Z"),
			want: Layout{From: at("2026-11-01T00:00:00Z"), Split: at("2026-11-27T11:00:00Z"), Closed: at("2026-11-30T11:55:00Z")},
		},
		{
			// from after the split (a calendar period 1 day old): From is
			// clamped to the split, 11-27 12:00.
			name: "from clamped to split", from: at("2026-11-29T00:00:00Z"), now: at("2026-11-30T12:07:30Z"),
			want: Layout{From: at("2026-11-27T12:00:00Z"), Split: at("2026-11-27T12:00:00Z"), Closed: at("2026-11-30T12:00:00Z")},
		},
		{
			// Midnight in IST (+05:30) is 18:30 UTC the day before; the hour
			// holding it starts at 18:00 UTC. Results are UTC.
			name: "half-hour zone", from: time.Date(2026, 11, 1, 0, 0, 0, 0, ist), now: time.Date(2026, 11, 30, 17, 37, 30, 0, ist),
			// now = 12:07:30 UTC, as in the first case.
			want: Layout{From: at("2026-10-31T18:00:00Z"), Split: at("2026-11-27T12:00:00Z"), Closed: at("2026-11-30T12:00:00Z")},
		},
		{
			// Before 1970: now = -1h + 7m30s = 1969-12-31T23:07:30Z; -5m ->
			// 23:02:30 -> 23:00. -72h -> 1969-12-28T23:00. from 22:10:00 on
			// 12-01 -> 22:00.
			name: "before the epoch", from: at("1969-12-01T22:10:00Z"), now: at("1969-12-31T23:07:30Z"),
			want: Layout{From: at("1969-12-01T22:00:00Z"), Split: at("1969-12-28T23:00:00Z"), Closed: at("1969-12-31T23:00:00Z")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LayoutAt(tt.from, tt.now)
			if !got.From.Equal(tt.want.From) || !got.Split.Equal(tt.want.Split) || !got.Closed.Equal(tt.want.Closed) {
				t.Errorf("LayoutAt = %+v, want %+v", got, tt.want)
			}
			for _, x := range []time.Time{got.From, got.Split, got.Closed} {
				if x.Location() != time.UTC {
					t.Errorf("%v is not UTC", x)
				}
			}
		})
	}
}

// At any instant: the newest fetchable bucket closed at least one and
// less than two Fine steps ago, and the fine tier spans at least FineSpan
// and less than FineSpan plus an hour back from it.
func TestLayoutAtBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	base := at("2026-11-30T00:00:00Z")
	for range 2000 {
		now := base.Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
		from := now.Add(-time.Duration(r.Int64N(int64(40 * 24 * time.Hour))))
		lay := LayoutAt(from, now)
		if age := now.Sub(lay.Closed); age < Fine || age >= 2*Fine {
			t.Fatalf("now %v: Closed %v is %v ago", now, lay.Closed, age)
		}
		if back := lay.Closed.Sub(lay.Split); back < FineSpan || back >= FineSpan+Coarse {
			t.Fatalf("now %v: Split %v is %v before Closed", now, lay.Split, back)
		}
		clamped := !from.Before(lay.Split) && lay.From.Equal(lay.Split)
		inHour := from.Before(lay.Split) && !lay.From.After(from) && from.Sub(lay.From) < Coarse
		if !clamped && !inHour {
			t.Fatalf("from %v now %v: From %v, Split %v", from, now, lay.From, lay.Split)
		}
		for _, x := range []time.Time{lay.From, lay.Split} {
			if x.Unix()%3600 != 0 || x.Nanosecond() != 0 {
				t.Fatalf("%v is not on the hour", x)
			}
		}
	}
}

func TestPutErrors(t *testing.T) {
	tests := []struct {
		name    string
		b       Bucket
		wantErr string // substring; empty for no error
	}{
		{"fine aligned", Bucket{Start: at("2026-11-30T12:05:00Z"), Step: Fine}, ""},
		{"coarse aligned", Bucket{Start: at("2026-11-30T12:00:00Z"), Step: Coarse}, ""},
		{"fine before the epoch", Bucket{Start: at("1969-12-31T23:55:00Z"), Step: Fine}, ""},
		{"coarse before the epoch", Bucket{Start: at("1969-12-31T23:00:00Z"), Step: Coarse}, ""},
		// Aligned in another zone: alignment is of the instant.
		{"coarse in a zone", Bucket{Start: time.Date(2026, 11, 30, 13, 0, 0, 0, time.FixedZone("CET", 3600)), Step: Coarse}, ""},
		{"one minute step", Bucket{Start: at("2026-11-30T12:00:00Z"), Step: time.Minute}, "neither"},
		{"zero step", Bucket{Start: at("2026-11-30T12:00:00Z")}, "neither"},
		{"a day step", Bucket{Start: at("2026-11-30T00:00:00Z"), Step: 24 * time.Hour}, "neither"},
		{"fine misaligned", Bucket{Start: at("2026-11-30T12:01:00Z"), Step: Fine}, "not aligned"},
		// Five-minute aligned but not on the hour.
		{"coarse on a fine boundary", Bucket{Start: at("2026-11-30T12:05:00Z"), Step: Coarse}, "not aligned"},
		// -150 s: truncating -150 % 300 is -150, not 0.
		{"fine misaligned before the epoch", Bucket{Start: time.Unix(-150, 0), Step: Fine}, "not aligned"},
		{"coarse misaligned before the epoch", Bucket{Start: time.Unix(-300, 0), Step: Coarse}, "not aligned"},
		{"nanoseconds", Bucket{Start: at("2026-11-30T12:05:00.000000001Z"), Step: Fine}, "not aligned"},
		{"milliseconds coarse", Bucket{Start: at("2026-11-30T12:00:00.5Z"), Step: Coarse}, "not aligned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(at("2026-11-27T12:00:00Z"))
			err := l.Put(tt.b)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Put: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Put error %v, want one with %q", err, tt.wantErr)
			case tt.wantErr != "" && len(l.Buckets()) != 0:
				t.Errorf("a refused bucket was stored: %v", l.Buckets())
			}
		})
	}
}

// sumLedger: split 11-27 12:00. Coarse 09:00 Missing, 10:00 Known 12/1200,
// 11:00 Known 24/2400. Fine 12:00 Known 1/100, 12:05 Known 2/200, 12:10
// Missing, 12:15 Unknown, 12:20 Known 4/400 without series.
func sumLedger(t *testing.T) *Ledger {
	l := New(at("2026-11-27T12:00:00Z"))
	put(t, l,
		missing("2026-11-27T09:00:00Z", Coarse),
		known("2026-11-27T10:00:00Z", Coarse, 12, 1200),
		known("2026-11-27T11:00:00Z", Coarse, 24, 2400),
		known("2026-11-27T12:00:00Z", Fine, 1, 100),
		known("2026-11-27T12:05:00Z", Fine, 2, 200),
		missing("2026-11-27T12:10:00Z", Fine),
		Bucket{Start: at("2026-11-27T12:20:00Z"), Step: Fine, Bad: 4, Total: 400, State: Known},
	)
	return l
}

func TestSum(t *testing.T) {
	l := sumLedger(t)
	cov := func(known, missing, unknown time.Duration) Counts {
		var c Counts
		c.Known, c.Missing, c.Unknown = known, missing, unknown
		return c
	}
	want := func(errors, total float64, known, missing, unknown time.Duration, series bool) Counts {
		c := cov(known, missing, unknown)
		c.Errors, c.Total, c.Series = errors, total, series
		return c
	}
	m := time.Minute
	tests := []struct {
		name     string
		from, to string
		want     Counts
	}{
		{"one coarse", "2026-11-27T10:00:00Z", "2026-11-27T11:00:00Z", want(12, 1200, 60*m, 0, 0, true)},
		{"one fine", "2026-11-27T12:05:00Z", "2026-11-27T12:10:00Z", want(2, 200, 5*m, 0, 0, true)},
		// 12+24 coarse, 1+2 fine; 2h10m known.
		{"exact across the split", "2026-11-27T10:00:00Z", "2026-11-27T12:10:00Z", want(39, 3900, 130*m, 0, 0, true)},
		// 10:30-11:00 half of 12/1200 = 6/600; 11:00 24/2400; 12:00 1/100;
		// 12:05-12:07:30 half of 2/200 = 1/100. 6+24+1+1 = 32, 3200;
		// known 30m + 60m + 5m + 2m30s = 97m30s.
		{"partial both sides", "2026-11-27T10:30:00Z", "2026-11-27T12:07:30Z", want(32, 3200, 97*m+30*time.Second, 0, 0, true)},
		// 10:45-11:00 a quarter of 12/1200 = 3/300.
		{"quarter of an hour", "2026-11-27T10:45:00Z", "2026-11-27T11:00:00Z", want(3, 300, 15*m, 0, 0, true)},
		// 09:30-10:00 Missing 30m; 10:00-10:30 half of 12/1200.
		{"half missing", "2026-11-27T09:30:00Z", "2026-11-27T10:30:00Z", want(6, 600, 30*m, 30*m, 0, true)},
		// 08:00 unknown 1h, 09:00 missing 1h, 10-12 known 2h, 12:00-12:10
		// known 10m, 12:10 missing 5m, 12:15 unknown 5m, 12:20 known 5m,
		// 12:25-12:30 unknown 5m. 12+24+1+2+4 = 43.
		{"every state", "2026-11-27T08:00:00Z", "2026-11-27T12:30:00Z", want(43, 4300, 135*m, 65*m, 70*m, true)},
		// The 12:20 bucket has no series, so the sum has none either.
		{"no series", "2026-11-27T12:10:00Z", "2026-11-27T12:25:00Z", want(4, 400, 5*m, 5*m, 5*m, false)},
		{"nothing known", "2026-11-28T00:00:00Z", "2026-11-28T01:00:00Z", want(0, 0, 0, 0, 60*m, false)},
		{"empty", "2026-11-27T10:00:00Z", "2026-11-27T10:00:00Z", Counts{}},
		{"reversed", "2026-11-27T11:00:00Z", "2026-11-27T10:00:00Z", Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCounts(t, "Sum", l.Sum(at(tt.from), at(tt.to)), tt.want)
		})
	}
}

// Each instant is read from one tier only: fine buckets before the split
// and coarse buckets after it are not counted.
func TestSumReadsEachInstantOnce(t *testing.T) {
	l := sumLedger(t)
	put(t, l,
		known("2026-11-27T11:55:00Z", Fine, 500, 5000),
		known("2026-11-27T12:00:00Z", Coarse, 1000, 10000),
	)
	m := time.Minute
	// 11:00 coarse 24/2400, 12:00 and 12:05 fine 1/100 and 2/200.
	var want Counts
	want.Errors, want.Total, want.Known, want.Series = 27, 2700, 70*m, true
	checkCounts(t, "Sum", l.Sum(at("2026-11-27T11:00:00Z"), at("2026-11-27T12:10:00Z")), want)
}

func TestCountsAdd(t *testing.T) {
	var a, b Counts
	a.Errors, a.Total, a.Known, a.Missing, a.Unknown = 1, 10, time.Second, 2*time.Second, 3*time.Second
	b.Errors, b.Total, b.Known, b.Missing, b.Unknown, b.Series = 2, 20, 10*time.Second, 20*time.Second, 30*time.Second, true
	var want Counts
	want.Errors, want.Total, want.Known, want.Missing, want.Unknown, want.Series = 3, 30, 11*time.Second, 22*time.Second, 33*time.Second, true
	checkCounts(t, "a+b", a.Add(b), want)
	checkCounts(t, "b+a", b.Add(a), want)
}

// hour puts the twelve fine buckets of the hour at start; state(i) is the
// i-th one (0..11), with Bad i+1 and Total 10*(i+1) when Known.
func hour(t *testing.T, l *Ledger, start string, state func(i int) State) {
	t.Helper()
	for i := range 12 {
		b := Bucket{Start: at(start).Add(time.Duration(i) * Fine), Step: Fine, State: state(i)}
		switch b.State {
		case Unknown:
			continue
		case Known:
			b.Bad, b.Total, b.Series = float64(i+1), float64(10*(i+1)), true
		}
		put(t, l, b)
	}
}

func all(s State) func(int) State { return func(int) State { return s } }

func TestAdvanceRollup(t *testing.T) {
	l := New(at("2026-11-27T12:00:00Z"))
	// 12:00 all Known: bad 1+...+12 = 78, total 780.
	hour(t, l, "2026-11-27T12:00:00Z", all(Known))
	// 13:00 all Missing.
	hour(t, l, "2026-11-27T13:00:00Z", all(Missing))
	// 14:00 all Known but 14:30 (i = 6) Unknown.
	hour(t, l, "2026-11-27T14:00:00Z", func(i int) State {
		if i == 6 {
			return Unknown
		}
		return Known
	})
	// 15:00 and on stay fine.
	hour(t, l, "2026-11-27T15:00:00Z", all(Known))
	m := time.Minute
	// Before: 14:00-15:00 has 55m known, 5m unknown.
	var before14 Counts
	// 78 - 7 (the Unknown i = 6 has bad 7) = 71; 780 - 70 = 710.
	before14.Errors, before14.Total, before14.Known, before14.Unknown, before14.Series = 71, 710, 55*m, 5*m, true
	checkCounts(t, "14:00 before", l.Sum(at("2026-11-27T14:00:00Z"), at("2026-11-27T15:00:00Z")), before14)

	lay := Layout{From: at("2026-11-27T10:00:00Z"), Split: at("2026-11-27T15:00:00Z"), Closed: at("2026-11-27T16:00:00Z")}
	made := l.Advance(lay)
	want := []Bucket{
		{Start: at("2026-11-27T12:00:00Z"), Step: Coarse, Bad: 78, Total: 780, State: Known, Series: true},
		{Start: at("2026-11-27T13:00:00Z"), Step: Coarse, State: Missing},
	}
	if !sameBuckets(made, want) {
		t.Fatalf("Advance made %+v, want %+v", made, want)
	}

	var c12, c13, c14 Counts
	c12.Errors, c12.Total, c12.Known, c12.Series = 78, 780, 60*m, true
	c13.Missing = 60 * m
	// 14:00 was not rolled up and its fine buckets are gone with the split:
	// the whole hour is Unknown, to be fetched as one coarse bucket.
	c14.Unknown = 60 * m
	checkCounts(t, "12:00 after", l.Sum(at("2026-11-27T12:00:00Z"), at("2026-11-27T13:00:00Z")), c12)
	checkCounts(t, "13:00 after", l.Sum(at("2026-11-27T13:00:00Z"), at("2026-11-27T14:00:00Z")), c13)
	checkCounts(t, "14:00 after", l.Sum(at("2026-11-27T14:00:00Z"), at("2026-11-27T15:00:00Z")), c14)
	// 15:00 is still read from fine buckets: half of it, 15:00-15:30, is
	// buckets 1..6: 21/210.
	var c15 Counts
	c15.Errors, c15.Total, c15.Known, c15.Series = 21, 210, 30*m, true
	checkCounts(t, "15:00-15:30 after", l.Sum(at("2026-11-27T15:00:00Z"), at("2026-11-27T15:30:00Z")), c15)

	fine, coarse := l.Gaps(lay)
	// Fine: 15:00 known, 15:00-16:00 all there. Coarse: 14:00 and 10:00-12:00.
	if len(fine) != 0 {
		t.Errorf("fine gaps %v, want none", fine)
	}
	wantCoarse := []Span{
		{at("2026-11-27T14:00:00Z"), at("2026-11-27T15:00:00Z")},
		{at("2026-11-27T10:00:00Z"), at("2026-11-27T12:00:00Z")},
	}
	if !sameSpans(coarse, wantCoarse) {
		t.Errorf("coarse gaps %v, want %v", coarse, wantCoarse)
	}

	// The store sees the made buckets plus the twelve fine ones of 15:00.
	got := l.Buckets()
	if len(got) != 2+12 || !sameBuckets(got[:2], want) {
		t.Errorf("Buckets = %+v, want the two made then 12 fine", got)
	}
	if again := l.Advance(lay); len(again) != 0 {
		t.Errorf("second Advance made %+v, want nothing", again)
	}
}

// A rollup of an hour with Known and Missing fine buckets counts the Known
// ones' events.
func TestAdvanceRollupMixedSettled(t *testing.T) {
	l := New(at("2026-11-27T12:00:00Z"))
	// i < 4 Missing, the rest Known: bad 5+...+12 = 78 - 10 = 68, total 680.
	hour(t, l, "2026-11-27T12:00:00Z", func(i int) State {
		if i < 4 {
			return Missing
		}
		return Known
	})
	made := l.Advance(Layout{From: at("2026-11-27T12:00:00Z"), Split: at("2026-11-27T13:00:00Z")})
	if len(made) != 1 || made[0].State != Known || made[0].Bad != 68 || made[0].Total != 680 || !made[0].Series {
		t.Errorf("made %+v, want one Known 68/680 with series", made)
	}
}

func TestAdvanceKeepsExistingCoarse(t *testing.T) {
	l := New(at("2026-11-27T12:00:00Z"))
	// A coarse bucket loaded from the store wins over the fine ones.
	put(t, l,
		known("2026-11-27T12:00:00Z", Coarse, 5, 50),
		missing("2026-11-27T13:00:00Z", Coarse),
	)
	hour(t, l, "2026-11-27T12:00:00Z", all(Known))
	hour(t, l, "2026-11-27T13:00:00Z", all(Known))
	made := l.Advance(Layout{From: at("2026-11-27T12:00:00Z"), Split: at("2026-11-27T14:00:00Z")})
	if len(made) != 0 {
		t.Errorf("made %+v, want nothing", made)
	}
	var want Counts
	want.Errors, want.Total, want.Known, want.Missing, want.Series = 5, 50, time.Hour, time.Hour, true
	checkCounts(t, "Sum", l.Sum(at("2026-11-27T12:00:00Z"), at("2026-11-27T14:00:00Z")), want)
}

func TestAdvanceForgets(t *testing.T) {
	l := New(at("2026-11-27T12:00:00Z"))
	put(t, l,
		known("2026-11-27T09:00:00Z", Coarse, 1, 10),
		known("2026-11-27T10:00:00Z", Coarse, 2, 20),
		known("2026-11-27T11:00:00Z", Coarse, 3, 30),
		// Before the split already: never read, dropped by Advance.
		known("2026-11-27T11:55:00Z", Fine, 100, 1000),
	)
	hour(t, l, "2026-11-27T12:00:00Z", all(Known))
	made := l.Advance(Layout{From: at("2026-11-27T10:00:00Z"), Split: at("2026-11-27T12:00:00Z")})
	if len(made) != 0 {
		t.Errorf("made %+v with the split unchanged, want nothing", made)
	}
	want := []Bucket{
		known("2026-11-27T10:00:00Z", Coarse, 2, 20),
		known("2026-11-27T11:00:00Z", Coarse, 3, 30),
	}
	got := l.Buckets()
	if len(got) != 2+12 || !sameBuckets(got[:2], want) || !got[2].Start.Equal(at("2026-11-27T12:00:00Z")) {
		t.Errorf("Buckets = %+v, want coarse 10:00, 11:00 then fine from 12:00", got)
	}
	var c09 Counts
	c09.Unknown = time.Hour
	checkCounts(t, "09:00", l.Sum(at("2026-11-27T09:00:00Z"), at("2026-11-27T10:00:00Z")), c09)

	// A layout with an earlier split does not move the split back.
	if made := l.Advance(Layout{From: at("2026-11-27T10:00:00Z"), Split: at("2026-11-27T11:00:00Z")}); len(made) != 0 {
		t.Errorf("made %+v going back, want nothing", made)
	}
	var c12 Counts
	c12.Errors, c12.Total, c12.Known, c12.Series = 78, 780, time.Hour, true
	checkCounts(t, "12:00 after going back", l.Sum(at("2026-11-27T12:00:00Z"), at("2026-11-27T13:00:00Z")), c12)
}

// The split is on the hour even when New is given one that is not:
// rollups are of whole clock hours, aligned as Put requires.
func TestNewUnalignedSplit(t *testing.T) {
	l := New(at("2026-11-27T12:30:00Z"))
	hour(t, l, "2026-11-27T12:00:00Z", all(Known))
	hour(t, l, "2026-11-27T13:00:00Z", all(Known))
	made := l.Advance(Layout{From: at("2026-11-27T12:00:00Z"), Split: at("2026-11-27T14:00:00Z")})
	// Both hours have their twelve buckets: 78/780 each.
	want := []Bucket{
		known("2026-11-27T12:00:00Z", Coarse, 78, 780),
		known("2026-11-27T13:00:00Z", Coarse, 78, 780),
	}
	if !sameBuckets(made, want) {
		t.Fatalf("made %+v, want %+v", made, want)
	}
	for _, b := range made {
		if err := New(b.Start).Put(b); err != nil {
			t.Errorf("a made bucket is refused by Put: %v", err)
		}
	}
}

func TestGapsAndProgress(t *testing.T) {
	l := New(at("2026-11-27T12:00:00Z"))
	lay := Layout{From: at("2026-11-27T07:00:00Z"), Split: at("2026-11-27T12:00:00Z"), Closed: at("2026-11-27T13:00:00Z")}
	put(t, l,
		// Outside the layout: before From and after Closed; not counted.
		known("2026-11-27T05:00:00Z", Coarse, 1, 1),
		known("2026-11-27T13:05:00Z", Fine, 1, 1),
		// Coarse 07:00-12:00: 08:00 Known, 10:00 Missing.
		known("2026-11-27T08:00:00Z", Coarse, 1, 1),
		missing("2026-11-27T10:00:00Z", Coarse),
		// Fine 12:00-13:00: 12:00, 12:05 Known, 12:15 Missing, 12:40 Known,
		// 12:55 Known.
		known("2026-11-27T12:00:00Z", Fine, 1, 1),
		known("2026-11-27T12:05:00Z", Fine, 1, 1),
		missing("2026-11-27T12:15:00Z", Fine),
		known("2026-11-27T12:40:00Z", Fine, 1, 1),
		known("2026-11-27T12:55:00Z", Fine, 1, 1),
	)
	fine, coarse := l.Gaps(lay)
	wantFine := []Span{
		{at("2026-11-27T12:45:00Z"), at("2026-11-27T12:55:00Z")},
		{at("2026-11-27T12:20:00Z"), at("2026-11-27T12:40:00Z")},
		{at("2026-11-27T12:10:00Z"), at("2026-11-27T12:15:00Z")},
	}
	wantCoarse := []Span{
		{at("2026-11-27T11:00:00Z"), at("2026-11-27T12:00:00Z")},
		{at("2026-11-27T09:00:00Z"), at("2026-11-27T10:00:00Z")},
		{at("2026-11-27T07:00:00Z"), at("2026-11-27T08:00:00Z")},
	}
	if !sameSpans(fine, wantFine) {
		t.Errorf("fine gaps %v, want %v", fine, wantFine)
	}
	if !sameSpans(coarse, wantCoarse) {
		t.Errorf("coarse gaps %v, want %v", coarse, wantCoarse)
	}
	// Fine: 5 settled of 12; coarse: 2 of 5 (07..11).
	if done, total := l.Progress(lay); done != 7 || total != 17 {
		t.Errorf("Progress = %d/%d, want 7/17", done, total)
	}

	// A fresh ledger: everything is one gap per tier.
	fresh := New(lay.Split)
	fine, coarse = fresh.Gaps(lay)
	if !sameSpans(fine, []Span{{lay.Split, lay.Closed}}) || !sameSpans(coarse, []Span{{lay.From, lay.Split}}) {
		t.Errorf("fresh gaps %v, %v; want the whole of each tier", fine, coarse)
	}
	if done, total := fresh.Progress(lay); done != 0 || total != 17 {
		t.Errorf("fresh Progress = %d/%d, want 0/17", done, total)
	}
	// From clamped to the split: no coarse tier.
	short := Layout{From: lay.Split, Split: lay.Split, Closed: lay.Closed}
	if _, coarse := fresh.Gaps(short); coarse != nil {
		t.Errorf("coarse gaps %v with From = Split, want none", coarse)
	}
	if done, total := fresh.Progress(short); done != 0 || total != 12 {
		t.Errorf("Progress = %d/%d with From = Split, want 0/12", done, total)
	}
}

func TestBucketsRoundTrip(t *testing.T) {
	l := New(at("2026-11-27T12:00:00Z"))
	in := []Bucket{
		known("2026-11-27T12:10:00Z", Fine, 3, 30),
		missing("2026-11-27T09:00:00Z", Coarse),
		{Start: at("2026-11-27T12:00:00Z"), Step: Fine, Bad: -0.5, Total: 10, State: Known},
		known("2026-11-27T11:00:00Z", Coarse, 2, 20),
		// Unknown is not settled: not listed.
		{Start: at("2026-11-27T12:05:00Z"), Step: Fine, State: Unknown, Bad: 9},
		known("2026-11-27T07:00:00Z", Coarse, 1, 10),
		{Start: at("2026-11-27T12:20:00Z"), Step: Fine, State: Missing},
	}
	put(t, l, in...)
	want := []Bucket{in[5], in[1], in[3], in[2], in[0], in[6]}
	if got := l.Buckets(); !sameBuckets(got, want) {
		t.Errorf("Buckets = %+v\nwant %+v", got, want)
	}
	if got := New(at("2026-11-27T12:00:00Z")).Buckets(); len(got) != 0 {
		t.Errorf("empty ledger Buckets = %+v", got)
	}

	// Put replaces: settling and unsettling a bucket.
	put(t, l, known("2026-11-27T12:05:00Z", Fine, 4, 40), Bucket{Start: at("2026-11-27T12:10:00Z"), Step: Fine})
	want = []Bucket{in[5], in[1], in[3], in[2], known("2026-11-27T12:05:00Z", Fine, 4, 40), in[6]}
	if got := l.Buckets(); !sameBuckets(got, want) {
		t.Errorf("after replacing: Buckets = %+v\nwant %+v", got, want)
	}
}

func sameBuckets(a, b []Bucket) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.Start.Equal(y.Start) || x.Step != y.Step || x.Bad != y.Bad || x.Total != y.Total ||
			x.State != y.State || x.Series != y.Series {
			return false
		}
	}
	return true
}

// randomLedger fills 30 days of coarse and 3 days of fine buckets around
// split with random counts; most Known, some Missing or Unknown.
func randomLedger(t testing.TB, r *rand.Rand, split time.Time) *Ledger {
	l := New(split)
	fill := func(from time.Time, step time.Duration, n int) {
		for i := range n {
			b := Bucket{Start: from.Add(time.Duration(i) * step), Step: step}
			switch p := r.IntN(20); {
			case p == 0:
				b.State = Missing
			case p == 1:
				continue
			default:
				b.Total = r.Float64() * 1e4
				b.Bad = b.Total * r.Float64() * 0.01
				b.State, b.Series = Known, r.IntN(2) == 0
			}
			put(t, l, b)
		}
	}
	fill(split.Add(-30*24*time.Hour), Coarse, 30*24)
	fill(split, Fine, int(FineSpan/Fine))
	return l
}

func TestSumAdditive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	split := at("2026-11-27T12:00:00Z")
	l := randomLedger(t, r, split)
	lo := split.Add(-31 * 24 * time.Hour).Unix()
	hi := split.Add(FineSpan + 24*time.Hour).Unix()
	for _, align := range []int64{1, 300, 3600} {
		for range 500 {
			var p [3]int64
			for i := range p {
				p[i] = (lo + r.Int64N(hi-lo)) / align * align
			}
			a, b, c := min(p[0], p[1], p[2]), p[0]+p[1]+p[2]-min(p[0], p[1], p[2])-max(p[0], p[1], p[2]), max(p[0], p[1], p[2])
			ta, tb, tc := time.Unix(a, 0), time.Unix(b, 0), time.Unix(c, 0)
			ab, bc, ac := l.Sum(ta, tb), l.Sum(tb, tc), l.Sum(ta, tc)
			sum := ab.Add(bc)
			if math.Abs(sum.Errors-ac.Errors) > 1e-9*math.Max(1, ac.Total) || math.Abs(sum.Total-ac.Total) > 1e-9*math.Max(1, ac.Total) ||
				sum.Coverage != ac.Coverage || sum.Series != ac.Series {
				t.Fatalf("align %d: Sum[a,b)+Sum[b,c) = %+v, Sum[a,c) = %+v (a %v b %v c %v)", align, sum, ac, ta, tb, tc)
			}
			if got := ac.Known + ac.Missing + ac.Unknown; got != time.Duration(c-a)*time.Second {
				t.Fatalf("coverage of [a,c) adds to %v, want %v", got, time.Duration(c-a)*time.Second)
			}
		}
	}
}

// Rolling up settled hours keeps the events of every whole hour.
func TestRollupPreservesHourSums(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	split := at("2026-11-27T12:00:00Z")
	l := New(split)
	const hours = 48
	for i := range hours * 12 {
		b := Bucket{Start: split.Add(time.Duration(i) * Fine), Step: Fine, State: Known}
		b.Total = r.Float64() * 1e4
		b.Bad = b.Total * r.Float64() * 0.01
		if r.IntN(50) == 0 {
			b = Bucket{Start: b.Start, Step: Fine, State: Missing}
		}
		put(t, l, b)
	}
	before := make([]Counts, hours)
	for h := range hours {
		from := split.Add(time.Duration(h) * time.Hour)
		before[h] = l.Sum(from, from.Add(time.Hour))
	}
	made := l.Advance(Layout{From: split, Split: split.Add(hours * time.Hour)})
	if len(made) != hours {
		t.Fatalf("made %d buckets, want %d", len(made), hours)
	}
	for h := range hours {
		from := split.Add(time.Duration(h) * time.Hour)
		after := l.Sum(from, from.Add(time.Hour))
		if !near(after.Errors, before[h].Errors) || !near(after.Total, before[h].Total) {
			t.Errorf("hour %d: %v/%v after rollup, %v/%v before", h, after.Errors, after.Total, before[h].Errors, before[h].Total)
		}
		if before[h].Missing == 0 && after.Coverage != before[h].Coverage {
			t.Errorf("hour %d: coverage %+v after rollup, %+v before", h, after.Coverage, before[h].Coverage)
		}
	}
}

// full30d is a ledger of 30 days of coarse and 3 days of fine Known
// buckets, put oldest first.
func full30d(tb testing.TB, split time.Time) *Ledger {
	l := New(split)
	for i := range 30 * 24 {
		put(tb, l, Bucket{Start: split.Add(time.Duration(i-30*24) * time.Hour), Step: Coarse, Bad: 1, Total: 100, State: Known, Series: true})
	}
	for i := range int(FineSpan / Fine) {
		put(tb, l, Bucket{Start: split.Add(time.Duration(i) * Fine), Step: Fine, Bad: 1, Total: 100, State: Known, Series: true})
	}
	return l
}

func BenchmarkSum30d(b *testing.B) {
	split := at("2026-11-27T12:00:00Z")
	l := full30d(b, split)
	from, to := split.Add(-30*24*time.Hour), split.Add(FineSpan)
	var c Counts
	for b.Loop() {
		c = l.Sum(from, to)
	}
	// 720 + 864 buckets of 100 events.
	if c.Total != 158400 {
		b.Fatalf("Total %v, want 158400", c.Total)
	}
}

// BenchmarkLedgerMemory reports the heap a ledger of 30 days of coarse and
// 3 days of fine settled buckets holds, per SLO, over 1,000 ledgers:
// filled oldest first (appends) or newest first (as Gaps are fetched).
// ns/op is the time to fill the 1,000 ledgers.
func BenchmarkLedgerMemory(b *testing.B) {
	const n = 1000
	split := at("2026-11-27T12:00:00Z")
	newestFirst := func(tb testing.TB) *Ledger {
		l := New(split)
		for i := int(FineSpan/Fine) - 1; i >= 0; i-- {
			put(tb, l, Bucket{Start: split.Add(time.Duration(i) * Fine), Step: Fine, Bad: 1, Total: 100, State: Known, Series: true})
		}
		for i := 30*24 - 1; i >= 0; i-- {
			put(tb, l, Bucket{Start: split.Add(time.Duration(i-30*24) * time.Hour), Step: Coarse, Bad: 1, Total: 100, State: Known, Series: true})
		}
		return l
	}
	for _, order := range []struct {
		name  string
		build func(testing.TB, time.Time) *Ledger
	}{
		{"oldest-first", full30d},
		{"newest-first", func(tb testing.TB, _ time.Time) *Ledger { return newestFirst(tb) }},
	} {
		b.Run(order.name, func(b *testing.B) {
			var perSLO float64
			for b.Loop() {
				before := heapAfterGC()
				ls := make([]*Ledger, n)
				for i := range ls {
					ls[i] = order.build(b, split)
				}
				perSLO = float64(int64(heapAfterGC())-int64(before)) / n
				runtime.KeepAlive(ls)
			}
			b.ReportMetric(perSLO, "bytes/SLO")
		})
	}
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
