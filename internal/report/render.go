package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Formats a report renders to.
const (
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
	FormatCSV      = "csv"
	FormatJSON     = "json"
)

// ContentType is the MIME type of a format.
func ContentType(format string) string {
	switch format {
	case FormatHTML:
		return "text/html; charset=utf-8"
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatMarkdown:
		return "text/markdown; charset=utf-8"
	}
	return "application/json; charset=utf-8"
}

// CheckFormat says whether format is one Render knows.
func CheckFormat(format string) error {
	switch format {
	case FormatMarkdown, FormatHTML, FormatCSV, FormatJSON:
		return nil
	}
	return fmt.Errorf("format %q: use markdown, html, csv or json", format)
}

// Render writes r in format.
func Render(w io.Writer, r Report, format string) error {
	switch format {
	case FormatMarkdown:
		return Markdown(w, r)
	case FormatHTML:
		return HTML(w, r)
	case FormatCSV:
		return CSV(w, r)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return CheckFormat(format)
}

// Cells shared by the text formats.

func percent(p *float64, digits int) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p*100, 'f', digits, 64) + "%"
}

func num(f float64, digits int) string { return strconv.FormatFloat(f, 'f', digits, 64) }

func day(t time.Time, tz string) string {
	if loc, err := time.LoadLocation(tz); err == nil {
		t = t.In(loc)
	}
	return t.Format("2006-01-02 15:04")
}

// Markdown is a table per report, for chat and wikis.
func Markdown(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# SLO report: %s\n\nGenerated %s.\n\n", r.Period, r.GeneratedAt.UTC().Format(time.RFC3339))
	b.WriteString("| service | SLO | period | target | achieved | budget used in period | budget used at end | worst 1h burn | alerts (page/ticket) | deploys denied (min) | overrides |\n")
	b.WriteString("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.SLOs {
		target := s.Target
		fmt.Fprintf(&b, "| %s | %s | %s – %s %s | %s | %s | %s | %s | %sx | %d/%d | %s | %d |\n",
			mdEscape(s.Service), mdEscape(s.Name), day(s.Start, s.TimeZone), day(s.End, s.TimeZone), s.TimeZone,
			percent(&target, 3), percent(s.SLI, 3), percent(s.Consumed, 1), percent(s.ConsumedAtEnd, 1),
			num(s.WorstBurn, 2), s.AlertsPage, s.AlertsTicket, num(s.DeniedMinutes, 0), s.Overrides)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// CSV is one row per SLO with plain numbers (ratios, not percentages).
func CSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"period", "service", "slo", "name", "start", "end", "time_zone", "target", "total_events", "bad_events",
		"sli", "budget_consumed", "budget_consumed_at_end", "worst_burn_1h", "alerts_page", "alerts_ticket",
		"denied_minutes", "overrides", "override_minutes", "coverage"}}
	opt := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'g', -1, 64)
	}
	g := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	for _, s := range r.SLOs {
		rows = append(rows, []string{r.Period, s.Service, s.SLO, s.Name, s.Start.Format(time.RFC3339), s.End.Format(time.RFC3339), s.TimeZone,
			g(s.Target), g(s.Total), g(s.Bad), opt(s.SLI), opt(s.Consumed), opt(s.ConsumedAtEnd), g(s.WorstBurn),
			strconv.Itoa(s.AlertsPage), strconv.Itoa(s.AlertsTicket), g(s.DeniedMinutes), strconv.Itoa(s.Overrides),
			g(s.OverrideMinutes), g(s.Coverage)})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
