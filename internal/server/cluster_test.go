package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/cluster"
	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/internal/store"
)

// twoReplicas is a cluster of two as follower b sees it: a leads.
type twoReplicas struct{}

func (twoReplicas) Leader() bool { return false }

func (twoReplicas) Status(context.Context) cluster.Status {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	member := func(id string, seen time.Duration) store.Member {
		return store.Member{ID: id, URL: "http://" + id + ":8080", Version: "v1", StartedAt: now.Add(-time.Hour), SeenAt: now.Add(-seen)}
	}
	return cluster.Status{Backend: "postgres", Self: "b", Leader: "a", Token: 7, Lease: 15 * time.Second,
		LeaseAge: 90 * time.Second, ExpiresIn: 12 * time.Second, Now: now,
		Replicas: []cluster.Replica{
			{Member: member("a", 3*time.Second), Leader: true, Healthy: true},
			{Member: member("b", time.Second), Self: true, Healthy: true},
		}}
}

func TestClusterEndpoint(t *testing.T) {
	h := newHandler(t, snapshot(t), &memStore{}, server.Config{Cluster: twoReplicas{}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/cluster", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got api.Cluster
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Backend != "postgres" || got.Self != "b" || got.Leader != "a" || got.Token != 7 ||
		got.LeaseSeconds != 15 || got.LeaseAgeSeconds != 90 || got.ExpiresInSeconds != 12 || got.Now == nil || len(got.Replicas) != 2 {
		t.Fatalf("cluster %+v; want b's view of a leading with token 7, a 90s-old term and 12s left of 15s", got)
	}
	a, b := got.Replicas[0], got.Replicas[1]
	if a.ID != "a" || !a.Leader || a.Self || a.URL != "http://a:8080" || got.Now.Sub(a.SeenAt) != 3*time.Second {
		t.Errorf("replica a = %+v", a)
	}
	if b.ID != "b" || b.Leader || !b.Self || !b.Healthy {
		t.Errorf("replica b = %+v", b)
	}

	// The follower is ready and says so.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var ready map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &ready); err != nil || rec.Code != http.StatusOK || ready["role"] != "follower" {
		t.Errorf("/readyz = %d %s; want 200 with role follower", rec.Code, rec.Body)
	}
}

func TestClusterEndpointWithoutCluster(t *testing.T) {
	h := newHandler(t, snapshot(t), &memStore{}, server.Config{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/cluster", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d without a cluster, want 404", rec.Code)
	}
}
