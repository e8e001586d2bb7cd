package report

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// Chart size in SVG user units.
const chartW, chartH = 220.0, 56.0

// HTML is one self-contained page: inline CSS and SVG, no script, no
// external asset, laid out to print on A4 from a browser. Every number is
// in a cell with its exact value in data-value, for tools (and tests) to
// read without parsing percentages.
func HTML(w io.Writer, r Report) error {
	return page.Execute(w, r)
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":   func(p *float64, d int) string { return percent(p, d) },
	"pctv":  func(f float64, d int) string { return percent(&f, d) },
	"num":   num,
	"day":   day,
	"raw":   rawValue,
	"rawf":  func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) },
	"chart": chart,
	"state": state,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>SLO report: {{.Period}}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
* { box-sizing: border-box; }
body { font: 12px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 24px; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: #57606a; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 6px 8px; border-bottom: 1px solid #d0d7de; text-align: right; vertical-align: middle; }
th { background: #f6f8fa; font-weight: 600; font-size: 11px; text-transform: uppercase; letter-spacing: .03em; }
th:first-child, td.name { text-align: left; }
tr { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
td.name b { display: block; }
td.name span { color: #57606a; font-size: 11px; }
.ok { color: #1a7f37; } .warn { color: #9a6700; } .bad { color: #cf222e; }
svg { display: block; }
@media print { body { margin: 0; } th { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
</style></head>
<body>
<h1>SLO report: {{.Period}}</h1>
<p class="meta">Generated {{.GeneratedAt.UTC.Format "2006-01-02 15:04 MST"}} by slod. Budget figures are shares of the error budget (100% = all of it); the chart is the budget left over the period.</p>
<table>
<thead><tr><th>Service / SLO</th><th>Period</th><th>Target</th><th>Achieved</th><th>Budget used (period)</th><th>Budget used (at end)</th><th>Worst 1h burn</th><th>Alerts page / ticket</th><th>Deploys denied</th><th>Overrides</th><th>Burn-down</th></tr></thead>
<tbody>
{{range .SLOs}}<tr class="slo" data-service="{{.Service}}" data-slo="{{.SLO}}">
<td class="name"><b>{{.Service}}</b><span>{{.Name}} · {{.Window}}</span></td>
<td class="period" data-start="{{.Start.Format "2006-01-02T15:04:05Z07:00"}}" data-end="{{.End.Format "2006-01-02T15:04:05Z07:00"}}">{{day .Start .TimeZone}} –<br>{{day .End .TimeZone}} {{.TimeZone}}</td>
<td class="target" data-value="{{rawf .Target}}">{{pctv .Target 3}}</td>
<td class="sli {{state .Consumed}}" data-value="{{raw .SLI}}">{{pct .SLI 3}}</td>
<td class="consumed {{state .Consumed}}" data-value="{{raw .Consumed}}">{{pct .Consumed 1}}</td>
<td class="consumed-end {{state .ConsumedAtEnd}}" data-value="{{raw .ConsumedAtEnd}}">{{pct .ConsumedAtEnd 1}}</td>
<td class="worst-burn" data-value="{{rawf .WorstBurn}}">{{num .WorstBurn 2}}x</td>
<td class="alerts" data-page="{{.AlertsPage}}" data-ticket="{{.AlertsTicket}}">{{.AlertsPage}} / {{.AlertsTicket}}</td>
<td class="denied" data-value="{{rawf .DeniedMinutes}}">{{num .DeniedMinutes 0}} min</td>
<td class="overrides" data-value="{{.Overrides}}">{{.Overrides}}{{if .Overrides}} ({{num .OverrideMinutes 0}} min){{end}}</td>
<td class="chart">{{chart .BurnDown}}</td>
</tr>
{{else}}<tr><td class="name" colspan="11">No SLO matches.</td></tr>
{{end}}</tbody></table>
</body></html>
`))

func rawValue(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

// state colours a budget figure: ok below 75%, warn below 100%, bad past.
func state(p *float64) string {
	switch {
	case p == nil:
		return ""
	case *p >= 1:
		return "bad"
	case *p >= 0.75:
		return "warn"
	}
	return "ok"
}

// chart draws the budget left over the period as an inline SVG line,
// from 100% at the top to 0% at the zero line (overspent goes below it,
// clipped at -100%).
func chart(points []BurnPoint) template.HTML {
	if len(points) < 2 {
		return template.HTML(`<svg width="220" height="56" role="img" aria-label="no traffic"></svg>`)
	}
	t0, t1 := points[0].At, points[len(points)-1].At
	span := t1.Sub(t0).Seconds()
	lo := 0.0
	for _, p := range points {
		lo = min(lo, max(p.Remaining, -1))
	}
	y := func(v float64) float64 { return 4 + (1-max(v, lo))/(1-lo)*(chartH-8) }
	var pts []string
	for _, p := range points {
		x := 2 + p.At.Sub(t0).Seconds()/span*(chartW-4)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y(p.Remaining)))
	}
	last := points[len(points)-1].Remaining
	colour := "#1a7f37"
	switch {
	case last < 0:
		colour = "#cf222e"
	case last < 0.25:
		colour = "#9a6700"
	}
	return template.HTML(fmt.Sprintf(`<svg width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="budget left: %s at the end">`+
		`<line x1="2" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#d0d7de" stroke-dasharray="3 3"/>`+
		`<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/></svg>`,
		chartW, chartH, chartW, chartH, percent(&last, 1), chartW-2, y(0), y(0), colour, strings.Join(pts, " ")))
}
