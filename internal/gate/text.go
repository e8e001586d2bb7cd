package gate

import (
	"fmt"

	"github.com/slo-dev/slo/internal/safetext"
)

// MaxFieldLen bounds the free-text fields of checks and overrides.
const MaxFieldLen = 512

// CheckText applies the rules of every free-text field of a check or an
// override: at most MaxFieldLen bytes, and nothing that rewrites a
// terminal or reorders text when the decision log is shown
// (safetext.Check).
func CheckText(field, value string) error {
	if len(value) > MaxFieldLen {
		return &FieldError{field, fmt.Sprintf("%s is %d bytes; the limit is %d", field, len(value), MaxFieldLen)}
	}
	if err := safetext.Check(value); err != nil {
		return &FieldError{field, fmt.Sprintf("%s %v", field, err)}
	}
	return nil
}
