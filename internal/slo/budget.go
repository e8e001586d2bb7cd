package slo

import (
	"math"
	"time"
)

// BudgetStatus is the state of an error budget.
type BudgetStatus string

// Budget states.
const (
	StatusOK        BudgetStatus = "ok"
	StatusExhausted BudgetStatus = "exhausted"
	// StatusNoData: no traffic, or fewer events than the policy's min_events.
	StatusNoData BudgetStatus = "no_data"
)

// Counts are the events of one window: Errors bad events out of Total.
type Counts struct {
	Errors float64
	Total  float64
}

// Ratio is the error ratio; ok is false when there was no traffic.
func (c Counts) Ratio() (ratio float64, ok bool) {
	if c.Total <= 0 || math.IsNaN(c.Total) || math.IsNaN(c.Errors) || math.IsInf(c.Total, 0) || math.IsInf(c.Errors, 0) {
		return 0, false
	}
	return c.Errors / c.Total, true
}

// Budget is the error budget of one SLO over its window. Every field is a
// finite number; with Status no_data the ratios are zero.
type Budget struct {
	Status BudgetStatus
	// SLI is the good ratio (1 - error ratio).
	SLI float64
	// ErrorRatio is errors/total.
	ErrorRatio float64
	// Consumed is the share of the budget used (1.0 = 100%).
	Consumed float64
	// Remaining is 1 - Consumed; negative once overspent.
	Remaining       float64
	TotalEvents     float64
	AllowedEvents   float64
	FailedEvents    float64
	RemainingEvents float64
	// AllowedMinutes is the time equivalent of the budget over the full window.
	AllowedMinutes   float64
	RemainingMinutes float64
}

// ComputeBudget applies the occurrences budget of docs/design.md to the counts of
// a window. target is a fraction (0.999); window is the full SLO period.
// Fewer than minEvents events (or none) gives StatusNoData.
func ComputeBudget(target float64, window time.Duration, c Counts, minEvents float64) Budget {
	budget := 1 - target
	allowedMinutes := window.Minutes() * budget
	b := Budget{
		Status:           StatusNoData,
		SLI:              1,
		Remaining:        1,
		AllowedMinutes:   allowedMinutes,
		RemainingMinutes: allowedMinutes,
	}
	ratio, ok := c.Ratio()
	if !ok {
		return b
	}
	b.TotalEvents = c.Total
	b.FailedEvents = c.Errors
	b.AllowedEvents = budget * c.Total
	b.RemainingEvents = b.AllowedEvents - c.Errors
	if c.Total < minEvents {
		return b
	}
	b.ErrorRatio = ratio
	b.SLI = 1 - ratio
	b.Consumed = ratio / budget
	b.Remaining = 1 - b.Consumed
	b.RemainingMinutes = allowedMinutes * b.Remaining
	b.Status = StatusOK
	// 1-target is inexact in binary (1-0.99 = 0.010000000000000009), so
	// "exactly used up" needs a tolerance.
	if b.Consumed >= 1-1e-9 {
		b.Status = StatusExhausted
	}
	return b
}

// BurnRate is the error ratio of a window divided by the budget (1-target).
// ok is false when the window saw no traffic.
func BurnRate(target float64, c Counts) (rate float64, ok bool) {
	ratio, ok := c.Ratio()
	if !ok {
		return 0, false
	}
	return ratio / (1 - target), true
}

// TimeToExhaustion is how long the remaining budget lasts at the given burn
// rate: remaining * window / burn. ok is false when the budget never runs out
// at this rate (burn <= 0) and the result is zero when it already has.
func TimeToExhaustion(remaining float64, window time.Duration, burn float64) (d time.Duration, ok bool) {
	if burn <= 0 || math.IsNaN(burn) || math.IsInf(burn, 0) {
		return 0, false
	}
	if remaining <= 0 {
		return 0, true
	}
	return time.Duration(remaining * float64(window) / burn), true
}
