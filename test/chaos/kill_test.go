package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// Kill rounds, each at a random point in [killMin, killMin+killSpread).
const (
	killRounds = 5
	killMin    = 200 * time.Millisecond
	killSpread = 1800 * time.Millisecond
)

// testKill: slod is killed with SIGKILL while clients POST can-deploy at
// full speed; restarted on the same database it still logs every decision
// a client was answered 200 for, and the file passes integrity_check.
// Answers are sent only after the commit returns, so this holds whatever
// synchronous is set to; a process kill leaves the OS page cache intact.
// synchronous=FULL, checked by internal/store's TestOpenSettings, is what
// keeps them across a power cut.
func testKill(t *testing.T, srv *promtest.Server, rng *rand.Rand) {
	dir := slodtest.WriteSpecs(t, map[string]string{"healthy.yaml": spec("healthy", "10m"), "exhausted.yaml": spec("exhausted", "10m")})
	db := filepath.Join(t.TempDir(), "slod.db")
	start := func() *slodtest.Slod {
		return slodtest.StartBinary(t, slodBin, hostEnv(), slodFlags(dir, db, srv.URL)...)
	}
	acked := map[int64]string{}
	d := start()
	for round := 1; round <= killRounds; round++ {
		after := killMin + time.Duration(rng.Int64N(int64(killSpread)))
		res := loadUntilKilled(t, d, after, fmt.Sprintf("r%d", round))
		for _, a := range res.acks {
			if v, dup := acked[a.id]; dup {
				t.Errorf("round %d: decision id %d acknowledged for %s and for %s", round, a.id, v, a.version)
			}
			acked[a.id] = a.version
		}
		d = start()
		log := decisionLog(t, d)
		lost := missing(acked, log)
		integrity := "ok"
		if err := store.CheckIntegrity(context.Background(), db); err != nil {
			integrity = err.Error()
			t.Errorf("round %d: %v", round, err)
		}
		t.Logf("round %d: killed after %v; %d checks acknowledged (%d refused%s, %d cut off); after restart %d of %d acknowledged so far found in a log of %d; integrity_check: %s",
			round, after.Round(time.Millisecond), len(res.acks), res.refused, firstOf(res.refusal), res.cut, len(acked)-len(lost), len(acked), len(log), integrity)
		if len(res.acks) == 0 {
			t.Errorf("round %d: no check was acknowledged before the kill; the round proves nothing", round)
		}
		for i, l := range lost {
			if i == 10 {
				t.Errorf("... %d lost in all", len(lost))
				break
			}
			t.Errorf("round %d: acknowledged but not in the log: %s", round, l)
		}
		for _, b := range res.bad {
			t.Errorf("round %d: bad answer: %s", round, b)
		}
	}
}

// firstOf notes the first refusal, if there was one.
func firstOf(refusal string) string {
	if refusal == "" {
		return ""
	}
	return ", the first " + refusal
}

// loadUntilKilled runs the load against d and kills d after the delay.
func loadUntilKilled(t *testing.T, d *slodtest.Slod, after time.Duration, prefix string) loadResult {
	t.Helper()
	done := make(chan loadResult, 1)
	go func() { done <- load(d.URL, prefix, []string{"healthy", "exhausted"}, nil) }()
	time.Sleep(after)
	d.Kill(t)
	return <-done
}
