package synth

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteOpenMetrics writes the sampled series of all scenarios as OpenMetrics
// text for `promtool tsdb create-blocks-from openmetrics`: one # TYPE line
// per family, then each series with all its samples in time order, and a
// final "# EOF" (promtool refuses input without it). Timestamps are whole
// seconds. Order matters more than promtool checks: Prometheus 2.42's
// backfill silently drops a sample older than the previous one of its series.
func WriteOpenMetrics(w io.Writer, scenarios ...Scenario) error {
	services := map[string]bool{}
	for _, s := range scenarios {
		if err := s.Validate(); err != nil {
			return err
		}
		if services[s.Service] {
			return fmt.Errorf("scenario %s: service appears twice; its series would collide", s.Service)
		}
		services[s.Service] = true
	}
	bw := bufio.NewWriter(w)
	var line []byte
	for _, f := range families {
		typed := false
		for _, s := range scenarios {
			for _, sr := range f.series(s) {
				if !typed {
					fmt.Fprintf(bw, "# TYPE %s %s\n", f.name, f.typ)
					typed = true
				}
				prefix := seriesPrefix(sr)
				s.sample(sr.rate, func(t time.Time, v float64) {
					line = append(line[:0], prefix...)
					line = strconv.AppendFloat(line, v, 'f', -1, 64)
					line = append(line, ' ')
					line = strconv.AppendInt(line, t.Unix(), 10)
					line = append(line, '\n')
					bw.Write(line) // a write error sticks in bw and surfaces at Flush
				})
			}
		}
	}
	bw.WriteString("# EOF\n")
	return bw.Flush()
}

// seriesPrefix is `name{l="v",...} `, the part shared by all samples.
func seriesPrefix(sr series) string {
	var b strings.Builder
	b.WriteString(sr.name)
	b.WriteByte('{')
	for i, l := range sr.labels {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=\"%s\"", l[0], labelEscaper.Replace(l[1]))
	}
	b.WriteString("} ")
	return b.String()
}

// labelEscaper applies OpenMetrics label-value escaping.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// sample calls emit at every sample time in [Start, End] (see sampleTimes)
// with the counter value there. It accumulates the rate piece by piece as
// time advances, rather than calling integrate, so tests comparing the two
// check one against the other; at each reset the value drops to 0.
func (s Scenario) sample(rate func(Traffic) float64, emit func(t time.Time, v float64)) {
	pieces := s.timeline()
	resets := s.resets()
	var v float64
	at, i, r := s.Start, 0, 0
	s.sampleTimes(func(t time.Time) {
		for at.Before(t) {
			p := pieces[i]
			end := p.to
			if t.Before(end) {
				end = t
			}
			if r < len(resets) && resets[r].Before(end) {
				end = resets[r]
			}
			v += rate(p.Traffic) * end.Sub(at).Seconds()
			at = end
			if r < len(resets) && end.Equal(resets[r]) {
				v = 0
				r++
			}
			if end.Equal(p.to) {
				i++
			}
		}
		emit(t, v)
	})
}

// resets are the effective resets: inside (Start, End], sorted, distinct.
func (s Scenario) resets() []time.Time {
	var out []time.Time
	for _, r := range s.Resets {
		if r.After(s.Start) && !r.After(s.End) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}

// sampleTimes calls f with every sample time in [Start, End] in order:
// multiples of Step before Fine.Since, of Fine.Step from then on, none
// inside a gap.
func (s Scenario) sampleTimes(f func(t time.Time)) {
	emit := func(t time.Time) {
		for _, g := range s.Gaps {
			if g.contains(t) {
				return
			}
		}
		f(t)
	}
	// The coarse samples: all of them, or those before Fine.Since.
	coarse := func(t time.Time) bool { return !t.After(s.End) }
	if s.Fine != nil {
		coarse = func(t time.Time) bool { return !t.After(s.End) && t.Before(s.Fine.Since) }
	}
	step := s.step()
	for t := firstSample(s.Start, step); coarse(t); t = t.Add(step) {
		emit(t)
	}
	if s.Fine == nil {
		return
	}
	from := s.Fine.Since
	if from.Before(s.Start) {
		from = s.Start
	}
	for t := firstSample(from, s.Fine.Step); !t.After(s.End); t = t.Add(s.Fine.Step) {
		emit(t)
	}
}

// firstSample is the first multiple of step since the Unix epoch at or
// after start.
func firstSample(start time.Time, step time.Duration) time.Time {
	ns := start.UnixNano()
	n := ns / int64(step)
	if n*int64(step) < ns {
		n++
	}
	return time.Unix(0, n*int64(step)).In(start.Location())
}
