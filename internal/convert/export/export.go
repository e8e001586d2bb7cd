// Package export writes our specs as OpenSLO v1, so they can move to
// another tool: a Service per spec and an SLO per objective, each with its
// indicator inline and Prometheus queries over a fixed 5m range (OpenSLO
// has no window template). What OpenSLO cannot say (owner, policy) is
// listed in notes. openslo.Import reads the result back to the same specs.
package export

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/convert/openslo"
	"github.com/slo-dev/slo/internal/slo"
)

// Range replaces {{.window}} in exported queries; importing sets it back.
const Range = "5m"

// calendarStart is a Monday and the first of a month, at which every
// exported calendar window starts.
const calendarStart = "2024-01-01 00:00:00"

type document struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   metadata `yaml:"metadata"`
	Spec       any      `yaml:"spec"`
}

type metadata struct {
	Name        string            `yaml:"name"`
	DisplayName string            `yaml:"displayName,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
}

type sloSpec struct {
	Description     string       `yaml:"description,omitempty"`
	Service         string       `yaml:"service"`
	Indicator       indicator    `yaml:"indicator"`
	TimeWindow      []timeWindow `yaml:"timeWindow"`
	BudgetingMethod string       `yaml:"budgetingMethod"`
	Objectives      []objective  `yaml:"objectives"`
}

type indicator struct {
	Metadata metadata `yaml:"metadata"`
	Spec     sliSpec  `yaml:"spec"`
}

type sliSpec struct {
	RatioMetric     *ratioMetric `yaml:"ratioMetric,omitempty"`
	ThresholdMetric *source      `yaml:"thresholdMetric,omitempty"`
}

type ratioMetric struct {
	Counter bool    `yaml:"counter"`
	Good    *source `yaml:"good,omitempty"`
	Bad     *source `yaml:"bad,omitempty"`
	Total   *source `yaml:"total"`
}

type source struct {
	MetricSource metricSource `yaml:"metricSource"`
}

type metricSource struct {
	Type string            `yaml:"type"`
	Spec map[string]string `yaml:"spec"`
}

type timeWindow struct {
	Duration  string    `yaml:"duration"`
	IsRolling bool      `yaml:"isRolling"`
	Calendar  *calendar `yaml:"calendar,omitempty"`
}

type calendar struct {
	StartTime string `yaml:"startTime"`
	TimeZone  string `yaml:"timeZone"`
}

type objective struct {
	Op     string  `yaml:"op,omitempty"`
	Value  float64 `yaml:"value,omitempty"`
	Target float64 `yaml:"target"`
}

// OpenSLO writes specs as OpenSLO v1 documents, with notes on what was
// left out.
func OpenSLO(specs []slo.Spec) ([]byte, []string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	var notes []string
	for _, s := range specs {
		if s.Owner != "" {
			notes = append(notes, fmt.Sprintf("%s: owner %q is not exported; OpenSLO has no owner", s.File, s.Owner))
		}
		notes = append(notes, fmt.Sprintf("%s: the error-budget policy is not exported; OpenSLO has none", s.File))
		docs := []document{{APIVersion: openslo.APIVersion, Kind: openslo.KindService, Metadata: metadata{Name: s.Service, Labels: s.Labels}, Spec: map[string]string{}}}
		for _, o := range s.SLOs {
			docs = append(docs, sloDocument(s.Service, o))
		}
		for _, d := range docs {
			if err := enc.Encode(d); err != nil {
				return nil, nil, fmt.Errorf("encode %s: %w", s.File, err)
			}
		}
	}
	if err := enc.Close(); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), notes, nil
}

func sloDocument(service string, o slo.SLO) document {
	// OpenSLO names are unique per kind, ours per service; the
	// displayName keeps the name as written (openslo.Import reads it back).
	meta := metadata{Name: service + "-" + o.Slug, DisplayName: o.Name}
	spec := sloSpec{
		Description:     o.Description,
		Service:         service,
		Indicator:       indicator{Metadata: metadata{Name: meta.Name}},
		TimeWindow:      []timeWindow{window(o)},
		BudgetingMethod: "Occurrences",
		Objectives:      []objective{{Target: o.Target}},
	}
	if ev := o.SLI.Events; ev != nil {
		r := &ratioMetric{Total: prometheus(slo.RenderQuery(ev.Total, Range))}
		if ev.Errors != "" {
			r.Bad = prometheus(slo.RenderQuery(ev.Errors, Range))
		} else {
			r.Good = prometheus(slo.RenderQuery(ev.Good, Range))
		}
		spec.Indicator.Spec.RatioMetric = r
	} else if lat := o.SLI.Latency; lat != nil {
		spec.Indicator.Spec.ThresholdMetric = prometheus(lat.Metric + "_bucket" + lat.Selector)
		spec.Objectives[0].Op = "lte"
		spec.Objectives[0].Value, _ = strconv.ParseFloat(lat.Le, 64)
	}
	return document{APIVersion: openslo.APIVersion, Kind: openslo.KindSLO, Metadata: meta, Spec: spec}
}

func prometheus(q string) *source {
	return &source{MetricSource: metricSource{Type: "Prometheus", Spec: map[string]string{"query": q}}}
}

// window writes a rolling window in one unit (OpenSLO's shorthand has no
// compound durations), or a calendar month or week.
func window(o slo.SLO) timeWindow {
	switch o.Calendar {
	case slo.CalendarMonth, slo.CalendarWeek:
		d := "1M"
		if o.Calendar == slo.CalendarWeek {
			d = "1w"
		}
		loc := o.Location
		if loc == nil {
			loc = time.UTC
		}
		return timeWindow{Duration: d, Calendar: &calendar{StartTime: calendarStart, TimeZone: loc.String()}}
	}
	w := o.Window
	switch {
	case w%(24*time.Hour) == 0:
		return timeWindow{Duration: fmt.Sprintf("%dd", w/(24*time.Hour)), IsRolling: true}
	case w%time.Hour == 0:
		return timeWindow{Duration: fmt.Sprintf("%dh", w/time.Hour), IsRolling: true}
	}
	return timeWindow{Duration: fmt.Sprintf("%dm", w/time.Minute), IsRolling: true}
}
