package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/notify"
	"github.com/slo-dev/slo/internal/slo"
)

// Notifications lists the outbox and requeues dead letters
// (internal/notify.Queue).
type Notifications interface {
	List(ctx context.Context, q slo.NotificationQuery) ([]slo.Delivery, error)
	Retry(ctx context.Context, eventID string) (int, error)
}

func (s *Server) listNotifications(c *gin.Context) {
	q := slo.NotificationQuery{State: c.Query("state"), Service: c.Query("service")}
	if !slices.Contains([]string{"", slo.DeliveryPending, slo.DeliverySent, slo.DeliveryDead}, q.State) {
		badField(c, "state", fmt.Sprintf("state %q must be pending, sent or dead", q.State))
		return
	}
	var ok bool
	if q.Limit, ok = limitParam(c); !ok {
		return
	}
	ds, err := s.cfg.Notifications.List(c.Request.Context(), q)
	if err != nil {
		s.storeProblem(c, "reading notifications", err)
		return
	}
	out := api.NotificationList{Notifications: mapSlice(ds, toNotification)}
	if out.Notifications == nil {
		out.Notifications = []api.Notification{}
	}
	c.JSON(http.StatusOK, out)
}

// retryNotifications requeues the dead letters of one event (:id), or
// all of them.
func (s *Server) retryNotifications(c *gin.Context) {
	id := c.Param("id")
	n, err := s.cfg.Notifications.Retry(c.Request.Context(), id)
	switch {
	case errors.Is(err, notify.ErrUnknownEvent):
		problem(c, http.StatusNotFound, api.ProblemUnknownEvent, fmt.Sprintf("no dead-lettered notification has event id %q", id))
		return
	case err != nil:
		s.storeProblem(c, "retrying notifications", err)
		return
	}
	s.log.Warn("dead-lettered notifications requeued", "event", id, "requeued", n, "request_id", c.GetString(requestIDKey))
	c.JSON(http.StatusOK, api.NotificationRetry{Requeued: n})
}

func toNotification(d slo.Delivery) api.Notification {
	n := api.Notification{
		Event:  toEvent(d.Event),
		Target: d.Target, State: d.State, Attempts: d.Attempts, LastError: d.LastError, DoneAt: d.DoneAt,
	}
	if d.State == slo.DeliveryPending {
		next := d.NextAt
		n.NextAt = &next
	}
	return n
}

func toEvent(e slo.Event) api.Event {
	return api.Event{ID: e.ID, Type: string(e.Type), Service: e.Service, SLO: e.SLO, At: e.At,
		Severity: string(e.Severity), Summary: e.Summary, Details: e.Details}
}
