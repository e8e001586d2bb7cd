package server

import (
	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
)

func toEvents(c slo.Counts) api.Events { return api.Events{Bad: c.Errors, Total: c.Total} }

// toDeployment converts a deploy without attribution.
func toDeployment(d slo.Deployment) api.Deployment {
	return api.Deployment{
		ID: d.ID, Service: d.Service, Version: d.Version, Priority: string(d.Priority),
		Actor: d.Actor, Pipeline: d.Pipeline, Link: d.Link, At: d.At.UTC(), RecordedAt: d.RecordedAt.UTC(),
		SLOs: []api.DeploymentSLO{},
	}
}

// toAttribution converts a deploy with what it did to each SLO.
func toAttribution(a slo.Attribution) api.Deployment {
	out := toDeployment(a.Deployment)
	suspect := a.Suspect
	out.Suspect = &suspect
	for _, s := range a.SLOs {
		ds := api.DeploymentSLO{SLO: s.SLO, Suspect: s.Suspect, Alert: s.Alert, Spans: make([]api.AttributionSpan, len(s.Spans))}
		for i, sp := range s.Spans {
			ds.Spans[i] = api.AttributionSpan{
				Span: model.Duration(sp.Length).String(), ElapsedSeconds: sp.Elapsed.Seconds(),
				Before: toEvents(sp.Before), After: toEvents(sp.After),
				BeforeBurn: sp.BeforeBurn, AfterBurn: sp.AfterBurn,
				BeforeConsumed: sp.BeforeConsumed, AfterConsumed: sp.AfterConsumed,
				Excluded: toEvents(sp.Excluded),
			}
		}
		out.SLOs = append(out.SLOs, ds)
	}
	return out
}

func toAttributions(as []slo.Attribution) []api.Deployment {
	out := make([]api.Deployment, len(as))
	for i, a := range as {
		out[i] = toAttribution(a)
	}
	return out
}

func toCorrection(c slo.Correction) api.Correction {
	slos := c.SLOs
	if slos == nil {
		slos = []string{}
	}
	out := api.Correction{
		ID: c.ID, Service: c.Service, SLOs: slos, From: c.From.UTC(), To: c.To.UTC(), Reason: c.Reason,
		Actor: c.Actor, CreatedAt: c.CreatedAt.UTC(), RevokedBy: c.RevokedBy,
	}
	if c.RevokedAt != nil {
		out.RevokedAt = timePtr(*c.RevokedAt)
	}
	return out
}
