// Package report computes the SLO report people read instead of a
// dashboard: per service and SLO, over a calendar period, the target, the
// SLI achieved, the budget consumed in the period and at its end, the
// worst burn, alerts fired, minutes normal deploys were denied and the
// overrides used; and renders it as markdown, HTML (one self-contained
// file with inline SVG burn-down charts), CSV or JSON. Computation is
// pure; Build gathers its inputs.
package report

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Period names. A YYYY-MM month is accepted too.
const (
	LastWeek  = "last-week"
	LastMonth = "last-month"
	// Current and Previous are the SLO's own calendar period (its month
	// or week; a month for rolling windows), the one now and the one
	// before.
	Current  = "current"
	Previous = "previous"
)

var monthRE = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// CheckPeriod says whether name is a period this package knows.
func CheckPeriod(name string) error {
	switch name {
	case LastWeek, LastMonth, Current, Previous:
		return nil
	}
	if m := monthRE.FindStringSubmatch(name); m != nil {
		if mo, _ := strconv.Atoi(m[2]); mo >= 1 && mo <= 12 {
			return nil
		}
	}
	return fmt.Errorf("period %q: use last-week, last-month, current, previous or a month as YYYY-MM", name)
}

// Bounds is the period name means for o at now, in o's time zone
// (weeks start on Monday). The end of a period still running is now.
func Bounds(name string, o slo.SLO, now time.Time) (start, end time.Time, err error) {
	if err := CheckPeriod(name); err != nil {
		return time.Time{}, time.Time{}, err
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	cal := o.Calendar
	if cal == "" {
		cal = slo.CalendarMonth
	}
	switch name {
	case LastWeek:
		return before(now, slo.CalendarWeek, loc)
	case LastMonth:
		return before(now, slo.CalendarMonth, loc)
	case Current:
		s, e := slo.CalendarBounds(now, cal, loc)
		return s, minTime(e, now), nil
	case Previous:
		return before(now, cal, loc)
	}
	m := monthRE.FindStringSubmatch(name)
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	s := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, loc)
	e := s.AddDate(0, 1, 0)
	if !s.Before(now) {
		return time.Time{}, time.Time{}, fmt.Errorf("period %s has not begun", name)
	}
	return s, minTime(e, now), nil
}

// before is the calendar period before the one holding now.
func before(now time.Time, cal slo.Calendar, loc *time.Location) (start, end time.Time, err error) {
	s, _ := slo.CalendarBounds(now, cal, loc)
	start, end = slo.CalendarBounds(s.Add(-time.Nanosecond), cal, loc)
	return start, end, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
