package slo

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Maintenance bounds: a window no longer than a day, starting at most
// hourly, so expanding a year-long SLO window stays cheap; 20 per spec.
const (
	maxMaintenanceDuration = 24 * time.Hour
	minMaintenanceGap      = time.Hour
	maxMaintenance         = 20
)

var maintenanceFields = []string{"cron", "duration", "slos"}

// Maintenance is a recurring window whose events count in no budget or
// burn rate: it starts at every time Cron names (standard 5-field cron, UTC
// unless it begins with CRON_TZ=Zone) and lasts Duration.
type Maintenance struct {
	Cron     string
	Duration time.Duration
	// SLOs are the slugs it applies to; empty means every SLO.
	SLOs     []string
	schedule cron.Schedule
}

// Occurrences lists the [start, end) spans of m that overlap [from, to),
// oldest first.
func (m Maintenance) Occurrences(from, to time.Time) [][2]time.Time {
	if m.schedule == nil {
		return nil
	}
	var out [][2]time.Time
	// Next is strictly after its argument: back up a second so a start
	// exactly at from.Add(-Duration) is found.
	for t := m.schedule.Next(from.Add(-m.Duration - time.Second)); t.Before(to); t = m.schedule.Next(t) {
		if end := t.Add(m.Duration); end.After(from) {
			out = append(out, [2]time.Time{t, end})
		}
	}
	return out
}

// AppliesTo reports whether m excludes events of the SLO slug.
func (m Maintenance) AppliesTo(slug string) bool {
	if len(m.SLOs) == 0 {
		return true
	}
	for _, s := range m.SLOs {
		if s == slug {
			return true
		}
	}
	return false
}

// String names m in reasons and in the API: "maintenance 0 2 * * SUN for 1h".
func (m Maintenance) String() string {
	return fmt.Sprintf("maintenance %s for %s", m.Cron, model.Duration(m.Duration))
}

// maintenance reads maintenance:, checking SLO names against slos.
func (c *checker) maintenance(n *yaml.Node, slos []SLO) []Maintenance {
	items, ok := c.seq(n, "maintenance", `windows like {cron: "0 2 * * SUN", duration: 1h}`)
	if !ok {
		return nil
	}
	items = c.capItems(items, "maintenance", "maintenance windows", maxMaintenance)
	out := make([]Maintenance, 0, len(items))
	for i, item := range items {
		path := index("maintenance", i)
		f, ok := c.fields(item, path, maintenanceFields)
		if !ok {
			continue
		}
		var m Maintenance
		if v := f["cron"]; v == nil {
			c.addf(resolve(item), join(path, "cron"), `missing; give when the window starts, e.g. cron: "0 2 * * SUN"`)
		} else if s, ok := c.str(v, join(path, "cron"), `a cron schedule like "0 2 * * SUN"`); ok {
			m.Cron = s
			m.schedule = c.schedule(v, join(path, "cron"), s)
		}
		if v := f["duration"]; v == nil {
			c.addf(resolve(item), join(path, "duration"), "missing; give how long the window lasts, e.g. duration: 1h")
		} else if m.Duration = c.positiveDuration(v, join(path, "duration")); m.Duration > maxMaintenanceDuration {
			c.addf(v, join(path, "duration"), "%s is longer than %s; split longer work into corrections", model.Duration(m.Duration), model.Duration(maxMaintenanceDuration))
		}
		if v := f["slos"]; v != nil {
			m.SLOs = c.sloNames(v, join(path, "slos"), slos)
		}
		out = append(out, m)
	}
	return out
}

// schedule parses a cron expression and checks it starts at most hourly.
func (c *checker) schedule(n *yaml.Node, path, s string) cron.Schedule {
	sch, err := cron.ParseStandard(s)
	if err != nil {
		c.addf(n, path, "%q is not a cron schedule (%v); give 5 fields like \"0 2 * * SUN\"", s, err)
		return nil
	}
	t := sch.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for range 200 {
		next := sch.Next(t)
		if next.IsZero() {
			break
		}
		if next.Sub(t) < minMaintenanceGap {
			c.addf(n, path, "%q starts more often than hourly; give a schedule like \"0 2 * * SUN\"", s)
			return nil
		}
		t = next
	}
	return sch
}

// sloNames reads a list of SLO names or slugs of this spec, as slugs.
func (c *checker) sloNames(n *yaml.Node, path string, slos []SLO) []string {
	names := c.strs(n, path, "SLO names")
	out := make([]string, 0, len(names))
	for _, name := range names {
		slug, ok := FindSLO(slos, name)
		if !ok {
			c.addf(resolve(n), path, "%q is not an SLO of this spec", name)
			continue
		}
		out = append(out, slug)
	}
	return out
}

// FindSLO is the slug of the SLO of slos named name (by name or slug).
func FindSLO(slos []SLO, name string) (string, bool) {
	for _, o := range slos {
		if o.Name == name || o.Slug == name || o.Slug == Slugify(name) {
			return o.Slug, true
		}
	}
	return "", false
}
