package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// ack is a can-deploy answer a client read in full, 200 with a decision
// id: slod's promise that the decision is in its log.
type ack struct {
	id      int64
	version string
}

// loadResult is what the clients of one load saw.
type loadResult struct {
	acks []ack
	// refused are answers other than 200 (503 when the log refused a
	// write); refusal is the first one's status and body.
	refused int
	refusal string
	// cut are requests that got no answer: slod was killed under them.
	cut int
	// cutBy is why the first of them got none.
	cutBy error
	// bad are 200 answers without a readable decision id.
	bad []string
}

// Load shape: clients POSTing at full speed, each at most maxChecks.
const (
	clients   = 8
	maxChecks = 20000
)

// slodFlags run the slod binary for a load: specs in dir, database db,
// Prometheus at prom, and no per-client write limit, which would refuse
// the load (it all comes from one address) after a burst.
func slodFlags(dir, db, prom string) []string {
	return []string{"--slos", dir, "--db", db, "--prometheus-url", prom, "--interval", "1s",
		"--log-level", "warn", "--rate-limit", "0"}
}

// load POSTs can-deploy checks for services from the clients, each as fast
// as slod answers, until stop closes, a request gets no answer (slod was
// killed) or it made maxChecks. Versions are prefix-client-n, so each is
// unique.
func load(base, prefix string, services []string, stop <-chan struct{}) loadResult {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	for c := range clients {
		wg.Go(func() {
			for n := 0; n < maxChecks; n++ {
				select {
				case <-stop:
					return
				default:
				}
				version := fmt.Sprintf("%s-%d-%d", prefix, c, n)
				status, body, err := post(client, base, services[n%len(services)], version)
				mu.Lock()
				res.add(version, status, body, err)
				mu.Unlock()
				if status == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	return res
}

// add counts one check: its status and body, or (status 0) why no answer
// came.
func (r *loadResult) add(version string, status int, body []byte, err error) {
	switch {
	case status == 0:
		r.cut++
		if r.cutBy == nil {
			r.cutBy = err
		}
	case status != http.StatusOK:
		r.refused++
		if r.refusal == "" {
			r.refusal = fmt.Sprintf("%d %s", status, body)
		}
	default:
		var d api.Decision
		if err := json.Unmarshal(body, &d); err != nil || d.DecisionID == nil {
			r.bad = append(r.bad, fmt.Sprintf("%s: 200 without a decision id (%v): %s", version, err, body))
			return
		}
		r.acks = append(r.acks, ack{id: *d.DecisionID, version: version})
	}
}

// post makes one audited can-deploy check for a normal deploy and returns
// the status and the body read in full; status 0 and the error when no
// whole answer came.
func post(client *http.Client, base, service, version string) (status int, body []byte, err error) {
	req, err := json.Marshal(api.CanDeployRequest{Priority: "normal", Version: version, Actor: slodtest.Actor, Pipeline: slodtest.Pipeline})
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Post(base+"/api/v1/services/"+service+"/can-deploy", "application/json", bytes.NewReader(req))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if body, err = io.ReadAll(resp.Body); err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}

// decisionLog reads slod's whole decision log: id -> version.
func decisionLog(t *testing.T, d *slodtest.Slod) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	path := "/api/v1/decisions?limit=1000"
	for page := 0; page < 1000; page++ {
		var l api.DecisionList
		d.GetJSON(t, path, &l)
		if len(l.Decisions) == 0 {
			return out
		}
		for _, x := range l.Decisions {
			out[x.ID] = x.Version
		}
		path = "/api/v1/decisions?limit=1000&before=" + strconv.FormatInt(l.Decisions[len(l.Decisions)-1].ID, 10)
	}
	t.Fatal("the decision log has more than 1000 pages")
	return nil
}

// missing lists the acknowledged decisions log lacks or holds with
// another version.
func missing(acked map[int64]string, log map[int64]string) []string {
	var out []string
	for id, version := range acked {
		if got, ok := log[id]; !ok || got != version {
			out = append(out, fmt.Sprintf("decision %d (%s): logged %q, found %v", id, version, got, ok))
		}
	}
	return out
}
