package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/slo-dev/slo/internal/api"
)

// servicePath is /api/v1/services/{service}, escaped.
func servicePath(service string) string {
	return "/api/v1/services/" + url.PathEscape(service)
}

// CanDeploy POSTs an audited can-deploy check. A decision, allowed or not,
// is a nil error; see Client.do for what is retried.
func (c *Client) CanDeploy(ctx context.Context, service string, req api.CanDeployRequest) (*api.Decision, error) {
	var d api.Decision
	if err := c.do(ctx, http.MethodPost, servicePath(service)+"/can-deploy", nil, req, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Services lists every service with its gate state and SLOs.
func (c *Client) Services(ctx context.Context) ([]api.Service, error) {
	var out api.ServiceList
	if err := c.do(ctx, http.MethodGet, "/api/v1/services", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Services, nil
}

// Service returns one service.
func (c *Client) Service(ctx context.Context, service string) (*api.Service, error) {
	var s api.Service
	if err := c.do(ctx, http.MethodGet, servicePath(service), nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Overrides lists the overrides of a service, active or not.
func (c *Client) Overrides(ctx context.Context, service string) ([]api.Override, error) {
	var out api.OverrideList
	if err := c.do(ctx, http.MethodGet, servicePath(service)+"/overrides", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Overrides, nil
}

// CreateOverride lets every deploy of service through for req.For. It
// needs a token.
func (c *Client) CreateOverride(ctx context.Context, service string, req OverrideRequest) (*api.Override, error) {
	var o api.Override
	if err := c.do(ctx, http.MethodPost, servicePath(service)+"/overrides", nil, req, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// RevokeOverride ends an override now; actor is recorded as who revoked
// it. It needs a token.
func (c *Client) RevokeOverride(ctx context.Context, service string, id int64, actor string) (*api.Override, error) {
	path := servicePath(service) + "/overrides/" + strconv.FormatInt(id, 10)
	q := url.Values{}
	if actor != "" {
		q.Set("actor", actor)
	}
	var o api.Override
	if err := c.do(ctx, http.MethodDelete, path, q, nil, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// Decisions returns the decision log, newest first. An empty service means
// all services; limit <= 0 leaves the page size to slod.
func (c *Client) Decisions(ctx context.Context, service string, limit int) ([]api.DecisionRecord, error) {
	q := url.Values{}
	if service != "" {
		q.Set("service", service)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out api.DecisionList
	if err := c.do(ctx, http.MethodGet, "/api/v1/decisions", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Decisions, nil
}

// Backtest replays a spec, or a service slod runs, over recorded events
// (and a second spec over the same events, when req names one).
func (c *Client) Backtest(ctx context.Context, req api.BacktestRequest) (*api.Backtest, error) {
	var out api.Backtest
	if err := c.do(ctx, http.MethodPost, "/api/v1/backtest", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Notifications lists the outbox: state is pending, sent, dead or empty
// (pending and sent); service empty means all.
func (c *Client) Notifications(ctx context.Context, state, service string, limit int) ([]api.Notification, error) {
	q := url.Values{}
	for k, v := range map[string]string{"state": state, "service": service} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out api.NotificationList
	if err := c.do(ctx, http.MethodGet, "/api/v1/notifications", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Notifications, nil
}

// RetryNotifications queues dead-lettered notifications again: those of
// event id, or all when id is empty. It needs a token.
func (c *Client) RetryNotifications(ctx context.Context, id string) (int, error) {
	path := "/api/v1/notifications/retry"
	if id != "" {
		path = "/api/v1/notifications/" + url.PathEscape(id) + "/retry"
	}
	var out api.NotificationRetry
	if err := c.do(ctx, http.MethodPost, path, nil, nil, &out); err != nil {
		return 0, err
	}
	return out.Requeued, nil
}

// Report returns the SLO report as slod renders it in format (markdown,
// html, csv or json) for period (last-week, last-month, current,
// previous or YYYY-MM); service is a glob, empty for all.
func (c *Client) Report(ctx context.Context, period, service, format string) ([]byte, error) {
	q := url.Values{}
	for k, v := range map[string]string{"period": period, "service": service, "format": format} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var out []byte
	if err := c.do(ctx, http.MethodGet, "/api/v1/reports", q, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Cluster describes the replicas sharing slod's store and which one
// evaluates.
func (c *Client) Cluster(ctx context.Context) (*api.Cluster, error) {
	var out api.Cluster
	if err := c.do(ctx, http.MethodGet, "/api/v1/cluster", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
