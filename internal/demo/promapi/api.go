package promapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
)

// maxPoints is Prometheus' limit on the points of one range-query series.
const maxPoints = 11000

// Error types and the status codes Prometheus answers them with
// (web/api/v1); client_golang maps them back to v1.ErrorType.
const (
	errBadData   = "bad_data"
	errExec      = "execution"
	errTimeout   = "timeout"
	errCanceled  = "canceled"
	errInternal  = "internal"
	statusClosed = 499 // client closed the request, as Prometheus answers a cancel
)

var errorStatus = map[string]int{
	errBadData:  http.StatusBadRequest,
	errExec:     http.StatusUnprocessableEntity,
	errTimeout:  http.StatusServiceUnavailable,
	errCanceled: statusClosed,
	errInternal: http.StatusInternalServerError,
}

// apiError is an error with its Prometheus error type.
type apiError struct {
	typ string
	err error
}

// response is Prometheus' JSON envelope.
type response struct {
	Status    string    `json:"status"`
	Data      *dataBody `json:"data,omitempty"`
	ErrorType string    `json:"errorType,omitempty"`
	Error     string    `json:"error,omitempty"`
	Warnings  []string  `json:"warnings,omitempty"`
	Infos     []string  `json:"infos,omitempty"`
}

type dataBody struct {
	ResultType parser.ValueType `json:"resultType"`
	Result     parser.Value     `json:"result"`
}

// Handler serves the part of Prometheus' HTTP API that slod and
// client_golang's v1.API.Query/QueryRange use, plus the readiness probes.
func (s *Source) Handler() http.Handler {
	mux := http.NewServeMux()
	// GET and POST (form-encoded) alike: client_golang POSTs queries and
	// falls back to GET on 405.
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		mux.HandleFunc(m+" /api/v1/query", s.serveQuery)
		mux.HandleFunc(m+" /api/v1/query_range", s.serveQueryRange)
	}
	ok := func(msg string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprintln(w, msg)
		}
	}
	// The backfill is complete before a Source exists, so it is ready as
	// soon as it serves.
	mux.HandleFunc("GET /api/v1/status/runtimeinfo", serveRuntimeinfo)
	mux.HandleFunc("GET /-/ready", ok("Prometheus Server is Ready."))
	mux.HandleFunc("GET /-/healthy", ok("Prometheus Server is Healthy."))
	return mux
}

// serveRuntimeinfo answers the one field slod reads: the retention, which
// Prometheus leaves empty when neither time nor size limits the data, as
// here (the history is fixed for the life of the process).
func serveRuntimeinfo(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintln(w, `{"status":"success","data":{"storageRetention":""}}`)
}

func (s *Source) serveQuery(w http.ResponseWriter, r *http.Request) {
	ts, aerr := timeParam(r, "time", time.Now())
	s.serve(w, r, aerr, func(ctx context.Context, q string) (*promql.Result, func(), error) {
		return s.instant(ctx, q, ts)
	})
}

func (s *Source) serveQueryRange(w http.ResponseWriter, r *http.Request) {
	start, end, step, aerr := rangeParams(r)
	s.serve(w, r, aerr, func(ctx context.Context, q string) (*promql.Result, func(), error) {
		return s.ranged(ctx, q, start, end, step)
	})
}

// serve is what both query endpoints share: it fails with paramErr, the
// error parsing the endpoint's own parameters, if there is one; otherwise
// it runs the query under the request's timeout and answers.
func (s *Source) serve(w http.ResponseWriter, r *http.Request, paramErr *apiError,
	run func(ctx context.Context, q string) (*promql.Result, func(), error)) {
	if paramErr != nil {
		s.fail(w, paramErr)
		return
	}
	ctx, cancel, aerr := withTimeout(r)
	if aerr != nil {
		s.fail(w, aerr)
		return
	}
	defer cancel()
	q := r.FormValue("query")
	res, done, err := run(ctx, q)
	s.answer(w, r, q, res, done, err)
}

// answer writes the result of a query. err is an error building the query
// (a PromQL syntax error, say); res.Err one evaluating it.
func (s *Source) answer(w http.ResponseWriter, r *http.Request, q string, res *promql.Result, done func(), err error) {
	if err != nil {
		s.fail(w, buildError(err))
		return
	}
	defer done()
	if res.Err != nil {
		s.fail(w, execError(res.Err))
		return
	}
	warnings, infos := res.Warnings.AsStrings(q, 10, 10)
	s.log.Debug("query", "path", r.URL.Path, "query", q, "warnings", len(warnings))
	s.write(w, http.StatusOK, response{
		Status:   "success",
		Data:     &dataBody{ResultType: res.Value.Type(), Result: res.Value},
		Warnings: warnings,
		Infos:    infos,
	})
}

func (s *Source) fail(w http.ResponseWriter, e *apiError) {
	s.log.Debug("query failed", "type", e.typ, "err", e.err)
	s.write(w, errorStatus[e.typ], response{Status: "error", ErrorType: e.typ, Error: e.err.Error()})
}

func (s *Source) write(w http.ResponseWriter, code int, resp response) {
	b, err := json.Marshal(resp)
	if err != nil {
		s.log.Error("marshal query response", "err", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if _, err := w.Write(b); err != nil {
		s.log.Debug("write query response", "err", err)
	}
}

// buildError classifies a failure to build a query as Prometheus does: a
// timeout or cancel while waiting as such, anything else (a parse error)
// as bad data in the query parameter.
func buildError(err error) *apiError {
	var timeout promql.ErrQueryTimeout
	var canceled promql.ErrQueryCanceled
	if errors.As(err, &timeout) || errors.As(err, &canceled) {
		return execError(err)
	}
	return &apiError{errBadData, fmt.Errorf("invalid parameter %q: %w", "query", err)}
}

// execError classifies an evaluation error as Prometheus' returnAPIError
// does (this engine has no query-cost limits). A deadline reached while
// the engine expands series, before its own timeout check, is a timeout
// too: the query ran out of time either way.
func execError(err error) *apiError {
	var timeout promql.ErrQueryTimeout
	var canceled promql.ErrQueryCanceled
	var storage promql.ErrStorage
	switch {
	case errors.As(err, &canceled), errors.Is(err, context.Canceled):
		return &apiError{errCanceled, err}
	case errors.As(err, &timeout), errors.Is(err, context.DeadlineExceeded):
		return &apiError{errTimeout, err}
	case errors.As(err, &storage):
		return &apiError{errInternal, err}
	}
	return &apiError{errExec, err}
}

// withTimeout applies the optional timeout parameter to the request's
// context; the engine's own limit applies in any case.
func withTimeout(r *http.Request) (context.Context, context.CancelFunc, *apiError) {
	v := r.FormValue("timeout")
	if v == "" {
		ctx, cancel := context.WithCancel(r.Context())
		return ctx, cancel, nil
	}
	d, err := parseDuration(v)
	if err != nil {
		return nil, nil, invalidParam("timeout", err)
	}
	if d <= 0 {
		return nil, nil, invalidParam("timeout", fmt.Errorf("timeout must be positive, got %s", d))
	}
	ctx, cancel := context.WithTimeout(r.Context(), d)
	return ctx, cancel, nil
}

// rangeParams reads and checks start, end and step like Prometheus.
func rangeParams(r *http.Request) (start, end time.Time, step time.Duration, aerr *apiError) {
	start, err := parseTime(r.FormValue("start"))
	if err != nil {
		return start, end, 0, invalidParam("start", err)
	}
	if end, err = parseTime(r.FormValue("end")); err != nil {
		return start, end, 0, invalidParam("end", err)
	}
	if end.Before(start) {
		return start, end, 0, invalidParam("end", errors.New("end timestamp must not be before start time"))
	}
	if step, err = parseDuration(r.FormValue("step")); err != nil {
		return start, end, 0, invalidParam("step", err)
	}
	if step <= 0 {
		return start, end, 0, invalidParam("step", errors.New("zero or negative query resolution step widths are not accepted. Try a positive integer"))
	}
	if end.Sub(start)/step > maxPoints {
		return start, end, 0, &apiError{errBadData, errors.New("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")}
	}
	return start, end, step, nil
}

func timeParam(r *http.Request, name string, def time.Time) (time.Time, *apiError) {
	v := r.FormValue(name)
	if v == "" {
		return def, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return t, invalidParam(name, err)
	}
	return t, nil
}

func invalidParam(name string, err error) *apiError {
	return &apiError{errBadData, fmt.Errorf("invalid parameter %q: %w", name, err)}
}

// parseTime accepts Unix seconds (with a fraction, as client_golang sends
// them) or RFC 3339, like Prometheus.
func parseTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
}

// parseDuration accepts seconds ("30", "1.5") or a Prometheus duration
// ("30s", "5m"), like Prometheus.
func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		d := f * float64(time.Second)
		if math.IsNaN(d) || d >= math.MaxInt64 || d < math.MinInt64 {
			return 0, fmt.Errorf("cannot parse %q to a valid duration. It overflows int64", s)
		}
		return time.Duration(d), nil
	}
	if d, err := model.ParseDuration(s); err == nil {
		return time.Duration(d), nil
	}
	return 0, fmt.Errorf("cannot parse %q to a valid duration", s)
}
