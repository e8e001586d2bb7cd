package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/slo-dev/slo/internal/api"
)

// RecordDeployment records a deploy of service. It needs a token.
func (c *Client) RecordDeployment(ctx context.Context, service string, req api.DeploymentRequest) (*api.Deployment, error) {
	var d api.Deployment
	if err := c.do(ctx, http.MethodPost, servicePath(service)+"/deployments", nil, req, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Deployments lists deploys newest first, of one service or (empty) of
// all; limit <= 0 leaves the page size to slod.
func (c *Client) Deployments(ctx context.Context, service string, limit int) ([]api.Deployment, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/api/v1/deployments"
	if service != "" {
		path = servicePath(service) + "/deployments"
	}
	var out api.DeploymentList
	if err := c.do(ctx, http.MethodGet, path, q, nil, &out); err != nil {
		return nil, err
	}
	return out.Deployments, nil
}

// CreateCorrection takes a span out of service's budgets. It needs a token.
func (c *Client) CreateCorrection(ctx context.Context, service string, req api.CorrectionRequest) (*api.Correction, error) {
	var out api.Correction
	if err := c.do(ctx, http.MethodPost, servicePath(service)+"/corrections", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Corrections lists the corrections of service, revoked ones too.
func (c *Client) Corrections(ctx context.Context, service string) ([]api.Correction, error) {
	var out api.CorrectionList
	if err := c.do(ctx, http.MethodGet, servicePath(service)+"/corrections", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Corrections, nil
}

// RevokeCorrection ends a correction: its events count again. It needs a
// token.
func (c *Client) RevokeCorrection(ctx context.Context, service string, id int64, actor string) (*api.Correction, error) {
	q := url.Values{}
	if actor != "" {
		q.Set("actor", actor)
	}
	var out api.Correction
	if err := c.do(ctx, http.MethodDelete, servicePath(service)+"/corrections/"+strconv.FormatInt(id, 10), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
