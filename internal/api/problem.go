package api

// Problem is an RFC 7807 problem detail, the body of every error answer
// (Content-Type application/problem+json).
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Field names the request parameter at fault, for 400s.
	Field string `json:"field,omitempty"`
	// RequestID finds the request in slod's logs.
	RequestID string `json:"request_id,omitempty"`
	// Problems are a spec's problems (invalid-spec), as sloctl validate
	// lists them.
	Problems []SpecProblem `json:"problems,omitempty"`
}

// ProblemDocs is the page of slod that documents every problem type, one
// anchor per type. A problem's type is the relative URI reference
// "/docs/problems#<name>" (RFC 9457 3.1.1 allows one; a client resolves
// it against the URL it asked): the same string from every slod, so
// clients can compare it, and it opens the answering slod's own page, so
// it needs no domain and no network beyond slod.
const ProblemDocs = "/docs/problems"

// problemBase prefixes every problem type URI.
const problemBase = ProblemDocs + "#"

// Problem types: the Type of each kind of error answer, for clients to
// compare. The README's API section says when each occurs.
const (
	ProblemInvalidParameter = problemBase + "invalid-parameter"
	ProblemInvalidBody      = problemBase + "invalid-body"
	ProblemBodyTooLarge     = problemBase + "body-too-large"
	ProblemUnauthorized     = problemBase + "unauthorized"
	ProblemUnknownService   = problemBase + "unknown-service"
	ProblemUnknownSLO       = problemBase + "unknown-slo"
	ProblemUnknownOverride  = problemBase + "unknown-override"
	// ProblemUnknownCorrection: 404, the service has no correction of that id.
	ProblemUnknownCorrection = problemBase + "unknown-correction"
	ProblemUnknownEvent      = problemBase + "unknown-event"
	ProblemAlreadyRevoked    = problemBase + "already-revoked"
	ProblemNotFound          = problemBase + "not-found"
	ProblemMethodNotAllowed  = problemBase + "method-not-allowed"
	ProblemTooManyRequests   = problemBase + "too-many-requests"
	ProblemAuditUnavailable  = problemBase + "audit-unavailable"
	ProblemStoreUnavailable  = problemBase + "store-unavailable"
	// ProblemReportUnavailable: Prometheus or the store failed while a
	// report was measured.
	ProblemReportUnavailable = problemBase + "report-unavailable"
	ProblemNoServices        = problemBase + "no-services"
	ProblemNotReady          = problemBase + "not-ready"
	ProblemInternal          = problemBase + "internal"
	ProblemBacktestFailed    = problemBase + "backtest-failed"
	// ProblemInvalidSpec: a backtest's spec has problems, listed in
	// Problem.Problems as sloctl validate lists them.
	ProblemInvalidSpec = problemBase + "invalid-spec"
)

// Problem types of the checks every request passes before its handler.
const (
	ProblemUnsupportedMediaType = problemBase + "unsupported-media-type"
	ProblemHostNotAllowed       = problemBase + "host-not-allowed"
)
