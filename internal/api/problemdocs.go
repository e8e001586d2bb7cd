package api

import "strings"

// ProblemDoc documents one problem type on slod's ProblemDocs page.
type ProblemDoc struct {
	Type   string
	Status int
	// When it is answered, and what to do about it.
	When, Do string
}

// Name is the type's anchor on the page: "not-found".
func (d ProblemDoc) Name() string { return strings.TrimPrefix(d.Type, problemBase) }

// ProblemDocList lists every problem type, in the README's order.
var ProblemDocList = []ProblemDoc{
	{ProblemInvalidParameter, 400, "A query parameter or body field is wrong; field names it and detail says what would be valid.",
		"Fix the named field and send the request again."},
	{ProblemInvalidSpec, 400, "A backtest's spec (or against spec) has problems; problems lists each as file, line, field and message, as sloctl validate prints them.",
		"Fix the spec (sloctl validate finds the same problems) and send it again."},
	{ProblemInvalidBody, 400, "The request body is not one JSON object, or has data after it.",
		"Send exactly one JSON object with only the request's fields."},
	{ProblemBodyTooLarge, 413, "The request body is over the limit (64 KiB).",
		"Send a smaller body: no request of the API needs more."},
	{ProblemHostNotAllowed, 421, "The Host header names a host not in --allowed-hosts (a DNS-rebinding page arrives under its own name).",
		"Reach slod under an allowed name, or add the name to slod's --allowed-hosts."},
	{ProblemUnsupportedMediaType, 415, "A POST or DELETE has a body, or a Content-Type, other than application/json.",
		"Send the body as application/json; sloctl does."},
	{ProblemUnauthorized, 401, "An override write (or, with --require-token-for-checks, a POSTed check) came without a valid bearer token, or slod has no tokens configured.",
		"Send Authorization: Bearer <token> with a token from slod's --token-file or SLOD_TOKENS (sloctl sends $SLOCTL_TOKEN)."},
	{ProblemUnknownService, 404, "No service of that name is loaded.",
		"Check the name against GET /api/v1/services; a spec with problems is not loaded (see config_problems there)."},
	{ProblemUnknownSLO, 404, "The service has no SLO with that slug (history).",
		"Use a slug from the service's slos in GET /api/v1/services/{service}."},
	{ProblemUnknownOverride, 404, "The service has no override with that id.",
		"List the service's overrides with GET /api/v1/services/{service}/overrides."},
	{ProblemUnknownCorrection, 404, "The service has no correction with that id.",
		"List the service's corrections with GET /api/v1/services/{service}/corrections."},
	{ProblemUnknownEvent, 404, "No dead-lettered notification has that event id.",
		"List the dead letters with sloctl notifications dlq (GET /api/v1/notifications?state=dead) and retry one of those ids."},
	{ProblemAlreadyRevoked, 409, "The override or correction was already revoked.",
		"Nothing: it no longer applies."},
	{ProblemNotFound, 404, "No such endpoint.",
		"Check the path against the API in slod's README."},
	{ProblemMethodNotAllowed, 405, "The endpoint does not take that method.",
		"Use the method the API lists for the endpoint."},
	{ProblemTooManyRequests, 429, "More requests in flight than --max-in-flight, or more audited writes from one client address than --rate-limit and --rate-burst allow.",
		"Wait as long as Retry-After says and try again (sloctl does); raise the limits if a CI fleet shares one address."},
	{ProblemAuditUnavailable, 503, "A POSTed can-deploy check could not be written to the decision log, so it gets no decision.",
		"Retry shortly (sloctl does); if it persists, check slod's disk and its log."},
	{ProblemStoreUnavailable, 503, "SQLite could not be read or written (history, overrides, decisions).",
		"Retry shortly; if it persists, check slod's disk and its log."},
	{ProblemReportUnavailable, 503, "A report's numbers could not be measured: Prometheus or SQLite failed.",
		"Retry shortly; slod's log and /metrics say which part failed."},
	{ProblemBacktestFailed, 502, "A backtest could not fetch its events from Prometheus; detail says why.",
		"Check that slod can query Prometheus and that the range asked for is within its retention, then try again."},
	{ProblemNoServices, 503, "From /readyz: no valid service is loaded; detail names the paths searched.",
		"Fix the spec files (sloctl validate), or point --slos at them."},
	{ProblemNotReady, 503, "From /readyz: no evaluation has completed and no snapshot was restored yet.",
		"Wait for slod's first evaluation; if it does not come, check that slod can query Prometheus."},
	{ProblemInternal, 500, "slod failed unexpectedly: a panic, or a decision it could not make or encode.",
		"Report it with request_id, which finds the request in slod's log."},
}
