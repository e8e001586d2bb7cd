package api

// Reason explains one part of a decision.
type Reason struct {
	SLO     string `json:"slo,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Decision is what this reason alone makes of the deploy (allow, warn
	// or deny), so clients can show which reason denied it.
	Decision string `json:"decision"`
}

// SpecProblem is one problem in an slo.yaml file: where, and what would be
// valid. Line is 0 when the problem is about the whole file.
type SpecProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Values of the decision fields.
const (
	DecisionAllow = "allow"
	DecisionWarn  = "warn"
	DecisionDeny  = "deny"
)

// Values of a budget's status field.
const (
	BudgetOK        = "ok"
	BudgetExhausted = "exhausted"
	// BudgetNoData: no traffic, or fewer events than min_events.
	BudgetNoData = "no_data"
)
