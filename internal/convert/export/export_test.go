package export_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/slo-dev/slo/internal/convert/converttest"
	"github.com/slo-dev/slo/internal/convert/export"
	"github.com/slo-dev/slo/internal/slo"
)

// TestRoundTrip: ours -> OpenSLO -> ours gives the same services, labels
// and SLOs (names, targets, windows, time zones, queries, histograms) for
// the repository's example specs and testdata/extra.yaml. Owner and policy
// have no OpenSLO field; the notes say so.
func TestRoundTrip(t *testing.T) {
	before := converttest.Load(t, filepath.Join("..", "..", "..", "slos"), filepath.Join("testdata", "extra.yaml"))
	if len(before.Problems) > 0 || len(before.Specs) != 6 {
		t.Fatalf("%d specs, problems %v", len(before.Specs), before.Problems)
	}
	data, notes, err := export.OpenSLO(before.Specs)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2*5+1 { // owner and policy of the five in slos/, policy of extra
		t.Errorf("notes: %q", notes)
	}
	file := filepath.Join(t.TempDir(), "openslo.yaml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	after := converttest.Load(t, file)
	if len(after.Problems) > 0 || len(after.Warnings) > 0 {
		t.Fatalf("reading the export back: problems %v, warnings %v\n%s", after.Problems, after.Warnings, data)
	}
	if len(after.Specs) != len(before.Specs) {
		t.Fatalf("%d specs back, want %d", len(after.Specs), len(before.Specs))
	}
	for _, b := range before.Specs {
		a := converttest.Spec(t, after.Specs, b.Service)
		if !reflect.DeepEqual(a.Labels, b.Labels) && len(a.Labels)+len(b.Labels) > 0 {
			t.Errorf("%s: labels %v, want %v", b.Service, a.Labels, b.Labels)
		}
		if len(a.SLOs) != len(b.SLOs) {
			t.Fatalf("%s: %d SLOs, want %d", b.Service, len(a.SLOs), len(b.SLOs))
		}
		for i := range b.SLOs {
			if got, want := a.SLOs[i], b.SLOs[i]; !sameSLO(got, want) {
				t.Errorf("%s: SLO %d\n got %+v %+v %+v\nwant %+v %+v %+v", b.Service, i, got, got.SLI.Events, got.SLI.Latency, want, want.SLI.Events, want.SLI.Latency)
			}
		}
	}
}

func sameSLO(a, b slo.SLO) bool {
	la, lb := a.Location, b.Location
	a.Location, b.Location = nil, nil
	return reflect.DeepEqual(a, b) && la.String() == lb.String()
}
