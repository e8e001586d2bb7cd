// Package durationtext writes durations for people, the one rule sloctl
// and the dashboard (web/static/js/format.js) share: the two largest
// units, the smaller rounded, a zero one left out.
//
//	under a minute  seconds          "45s"
//	under 48 hours  hours, minutes   "25h 24m", "4h", "12m"
//	from 48 hours   days, hours      "112d 5h", "28d"
//
// Hours run to 48 because "25h" reads quicker than "1d 1h". Cases both
// implementations must pass are in testdata/durations.json.
package durationtext

import (
	"math"
	"strconv"
	"time"
)

// Format writes d as the package comment says.
func Format(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	var s string
	switch {
	case math.Round(d.Seconds()) < 60:
		s = unit(int64(math.Round(d.Seconds())), "s")
	case math.Round(d.Minutes()) < 48*60:
		m := int64(math.Round(d.Minutes()))
		s = pair(m/60, "h", m%60, "m")
	default:
		h := int64(math.Round(d.Hours()))
		s = pair(h/24, "d", h%24, "h")
	}
	if s == "0s" {
		return s
	}
	return sign + s
}

func unit(n int64, u string) string { return strconv.FormatInt(n, 10) + u }

// pair writes "3d 4h", leaving out a zero part.
func pair(big int64, bigUnit string, small int64, smallUnit string) string {
	switch {
	case big == 0:
		return unit(small, smallUnit)
	case small == 0:
		return unit(big, bigUnit)
	}
	return unit(big, bigUnit) + " " + unit(small, smallUnit)
}
