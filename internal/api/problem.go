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
}
