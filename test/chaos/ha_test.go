package chaos

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	// Registers the "pgx" driver, to read the evaluations straight from
	// the database.
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/testing/pgtest"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// haLease is the replicas' --lease: short, so failovers take seconds;
// CHAOS_HA_LEASE (a duration) measures another, e.g. slod's default 15s.
var haLease = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("CHAOS_HA_LEASE")); err == nil && d >= 3*time.Second {
		return d
	}
	return 3 * time.Second
}()

// The cluster under test: replicas on one PostgreSQL.
const (
	haReplicas     = 3
	haFollow       = 500 * time.Millisecond
	haKillRounds   = 5
	failoverBound  = 30 * time.Second // a test bound, not a target
	recoveryBound  = 60 * time.Second
	staleMaxAnswer = 10 * time.Second
)

// cluster is haReplicas slod binaries sharing one database.
type cluster struct {
	t        testing.TB
	pg       *pgtest.Server
	dsn      string
	db       *sql.DB
	flags    func(id string) []string
	replicas map[string]*slodtest.Slod
	// proxies stand between each replica and PostgreSQL, to cut one off.
	proxies map[string]*tcpProxy
}

func startCluster(t testing.TB, srv *promtest.Server) *cluster {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	dir := slodtest.WriteSpecs(t, map[string]string{"healthy.yaml": spec("healthy", "10m"), "exhausted.yaml": spec("exhausted", "10m")})
	tmp := t.TempDir()
	c := &cluster{t: t, pg: pg, dsn: dsn, replicas: map[string]*slodtest.Slod{}, proxies: map[string]*tcpProxy{}}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	c.flags = func(id string) []string {
		p, ok := c.proxies[id]
		if !ok {
			p = startProxy(t, u.Host)
			c.proxies[id] = p
		}
		via := *u
		via.Host = p.Addr()
		return append(slodFlags(dir, via.String(), srv.URL), "--lease", haLease.String(), "--follow-interval", haFollow.String(),
			"--replica-id", id, "--dead-letter-path", filepath.Join(tmp, id+".deadletter.jsonl"))
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c.db = db
	for i := 1; i <= haReplicas; i++ {
		c.start(fmt.Sprintf("r%d", i))
	}
	return c
}

// start runs replica id; it returns once the replica answers /readyz.
func (c *cluster) start(id string) {
	c.replicas[id] = slodtest.StartBinary(c.t, slodBin, hostEnv(), c.flags(id)...)
}

// status asks replica id for the cluster.
func (c *cluster) status(id string) (api.Cluster, error) {
	var cl api.Cluster
	resp, err := c.replicas[id].Client.Get(c.replicas[id].URL + "/api/v1/cluster")
	if err != nil {
		return cl, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return cl, fmt.Errorf("GET /api/v1/cluster: %s", resp.Status)
	}
	return cl, json.NewDecoder(resp.Body).Decode(&cl)
}

// leader waits until a replica other than not leads, as the survivor
// survivor sees it.
func (c *cluster) leader(survivor, not string) (string, int64) {
	c.t.Helper()
	var id string
	var token int64
	slodtest.WaitFor(c.t, failoverBound, "a leader", func() bool {
		cl, err := c.status(survivor)
		id, token = cl.Leader, cl.Token
		return err == nil && id != "" && id != not
	})
	return id, token
}

// epoch is one leader's term as its evaluations show it.
type epoch struct {
	token        int64
	minID, maxID int64
	rows         int
}

// epochs reads every term that wrote evaluations, by token.
func (c *cluster) epochs() []epoch {
	c.t.Helper()
	rows, err := c.db.Query(`SELECT epoch, MIN(id), MAX(id), COUNT(*) FROM evaluations GROUP BY epoch ORDER BY epoch`)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	var out []epoch
	for rows.Next() {
		var e epoch
		if err := rows.Scan(&e.token, &e.minID, &e.maxID, &e.rows); err != nil {
			c.t.Fatal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// firstEvaluationAfter waits for the first evaluation a term after token
// writes, and returns when it was seen and its token.
func (c *cluster) firstEvaluationAfter(token int64) (time.Time, int64) {
	c.t.Helper()
	var next int64
	var seen time.Time
	slodtest.WaitFor(c.t, failoverBound, fmt.Sprintf("an evaluation of a term after %d", token), func() bool {
		err := c.db.QueryRow(`SELECT epoch FROM evaluations WHERE epoch > $1 ORDER BY id LIMIT 1`, token).Scan(&next)
		seen = time.Now()
		return err == nil
	})
	return seen, next
}

// getLoad GETs can-deploy from replicas until stop closes, counting
// answers other than 200 and timing every request; run spreads its
// workers over the replicas.
type getLoad struct {
	mu        sync.Mutex
	latencies []time.Duration
	errors    []string
}

func (g *getLoad) run(bases []string, workers int, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for w := range workers {
		base := bases[w%len(bases)]
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				service := []string{"healthy", "exhausted"}[n%2]
				began := time.Now()
				resp, err := client.Get(base + "/api/v1/services/" + service + "/can-deploy?priority=normal")
				took := time.Since(began)
				g.mu.Lock()
				g.latencies = append(g.latencies, took)
				switch {
				case err != nil:
					g.errors = append(g.errors, err.Error())
				case resp.StatusCode != http.StatusOK:
					g.errors = append(g.errors, fmt.Sprintf("%s: %s", base, resp.Status))
				}
				g.mu.Unlock()
				if resp != nil {
					resp.Body.Close()
				}
			}
		})
	}
	return &wg
}

func (g *getLoad) p99() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.latencies) == 0 {
		return 0
	}
	s := slices.Clone(g.latencies)
	slices.Sort(s)
	return s[len(s)*99/100]
}

// The faults of testFailover's rounds, in order after the kills.
const (
	killed = "killed"
	paused = "paused"
	cutOff = "cut off from PostgreSQL"
)

// testFailover takes the leader away under POSTed checks spread over
// every replica and GETs to the others: it kills it (SIGKILL)
// haKillRounds times, pauses it (SIGSTOP) past its lease and wakes it,
// and cuts it off from PostgreSQL (its connections go silent) and mends
// the link. Every acknowledged check is in the decision log; the others
// (and a cut-off leader, from memory) answer every GET; a new leader
// evaluates within the lease and a cycle; and the evaluations prove one
// leader at a time: each term's rows (by the fencing token the store
// wrote with them) come wholly after the previous term's.
func testFailover(t *testing.T, srv *promtest.Server, rng *rand.Rand) {
	c := startCluster(t, srv)
	acked := map[int64]string{}
	survivor := "r1"
	var failovers []time.Duration
	faults := append(slices.Repeat([]string{killed}, haKillRounds), paused, cutOff)
	var last int64 // the term the previous round began
	for i, fault := range faults {
		round := i + 1
		old, token := c.leader(survivor, "")
		if last != 0 && token != last {
			// A leader that cannot renew its own lease (a lock held
			// by its own writes) loses it over and over.
			t.Errorf("round %d: the lease changed hands between rounds: term %d leads, the previous round began %d", round, token, last)
		}
		var bases, others []string
		for id, r := range c.replicas {
			bases = append(bases, r.URL)
			if id != old {
				others = append(others, r.URL)
				survivor = id
			}
		}
		asked := others
		if fault == cutOff {
			// Cut off, it still answers GETs from memory.
			asked = bases
		}
		stop := make(chan struct{})
		posts := make(chan loadResult, len(bases))
		for _, base := range bases {
			go func() {
				posts <- load(base, fmt.Sprintf("ha%d-%s", round, base[len(base)-5:]), []string{"healthy", "exhausted"}, stop)
			}()
		}
		gets := &getLoad{}
		getting := gets.run(asked, 2*len(asked), stop)
		time.Sleep(500*time.Millisecond + time.Duration(rng.Int64N(int64(time.Second))))
		began := time.Now()
		switch fault {
		case killed:
			c.replicas[old].Kill(t)
		case paused:
			c.replicas[old].Pause(t)
		case cutOff:
			c.proxies[old].Cut()
		}
		seen, next := c.firstEvaluationAfter(token)
		failover := seen.Sub(began)
		switch fault {
		case killed:
			failovers = append(failovers, failover)
			time.Sleep(time.Second)
		case paused:
			// Woken past its lease, the old leader must find itself
			// fenced: checked below from the evaluations.
			c.replicas[old].Resume(t)
			time.Sleep(2 * haLease)
		case cutOff:
			time.Sleep(time.Second)
			c.proxies[old].Mend()
			c.waitFresh(old)
		}
		close(stop)
		getting.Wait()
		var res loadResult
		for range bases {
			r := <-posts
			res.acks = append(res.acks, r.acks...)
			res.refused += r.refused
			res.cut += r.cut
			res.bad = append(res.bad, r.bad...)
		}
		for _, a := range res.acks {
			acked[a.id] = a.version
		}
		t.Logf("round %d: leader %s (token %d) %s; token %d evaluated %v later; %d checks acknowledged, %d refused, %d cut off; %d GETs, p99 %v, %d errors",
			round, old, token, fault, next, failover.Round(10*time.Millisecond), len(res.acks), res.refused, res.cut,
			len(gets.latencies), gets.p99().Round(10*time.Microsecond), len(gets.errors))
		for i, e := range gets.errors {
			if i == 5 {
				t.Errorf("round %d: ... %d GET errors in all", round, len(gets.errors))
				break
			}
			t.Errorf("round %d: GET failed: %s", round, e)
		}
		for _, b := range res.bad {
			t.Errorf("round %d: %s", round, b)
		}
		if next != token+1 {
			t.Errorf("round %d: the first term to evaluate after %d is %d; want exactly one takeover, %d", round, token, next, token+1)
		}
		last = next
		if fault == killed {
			c.start(old)
		}
	}
	t.Logf("failover (leader killed -> first evaluation of the new leader), %d runs: %v", len(failovers), failovers)

	log := decisionLog(t, c.replicas[survivor])
	lost := missing(acked, log)
	t.Logf("%d checks acknowledged, %d of them in the decision log", len(acked), len(acked)-len(lost))
	for i, l := range lost {
		if i == 10 {
			t.Errorf("... %d lost in all", len(lost))
			break
		}
		t.Errorf("acknowledged but not in the log: %s", l)
	}
	checkOneLeaderAtATime(t, c.epochs())
	checkFollowerHistory(t, c)
	testPostgresLost(t, c)
}

// checkOneLeaderAtATime proves from the evaluations that terms never
// overlapped: ids grow with every insert, a term's writes lock the lease
// row against a takeover, and a takeover makes every later write of the
// old term fail; so each term's rows must lie wholly after the previous
// term's.
func checkOneLeaderAtATime(t *testing.T, es []epoch) {
	t.Helper()
	if len(es) < haKillRounds+3 {
		t.Errorf("%d terms wrote evaluations; want at least %d (the first leader and one per round)", len(es), haKillRounds+3)
	}
	for i, e := range es {
		if e.token == 0 {
			t.Errorf("%d evaluations were written without a fencing token", e.rows)
		}
		if i > 0 && e.minID <= es[i-1].maxID {
			t.Errorf("term %d wrote evaluation %d after term %d had begun at %d: two leaders wrote at once", es[i-1].token, es[i-1].maxID, e.token, e.minID)
		}
	}
	t.Logf("terms by token: %v", es)
}

// waitFresh waits until replica id answers POSTed checks with fresh
// numbers: it reaches the database and follows the leader again.
func (c *cluster) waitFresh(id string) {
	c.t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	slodtest.WaitFor(c.t, recoveryBound, id+" answering POSTs with fresh numbers", func() bool {
		code, body, err := post(client, c.replicas[id].URL, "healthy", "fresh-"+id)
		var d api.Decision
		return err == nil && code == http.StatusOK && json.Unmarshal(body, &d) == nil && !d.Stale
	})
}

// checkFollowerHistory asks a follower, which keeps no ledger in memory,
// for an SLO's history: it reads the leader's from the store, so the
// dashboard's charts are the same whichever replica serves them.
func checkFollowerHistory(t *testing.T, c *cluster) {
	leader, _ := c.leader("r1", "")
	for id, r := range c.replicas {
		if id == leader {
			continue
		}
		var h api.History
		r.GetJSON(t, "/api/v1/services/healthy/slos/availability/history", &h)
		if len(h.Points) < 2 {
			t.Errorf("follower %s: history of healthy has %d points; want the leader's stored ledger, hourly", id, len(h.Points))
		}
		t.Logf("follower %s: history of healthy/availability has %d points", id, len(h.Points))
		return
	}
}

// testPostgresLost stops PostgreSQL under the cluster: every replica goes
// on answering GET can-deploy, marked stale, and refuses POSTed checks
// with 503, never an unaudited 200; once PostgreSQL is back every replica
// answers POSTs again and its numbers are fresh.
func testPostgresLost(t *testing.T, c *cluster) {
	client := &http.Client{Timeout: 5 * time.Second}
	c.pg.Stop()
	stopped := time.Now()
	staleSeen := map[string]time.Duration{}
	var gets, posts, refused int
	for time.Since(stopped) < haLease+staleMaxAnswer && len(staleSeen) < len(c.replicas) {
		for id, r := range c.replicas {
			var d api.Decision
			status := getDecision(t, client, r.URL, &d)
			gets++
			if status != http.StatusOK {
				t.Fatalf("%s: GET can-deploy answered %d with PostgreSQL down; want 200 from memory", id, status)
			}
			if _, ok := staleSeen[id]; !ok && d.Stale {
				staleSeen[id] = time.Since(stopped)
			}
			if resp, err := client.Get(r.URL + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: /readyz with PostgreSQL down: %v %v; want 200, GETs still answer", id, err, resp)
			} else {
				resp.Body.Close()
			}
			code, _, err := post(client, r.URL, "healthy", fmt.Sprintf("pg-down-%s-%d", id, posts))
			posts++
			if err == nil && code == http.StatusOK {
				t.Fatalf("%s: a POSTed check was answered 200 with PostgreSQL down: it cannot be in the log", id)
			}
			if code == http.StatusServiceUnavailable {
				refused++
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("PostgreSQL down: %d GETs all answered 200, stale after %v; %d POSTs, %d refused with 503, none allowed", gets, staleSeen, posts, refused)
	if len(staleSeen) < len(c.replicas) {
		t.Errorf("only %d of %d replicas marked their numbers stale within %v", len(staleSeen), len(c.replicas), haLease+staleMaxAnswer)
	}

	c.pg.Restart(t)
	restarted := time.Now()
	for id := range c.replicas {
		c.waitFresh(id)
	}
	leader, token := c.leader("r1", "")
	t.Logf("PostgreSQL back: every replica answers POSTs with fresh numbers %v after the restart; leader %s, token %d", time.Since(restarted).Round(10*time.Millisecond), leader, token)
}

// getDecision GETs the healthy service's normal-deploy decision.
func getDecision(t *testing.T, client *http.Client, base string, d *api.Decision) int {
	t.Helper()
	resp, err := client.Get(base + "/api/v1/services/healthy/can-deploy?priority=normal")
	if err != nil {
		t.Fatalf("GET can-deploy from %s: %v", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(d); err != nil {
			t.Fatalf("GET can-deploy from %s: %v", base, err)
		}
	}
	return resp.StatusCode
}

// epochs print compactly in the log.
func (e epoch) String() string {
	return fmt.Sprintf("%d:ids %d-%d (%d rows)", e.token, e.minID, e.maxID, e.rows)
}
