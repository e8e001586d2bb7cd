package chaos

import (
	"io"
	"log"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// What the chaos proxy does to one request while it misbehaves. Delay is
// drawn on its own and comes on top of the others.
const (
	faultDelay     = "delay 2s"
	faultStatus    = "503"
	faultDrop      = "dropped connection"
	faultTruncate  = "truncated body"
	faultTimeShift = "answer for an hour earlier"
	faultNone      = "passed through"
)

// faultMix is how a chaosProxy misbehaves: delay is the chance of a
// delay, drawn on its own and on top of the rest; faults are the chances
// of the faults that replace the answer (the rest passes through).
type faultMix struct {
	delay  float64
	faults []faultOdds
}

type faultOdds struct {
	fault string
	p     float64
}

// The mixes the proxy runs with.
var (
	// allFaults: 30% 5xx and 2s more latency on 20% of requests, as a
	// Prometheus in trouble, with some of each other fault.
	allFaults = faultMix{delay: 0.20, faults: []faultOdds{
		{faultStatus, 0.30}, {faultDrop, 0.05}, {faultTruncate, 0.05}, {faultTimeShift, 0.10}}}
	// timeShiftOnly rewrites the time of 30% of the queries. Among the
	// other faults, most measurements fail before a shifted answer counts.
	timeShiftOnly = faultMix{faults: []faultOdds{{faultTimeShift, 0.30}}}
)

const (
	delay = 2 * time.Second
	// timeShift moves the evaluation time a request asks for.
	timeShift = -time.Hour
)

// chaosProxy is a loopback reverse proxy in front of Prometheus that, while
// misbehaving is set, fails requests at random as its mix says.
type chaosProxy struct {
	*httptest.Server
	rp          *httputil.ReverseProxy
	mix         faultMix
	misbehaving atomic.Bool

	mu     sync.Mutex
	rng    *rand.Rand     // guarded by mu
	counts map[string]int // fault -> requests, guarded by mu
}

func newChaosProxy(t *testing.T, target string, mix faultMix, rng *rand.Rand) *chaosProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &chaosProxy{rp: httputil.NewSingleHostReverseProxy(u), mix: mix, rng: rng, counts: map[string]int{}}
	// slod giving up on a delayed query is expected, not worth a log line.
	p.rp.ErrorLog = log.New(io.Discard, "", 0)
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *chaosProxy) serve(w http.ResponseWriter, r *http.Request) {
	if !p.misbehaving.Load() {
		p.rp.ServeHTTP(w, r)
		return
	}
	delayed, fault := p.draw()
	if delayed {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch fault {
	case faultStatus:
		http.Error(w, "injected failure", http.StatusServiceUnavailable)
	case faultDrop:
		drop(w)
	case faultTruncate:
		p.truncated(w, r)
	case faultTimeShift:
		if err := shiftTime(r, timeShift); err != nil {
			http.Error(w, "chaos proxy: "+err.Error(), http.StatusBadRequest)
			return
		}
		p.rp.ServeHTTP(w, r)
	default:
		p.rp.ServeHTTP(w, r)
	}
}

// draw picks the faults of one request and counts them.
func (p *chaosProxy) draw() (delayed bool, fault string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delayed = p.rng.Float64() < p.mix.delay
	if delayed {
		p.counts[faultDelay]++
	}
	x := p.rng.Float64()
	fault = faultNone
	for _, f := range p.mix.faults {
		if x < f.p {
			fault = f.fault
			break
		}
		x -= f.p
	}
	p.counts[fault]++
	return delayed, fault
}

// Counts is how many requests met each fault so far.
func (p *chaosProxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.counts)
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/1.1 connections can always be hijacked; say so if not.
		http.Error(w, "chaos proxy: cannot hijack the connection", http.StatusBadGateway)
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		conn.Close()
	}
}

// truncated forwards the request and answers with the first half of
// Prometheus' body, well framed: valid HTTP carrying cut-off JSON.
func (p *chaosProxy) truncated(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	p.rp.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	body := rec.Body.Bytes()
	_, _ = w.Write(body[:len(body)/2])
}

// shiftTime moves the time parameter of a Prometheus query by d, in the
// URL (GET) or the form body (POST, as client_golang sends it).
func shiftTime(r *http.Request, d time.Duration) error {
	if r.Method != http.MethodPost {
		q := r.URL.Query()
		if err := shiftForm(q, d); err != nil {
			return err
		}
		r.URL.RawQuery = q.Encode()
		return nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return err
	}
	if err := shiftForm(form, d); err != nil {
		return err
	}
	enc := form.Encode()
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(enc)), int64(len(enc))
	return nil
}

// shiftForm moves the times of form (an instant query's time, a range
// query's start and end; Unix seconds, as client_golang writes them) by
// d; those it lacks are left alone.
func shiftForm(form url.Values, d time.Duration) error {
	for _, name := range []string{"time", "start", "end"} {
		v := form.Get(name)
		if v == "" {
			continue
		}
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return err
		}
		form.Set(name, strconv.FormatFloat(secs+d.Seconds(), 'f', -1, 64))
	}
	return nil
}
