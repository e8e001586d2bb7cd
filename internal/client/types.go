package client

import (
	"encoding/json"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/api"
)

// The answers are internal/api's types; OverrideRequest is the one request
// the client shapes itself, to take a time.Duration.

// OverrideRequest asks for an override lasting For from now.
type OverrideRequest struct {
	Reason string
	Actor  string
	For    time.Duration
}

// MarshalJSON sends r as an api.OverrideRequest with For in Prometheus'
// duration format ("2h", "1d", "1h30m"), which slod parses.
func (r OverrideRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(api.OverrideRequest{Reason: r.Reason, Actor: r.Actor, Duration: model.Duration(r.For).String()})
}
