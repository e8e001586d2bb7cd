package promtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/slo-dev/slo/internal/demo/synth"
)

// blockDuration caps the span of backfilled blocks. promtool 2.42 defaults
// to 2h blocks and re-reads the whole input once per block: 35 days of 9
// series took 135s that way, against 1.6s with 486h (20.25d, one of
// Prometheus' own compaction ranges and below its 31d maximum, so the
// server neither splits nor re-compacts them). The flag is hidden in
// promtool's help but supported.
const blockDuration = "486h"

// backfill writes the scenarios as OpenMetrics into dir and turns them
// into TSDB blocks in dataDir.
func backfill(promtool, dir, dataDir string, scenarios []synth.Scenario) error {
	input := filepath.Join(dir, "backfill.om")
	f, err := os.Create(input)
	if err != nil {
		return err
	}
	err = synth.WriteOpenMetrics(f, scenarios...)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", input, err)
	}
	// The input is tens of MB for weeks of history; only the blocks are needed.
	defer os.Remove(input)
	return createBlocks(promtool, input, dataDir)
}

// createBlocks turns the OpenMetrics file input into TSDB blocks in dataDir.
func createBlocks(promtool, input, dataDir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), backfillTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, promtool, "tsdb", "create-blocks-from", "openmetrics",
		"--quiet", "--max-block-duration="+blockDuration, input, dataDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", cmd, err, out)
	}
	return nil
}
