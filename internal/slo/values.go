package slo

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// seedWindow is the seed's spelling of a window: 30_days, 12_hours, 1_week.
var seedWindow = regexp.MustCompile(`^(\d+)_(hour|day|week)s?$`)

var seedUnits = map[string]time.Duration{
	"hour": time.Hour,
	"day":  24 * time.Hour,
	"week": 7 * 24 * time.Hour,
}

// parsePercent reads a percentage, "99.9%" or "99.9", as a fraction (0.999).
func parsePercent(s string) (float64, error) {
	num := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	// Moving the decimal point in the text keeps 99.9% exactly the float
	// nearest 0.999, where 99.9/100 would be 0.9990000000000001.
	if !strings.ContainsAny(num, "eEpPxX_") {
		if f, err := strconv.ParseFloat(num+"e-2", 64); err == nil {
			return f, nil
		}
	}
	return v / 100, nil
}

func hasPercentSign(s string) bool { return strings.HasSuffix(strings.TrimSpace(s), "%") }

// parseWindow reads a Prometheus duration (30d, 4w, 1h30m) or the seed's
// N_days, N_hours, N_weeks.
func parseWindow(s string) (time.Duration, error) {
	if m := seedWindow.FindStringSubmatch(s); m != nil {
		unit := seedUnits[m[2]]
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > math.MaxInt64/int64(unit) {
			return 0, fmt.Errorf("window %q is too long", s)
		}
		return time.Duration(n) * unit, nil
	}
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("parse window %q: %w", s, err)
	}
	return time.Duration(d), nil
}

// loadLocation loads an IANA time zone. "Local" is refused: it would make
// the calendar depend on the machine slod runs on.
func loadLocation(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, errors.New(`"Local" depends on the machine; give an IANA name`)
	}
	return time.LoadLocation(name)
}
