package api

import "time"

// OverrideRecord is an override as stored: it lets every deploy of a
// service through until it expires or is revoked.
type OverrideRecord struct {
	ID        int64      `json:"id"`
	Service   string     `json:"service"`
	Reason    string     `json:"reason"`
	Actor     string     `json:"actor"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	RevokedBy string     `json:"revoked_by,omitempty"`
}

// OverrideList answers GET /api/v1/services/{service}/overrides.
type OverrideList struct {
	Overrides []Override `json:"overrides"`
}

// Override is an override as slod lists, creates and revokes it.
type Override struct {
	OverrideRecord
	// Active is whether it lets deploys through now, by slod's clock.
	Active bool `json:"active"`
}

// OverrideRequest is the body of POST /api/v1/services/{service}/overrides.
// Overrides always expire: give Duration or ExpiresAt, not both.
type OverrideRequest struct {
	Reason string `json:"reason"`
	Actor  string `json:"actor,omitempty"`
	// Duration is from now, in Prometheus' format ("30m", "2h", "1d").
	Duration  string     `json:"duration,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}
