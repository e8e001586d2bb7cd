package rules

import (
	"fmt"
	"testing"

	"github.com/slo-dev/slo/internal/slo"
)

// manySpecs is n SLOs, four per service, each a 30d ratio SLI over its own
// series, as an organisation with many services writes them.
func manySpecs(n int) []slo.Spec {
	const perService = 4
	specs := make([]slo.Spec, 0, n/perService)
	for i := range n / perService {
		s := slo.Spec{Service: fmt.Sprintf("svc-%05d", i)}
		for j := range perService {
			sel := fmt.Sprintf(`service=%q,slo="slo-%02d"`, s.Service, j)
			s.SLOs = append(s.SLOs, slo.SLO{
				Name: fmt.Sprintf("slo-%02d", j), Slug: fmt.Sprintf("slo-%02d", j),
				Target: 0.999, Window: 30 * day,
				SLI: slo.SLI{Events: &slo.EventsSLI{
					Errors: fmt.Sprintf(`sum(rate(http_requests_total{%s,code=~"5.."}[{{.window}}]))`, sel),
					Total:  fmt.Sprintf(`sum(rate(http_requests_total{%s}[{{.window}}]))`, sel),
				}},
			})
		}
		specs = append(specs, s)
	}
	return specs
}

func BenchmarkGenerate(b *testing.B) {
	specs := manySpecs(1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(specs, Options{Format: FormatPrometheus}); err != nil {
			b.Fatal(err)
		}
	}
}
