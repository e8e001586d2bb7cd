package prom

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Retention is Prometheus' time retention from /api/v1/status/runtimeinfo
// (storageRetention, e.g. "15d", "15d or 512MiB", "512MiB" (no time limit -> ok=false)).
//
// It is one attempt bounded by QueryTimeout, outside the bulkhead, retries
// and breaker: it is a start-up check whose failure the caller reports, and
// it must not open the circuit for the queries.
func (s *Source) Retention(ctx context.Context) (d time.Duration, ok bool, err error) {
	actx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	info := &respInfo{}
	ri, err := s.api.Runtimeinfo(withRespInfo(actx, info))
	if err != nil {
		return 0, false, fmt.Errorf("prometheus runtime info: %w", classify(ctx, err, info, s.cfg.QueryTimeout))
	}
	d, ok, err = parseRetention(ri.StorageRetention)
	if err != nil {
		return 0, false, fmt.Errorf("prometheus runtime info: %w", err)
	}
	return d, ok, nil
}

// parseRetention reads storageRetention as Prometheus writes it: the time
// limit, the size limit and the disk share limit, each only when set,
// joined by " or ".
func parseRetention(s string) (time.Duration, bool, error) {
	first, _, _ := strings.Cut(strings.TrimSpace(s), " or ")
	if first == "" {
		return 0, false, nil
	}
	d, err := model.ParseDuration(first)
	if err != nil {
		// A size ("512MiB") or a share of the disk ("80%", Prometheus 3)
		// alone: no time limit.
		if strings.HasSuffix(first, "B") || strings.HasSuffix(first, "%") {
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("storage retention %q: want a duration such as 15d or a size: %w", s, err)
	}
	if d <= 0 {
		return 0, false, nil
	}
	return time.Duration(d), true, nil
}
