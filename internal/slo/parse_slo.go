package slo

import (
	"time"

	"gopkg.in/yaml.v3"
)

var sloFields = []string{"name", "description", "target", "percentile", "window", "measurement_window", "calendar", "timezone", "sli"}

// slo reads one entry of slos.
func (c *checker) slo(n *yaml.Node, path string) SLO {
	var o SLO
	f, ok := c.fields(n, path, sloFields)
	if !ok {
		return o
	}
	n = resolve(n)
	if v := f["name"]; v != nil {
		if o.Name, ok = c.str(v, join(path, "name"), "a name like availability"); ok {
			o.Slug = Slugify(o.Name)
			if o.Slug == "" {
				c.addf(v, join(path, "name"), "%q has no letters a-z or digits, which the SLO's id is made of; give a name like availability", o.Name)
			}
		}
	} else {
		c.addf(n, join(path, "name"), "missing; give the SLO a name like availability")
	}
	if v := f["description"]; v != nil {
		o.Description, _ = c.str(v, join(path, "description"), "a sentence saying what is measured")
	}
	c.window(&o, f, n, path)
	var threshold time.Duration
	o.Target, threshold = c.target(f, n, path)
	c.sli(&o, f, n, path, threshold)
	return o
}

// target reads target (and percentile). The seed's latency form, percentile:
// 95 with target: 500ms, gives the target 0.95 and the threshold 500ms.
func (c *checker) target(f map[string]*yaml.Node, parent *yaml.Node, path string) (target float64, threshold time.Duration) {
	tpath := join(path, "target")
	pct := f["percentile"]
	v := f["target"]
	if v == nil {
		if pct != nil {
			c.addf(parent, tpath, "missing; with percentile: give the latency threshold, e.g. target: 500ms")
		} else {
			c.addf(parent, tpath, "missing; give a percentage like 99.9%%")
		}
		return 0, 0
	}
	s, ok := c.str(v, tpath, "a percentage like 99.9%")
	if !ok {
		return 0, 0
	}
	if pct == nil {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			c.addf(v, tpath, "%q is a duration; a target is a percentage like 99.9%%, or add percentile: 95 to make %s the latency threshold", s, s)
			return 0, 0
		}
		return c.fraction(v, tpath, s), 0
	}
	threshold, err := time.ParseDuration(s)
	if err != nil || threshold <= 0 {
		c.addf(v, tpath, "%q is not a latency threshold; with percentile: the target is a duration like 500ms or 1.5s", s)
	}
	ppath := join(path, "percentile")
	if p, ok := c.str(pct, ppath, "a percentile like 95"); ok {
		target = c.fraction(pct, ppath, p)
	}
	return target, threshold
}

// fraction reads a percentage in (0, 100) and returns it as a fraction.
func (c *checker) fraction(n *yaml.Node, path, s string) float64 {
	f, err := parsePercent(s)
	switch {
	case err != nil:
		c.addf(n, path, "%v; give a percentage like 99.9%%", err)
	case f <= 0:
		c.addf(n, path, "%s is too low; give a percentage above 0%%, like 99.9%%", s)
	case f >= 1:
		c.addf(n, path, "%s is too high; give a percentage below 100%% (100%% leaves no error budget), like 99.9%%", s)
	case f < 0.01 && !hasPercentSign(s):
		// 0.999 is almost surely meant as a fraction; as a percentage it
		// would allow 99% of requests to fail.
		c.addf(n, path, "%s reads as %s%%; values are percentages, so write 99.9%% for 0.999", s, s)
	default:
		return f
	}
	return 0
}

// window reads exactly one of window, measurement_window and calendar
// (with its optional timezone).
func (c *checker) window(o *SLO, f map[string]*yaml.Node, parent *yaml.Node, path string) {
	var given []string
	for _, key := range []string{"window", "measurement_window", "calendar"} {
		if f[key] != nil {
			given = append(given, key)
		}
	}
	tz := f["timezone"]
	switch len(given) {
	case 0:
		c.addf(parent, join(path, "window"), "missing; give window: 30d (rolling) or calendar: month")
		return
	case 1:
	default:
		c.addf(f[given[1]], join(path, given[1]), "give only one of window, measurement_window and calendar; found %s and %s", given[0], given[1])
		return
	}
	key := given[0]
	kpath := join(path, key)
	if key != "calendar" {
		if tz != nil {
			c.addf(tz, join(path, "timezone"), "applies only to calendar: month|week; remove it or use a calendar window")
		}
		s, ok := c.str(f[key], kpath, "a duration like 30d")
		if !ok {
			return
		}
		d, err := parseWindow(s)
		switch {
		case err != nil:
			c.addf(f[key], kpath, "%q is not a window; give a duration like 30d, 4w, 1h30m or 30_days", s)
		case d < time.Hour:
			c.addf(f[key], kpath, "%s is too short; give at least 1h (SLO windows are usually 7d to 30d)", s)
		case d > maxWindow:
			c.addf(f[key], kpath, "%s is too long; give at most 366d, a year (SLO windows are usually 7d to 30d)", s)
		default:
			o.Window = d
		}
		return
	}
	if s, ok := c.str(f[key], kpath, "month or week"); ok {
		if cal := Calendar(s); cal != CalendarMonth && cal != CalendarWeek {
			c.addf(f[key], kpath, "%q is not a calendar period; give month or week", s)
		} else {
			o.Calendar = cal
		}
	}
	o.Location = time.UTC
	if tz != nil {
		tzpath := join(path, "timezone")
		if name, ok := c.str(tz, tzpath, "an IANA time zone like Europe/Berlin"); ok {
			loc, err := loadLocation(name)
			if err != nil {
				c.addf(tz, tzpath, "unknown time zone %q; give an IANA name like Europe/Berlin or UTC", name)
			}
			o.Location = loc
		}
	}
}
