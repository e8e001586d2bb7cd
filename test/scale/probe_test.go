package scale

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// metrics is one scrape of a /metrics page: series (name and labels, as
// written) to value.
type metrics map[string]float64

var scrapeClient = &http.Client{Timeout: 10 * time.Second}

// scrape reads the Prometheus text exposition at url.
func scrape(url string) (metrics, error) {
	resp, err := scrapeClient.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	m := metrics{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			m[line[:i]] = v
		}
	}
	return m, sc.Err()
}

// sum adds the series of metric name (with any labels) whose series text
// holds every one of the label matchers, e.g. `handler="/api/v1/query"`.
func (m metrics) sum(name string, matchers ...string) float64 {
	var total float64
	for series, v := range m {
		if series != name && !strings.HasPrefix(series, name+"{") {
			continue
		}
		ok := true
		for _, l := range matchers {
			ok = ok && strings.Contains(series, l)
		}
		if ok {
			total += v
		}
	}
	return total
}

// promReading is what the Prometheus server says about itself.
type promReading struct {
	at time.Time
	// cpu is process_cpu_seconds_total: user and system time of the
	// server process.
	cpu float64
	// instant and ranged count the HTTP API's query requests.
	instant, ranged float64
}

func readProm(url string) (promReading, error) {
	m, err := scrape(url + "/metrics")
	if err != nil {
		return promReading{}, fmt.Errorf("prometheus metrics: %w", err)
	}
	return promReading{
		at:      time.Now(),
		cpu:     m.sum("process_cpu_seconds_total"),
		instant: m.sum("prometheus_http_requests_total", `handler="/api/v1/query"`),
		ranged:  m.sum("prometheus_http_requests_total", `handler="/api/v1/query_range"`),
	}, nil
}

// promDelta is what Prometheus spent between two readings.
type promDelta struct {
	wall            time.Duration
	cpu             float64
	instant, ranged float64
}

func (a promReading) to(b promReading) promDelta {
	return promDelta{wall: b.at.Sub(a.at), cpu: b.cpu - a.cpu, instant: b.instant - a.instant, ranged: b.ranged - a.ranged}
}

// idle is Prometheus' own CPU use with nothing querying it, which every
// phase's figure includes and the net figures leave out.
type idle struct {
	over time.Duration
	cpu  float64 // CPU-seconds over over
}

// net is d's CPU less what idling would have cost over d's wall time.
func (i idle) net(d promDelta) float64 {
	return d.cpu - i.cpu*d.wall.Seconds()/i.over.Seconds()
}

// procStat is slod's own cost, read from /proc.
type procStat struct {
	cpu      float64 // user + system CPU-seconds
	rss, hwm float64 // VmRSS and VmHWM (peak RSS), MB
	// dbBytes and walBytes are the sizes of the SQLite file and its -wal
	// file, where recent writes live until a checkpoint.
	dbBytes, walBytes int64
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports (sysconf is not reachable
// without cgo).
const clockTicks = 100

// readProc reads pid's CPU time and memory and the size of the database
// at db.
func readProc(pid int, db string) (procStat, error) {
	var p procStat
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// Fields after the parenthesised command name, which may hold spaces:
	// state is the first, utime and stime the 12th and 13th.
	i := bytes.LastIndex(stat, []byte(") "))
	var fields []string
	if i >= 0 {
		fields = strings.Fields(string(stat[i+2:]))
	}
	if len(fields) < 13 {
		return p, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, stat)
	}
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		return p, fmt.Errorf("unexpected /proc/%d/stat: %q", pid, stat)
	}
	p.cpu = (utime + stime) / clockTicks
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, value, _ := strings.Cut(line, ":")
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		switch {
		case err != nil:
		case name == "VmRSS":
			p.rss = kb / 1024
		case name == "VmHWM":
			p.hwm = kb / 1024
		}
	}
	if st, err := os.Stat(db); err == nil {
		p.dbBytes = st.Size()
	}
	if st, err := os.Stat(db + "-wal"); err == nil {
		p.walBytes = st.Size()
	}
	return p, nil
}
