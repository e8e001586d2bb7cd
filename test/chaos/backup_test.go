package chaos

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// testBackup: `slod backup` copies the database of a slod that is taking
// POSTs at full speed. The copy passes integrity_check, opens with the
// store, holds the override and every decision acknowledged before the
// backup began, and is one committed state: exactly the live log up to
// the copy's newest decision.
func testBackup(t *testing.T, srv *promtest.Server) {
	const token = "backup-token"
	services := []string{"healthy", "exhausted"}
	dir := slodtest.WriteSpecs(t, map[string]string{"healthy.yaml": spec("healthy", "10m"), "exhausted.yaml": spec("exhausted", "10m")})
	db := filepath.Join(t.TempDir(), "slod.db")
	d := slodtest.StartBinary(t, slodBin, append(hostEnv(), "SLOD_TOKENS="+token), slodFlags(dir, db, srv.URL)...)

	var ov api.Override
	d.PostJSON(t, "/api/v1/services/exhausted/overrides", map[string]string{"reason": "backup drill", "actor": "chaos", "duration": "2h"},
		map[string]string{"Authorization": "Bearer " + token}, http.StatusCreated, &ov)
	before := map[int64]string{}
	for i := range 20 {
		version := fmt.Sprintf("before-%d", i)
		before[*d.CanDeploy(t, services[i%2], "normal", version).DecisionID] = version
	}

	stop := make(chan struct{})
	done := make(chan loadResult, 1)
	go func() { done <- load(d.URL, "during", services, stop) }()
	time.Sleep(300 * time.Millisecond) // the backup starts under load
	out := filepath.Join(t.TempDir(), "copy.db")
	runBackup(t, db, out)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	res := <-done
	if res.cut > 0 || res.refused > 0 || len(res.bad) > 0 {
		t.Errorf("load during the backup: %d checks unanswered (first: %v), %d refused (first: %s), bad answers %v",
			res.cut, res.cutBy, res.refused, res.refusal, res.bad)
	}

	copied := copiedDecisions(t, out)
	live := decisionLog(t, d)
	newest := int64(0)
	for id := range copied {
		newest = max(newest, id)
	}
	var problems []string
	problems = append(problems, missing(before, copied)...)
	for id, version := range live {
		if id <= newest && copied[id] != version {
			problems = append(problems, fmt.Sprintf("decision %d (%s) is live but the copy has %q", id, version, copied[id]))
		}
	}
	for id, version := range copied {
		if live[id] != version {
			problems = append(problems, fmt.Sprintf("the copy has decision %d (%s), the live log %q", id, version, live[id]))
		}
	}
	for i, p := range problems {
		if i == 10 {
			t.Errorf("... %d problems in all", len(problems))
			break
		}
		t.Error(p)
	}
	checkCopiedOverride(t, out, ov)
	t.Logf("backup under load: %d decisions before it, %d in the copy, %d live after (%d acknowledged during the load)",
		len(before), len(copied), len(live), len(res.acks))
}

// runBackup runs `slod backup` and wants it to print out's path.
func runBackup(t *testing.T, db, out string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, slodBin, "backup", "--db", db, "--out", out)
	cmd.Env = hostEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("slod backup: %v\n%s", err, stderr.String())
	}
	if got := strings.TrimSpace(string(stdout)); got != out {
		t.Errorf("slod backup printed %q, want %q", got, out)
	}
}

// copiedDecisions opens the copy with the store, checks its integrity
// and returns its decision log: id -> version.
func copiedDecisions(t *testing.T, path string) map[int64]string {
	t.Helper()
	ctx := context.Background()
	if err := store.CheckIntegrity(ctx, path); err != nil {
		t.Error(err)
	}
	st, err := store.Open(path)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer st.Close()
	out := map[int64]string{}
	q := slo.DecisionQuery{Limit: store.MaxListLimit}
	for page := 0; page < 1000; page++ {
		ds, err := st.Decisions(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 0 {
			return out
		}
		for _, d := range ds {
			out[d.ID] = d.Version
		}
		q.Before = ds[len(ds)-1].ID
	}
	t.Fatal("the copy's decision log has more than 1000 pages")
	return nil
}

// checkCopiedOverride wants the override ov in the copy, unchanged.
func checkCopiedOverride(t *testing.T, path string, ov api.Override) {
	t.Helper()
	st, err := store.Open(path)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer st.Close()
	ovs, err := st.Overrides(context.Background(), ov.Service, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ovs) != 1 || ovs[0].ID != ov.ID || ovs[0].Reason != ov.Reason || ovs[0].Actor != ov.Actor || !ovs[0].ExpiresAt.Equal(ov.ExpiresAt) {
		t.Errorf("the copy's overrides of %s: %+v, want one like %+v", ov.Service, ovs, ov)
	}
}
