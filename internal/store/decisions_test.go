package store

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestDecisionRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		o, err := s.CreateOverride(ctx, slo.Override{Service: "checkout", Reason: "incident fix",
			Actor: "ana", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		in := []slo.DecisionRecord{
			{
				At: t0.Add(123 * time.Millisecond), Service: "checkout", Priority: slo.PriorityNormal,
				Version: "v1.2.3", Actor: "ci-bot", Pipeline: "deploy#42", Decision: slo.Deny,
				Reasons: []slo.Reason{
					{SLO: "availability", Code: slo.CodeBudgetExhausted, Message: "budget used: 142%"},
					{Code: slo.CodeFastBurn, Message: "page condition firing"},
				},
				Actions:   []string{"freeze_releases"},
				Stale:     true,
				RequestID: "req-1",
			},
			{
				At: t0.Add(time.Minute), Service: "checkout", Priority: slo.PriorityCritical,
				Decision: slo.Allow, Allowed: true,
				Reasons:    []slo.Reason{{Code: slo.CodeOverride, Message: "override 1"}},
				Actions:    []string{},
				OverrideID: &o.ID,
				RequestID:  "req-2",
			},
		}
		for i := range in {
			id, err := s.RecordDecision(ctx, in[i])
			if err != nil {
				t.Fatal(err)
			}
			in[i].ID = id
		}
		got, err := s.Decisions(ctx, slo.DecisionQuery{Service: "checkout"})
		if err != nil {
			t.Fatal(err)
		}
		want := []slo.DecisionRecord{in[1], in[0]} // newest first
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Decisions =\n%+v\nwant\n%+v", got, want)
		}
	})
}

func TestDecisionRejectsUnknownOverride(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
		bogus := int64(99)
		if _, err := s.RecordDecision(context.Background(), slo.DecisionRecord{At: t0, Service: "x", OverrideID: &bogus}); err == nil {
			t.Error("decision referencing a missing override was stored; foreign keys are off")
		}
	})
}

func TestDecisionsFilterAndPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		// ids 1..60 alternate between two services: odd ids are "a".
		for i := range 60 {
			svc := "a"
			if i%2 == 1 {
				svc = "b"
			}
			if _, err := s.RecordDecision(ctx, slo.DecisionRecord{At: t0.Add(time.Duration(i) * time.Second), Service: svc}); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(q slo.DecisionQuery) []int64 {
			t.Helper()
			ds, err := s.Decisions(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			out := []int64{}
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		if got := ids(slo.DecisionQuery{}); len(got) != DefaultListLimit || got[0] != 60 || got[49] != 11 {
			t.Errorf("default page = %v, want ids 60..11", got)
		}
		if got, want := ids(slo.DecisionQuery{Service: "a", Limit: 3}), []int64{59, 57, 55}; !reflect.DeepEqual(got, want) {
			t.Errorf("service a, limit 3 = %v, want %v", got, want)
		}
		if got, want := ids(slo.DecisionQuery{Service: "b", Limit: 3, Before: 7}), []int64{6, 4, 2}; !reflect.DeepEqual(got, want) {
			t.Errorf("service b before 7 = %v, want %v", got, want)
		}
		if got := ids(slo.DecisionQuery{Before: 1}); len(got) != 0 {
			t.Errorf("before 1 = %v, want none", got)
		}
	})
}

func TestListLimit(t *testing.T) {
	for _, c := range []struct{ in, want int }{{-1, 50}, {0, 50}, {1, 1}, {1000, 1000}, {1001, 1000}} {
		if got := listLimit(c.in); got != c.want {
			t.Errorf("listLimit(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestRecordDecisionConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		const workers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					d := slo.DecisionRecord{At: t0, Service: fmt.Sprintf("svc-%d", w), RequestID: fmt.Sprint(i)}
					if _, err := s.RecordDecision(ctx, d); err != nil {
						errs <- err
					}
				}
			})
		}
		// Read while writing: WAL readers must not block or fail writers.
		wg.Go(func() {
			for range 20 {
				if _, err := s.Decisions(ctx, slo.DecisionQuery{Limit: 100}); err != nil {
					errs <- err
				}
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		var n int
		if err := s.r.pool.QueryRow(`SELECT COUNT(*) FROM decisions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != workers*each {
			t.Errorf("decisions = %d, want %d", n, workers*each)
		}
	})
}
