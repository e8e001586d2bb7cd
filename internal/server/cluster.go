package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/cluster"
)

// Cluster tells the replicas sharing the store and which one evaluates
// (internal/cluster.Elector, or cluster.Single on SQLite).
type Cluster interface {
	Leader() bool
	Status(ctx context.Context) cluster.Status
}

// clusterStatusTimeout bounds the store reads of GET /api/v1/cluster, so
// an unreachable database answers with what the replica knows.
const clusterStatusTimeout = 2 * time.Second

func (s *Server) getCluster(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), clusterStatusTimeout)
	defer cancel()
	c.JSON(http.StatusOK, clusterJSON(s.cfg.Cluster.Status(ctx)))
}

func clusterJSON(st cluster.Status) api.Cluster {
	out := api.Cluster{
		Backend: st.Backend, Self: st.Self, Leader: st.Leader, Token: st.Token,
		LeaseSeconds: st.Lease.Seconds(), LeaseAgeSeconds: st.LeaseAge.Seconds(), ExpiresInSeconds: st.ExpiresIn.Seconds(),
		Replicas: make([]api.Replica, len(st.Replicas)), StoreError: st.StoreError,
	}
	if !st.Now.IsZero() {
		out.Now = &st.Now
	}
	for i, r := range st.Replicas {
		out.Replicas[i] = api.Replica{
			ID: r.ID, URL: r.URL, Version: r.Version, StartedAt: r.StartedAt, SeenAt: r.SeenAt,
			Self: r.Self, Leader: r.Leader, Healthy: r.Healthy,
		}
	}
	return out
}
