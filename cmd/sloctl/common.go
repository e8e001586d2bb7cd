package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/client"
	"github.com/slo-dev/slo/internal/policy"
)

// Helpers shared by the commands that talk to slod's API (can-deploy,
// status, override, decisions).

func init() {
	rootCmd.PersistentFlags().String("server", "",
		"slod base URL (default $SLOCTL_SERVER, else "+client.DefaultServer+")")
}

// errSilent ends a command with its exit code after it has already said
// everything (a denied deploy): run prints nothing for an empty message.
var errSilent = errors.New("")

// apiClient builds a client for the server named by --server, else
// $SLOCTL_SERVER, else the default, with the token from $SLOCTL_TOKEN.
// Retries are reported on stderr so a slow CI step explains itself.
func apiClient(cmd *cobra.Command) (*client.Client, error) {
	server, err := cmd.Flags().GetString("server")
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("read --server: %w", err))
	}
	if server == "" {
		server = os.Getenv("SLOCTL_SERVER")
	}
	if server == "" {
		server = client.DefaultServer
	}
	c, err := client.New(server, os.Getenv("SLOCTL_TOKEN"))
	if err != nil {
		return nil, withCode(exitError, err)
	}
	stderr := cmd.ErrOrStderr()
	c.OnRetry = func(err error, wait time.Duration) {
		fmt.Fprintf(stderr, "sloctl: %v; retrying in %s\n", err, wait.Round(time.Millisecond))
	}
	return c, nil
}

// apiFailure is the exit-2 error for a failed API call. The client's errors
// are already one line for people: "title: detail" for a problem answer,
// "cannot reach slod at URL: ..." for a dead server.
func apiFailure(err error) error { return withCode(exitError, err) }

// outputFlagVar adds --output/-o text|json.
func outputFlagVar(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVarP(p, "output", "o", "text", "output format: text or json")
}

// wantJSON validates an --output value.
func wantJSON(output string) (bool, error) {
	switch output {
	case "text":
		return false, nil
	case "json":
		return true, nil
	}
	return false, withCode(exitError, fmt.Errorf("--output must be text or json, not %q", output))
}

// timeoutFlagVar adds --timeout, the budget for the whole command, retries
// included.
func timeoutFlagVar(cmd *cobra.Command, p *time.Duration) {
	cmd.Flags().DurationVar(p, "timeout", 10*time.Second, "give up after this long, retries included")
}

// timeoutContext bounds a command's API calls.
func timeoutContext(cmd *cobra.Command, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(cmd.Context(), d)
}

// writeJSON prints v indented, for --output json.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return withCode(exitError, fmt.Errorf("write JSON: %w", err))
	}
	return nil
}

// defaultActor names who is asking: the CI user when there is one, else
// the login user.
func defaultActor() string {
	for _, k := range []string{"GITHUB_ACTOR", "GITLAB_USER_LOGIN", "USER"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// ANSI colours for terminals.
const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// colorEnabled reports whether w is a terminal that wants colours: not
// when NO_COLOR is set (no-color.org) or TERM=dumb, and never into a pipe
// or file, where escape codes would end up in logs.
func colorEnabled(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// gateColor colours a gate decision.
func gateColor(decision string) string {
	switch decision {
	case "allow":
		return ansiGreen
	case "warn":
		return ansiYellow
	}
	return ansiRed
}

// tcell is one table cell with an optional colour.
type tcell struct{ text, color string }

func plain(s string) tcell { return tcell{text: s} }

// textTable lays out columns padded to their widest cell. Colours are
// applied after padding so that escape codes never count towards a width.
type textTable struct {
	color bool
	rows  [][]tcell
}

func (t *textTable) add(cells ...tcell) { t.rows = append(t.rows, cells) }

// header adds a row of plain cells.
func (t *textTable) header(names ...string) {
	row := make([]tcell, len(names))
	for i, n := range names {
		row[i] = plain(n)
	}
	t.add(row...)
}

func (t *textTable) write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c.text))
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		for i, c := range r {
			if t.color && c.color != "" {
				b.WriteString(c.color + c.text + ansiReset)
			} else {
				b.WriteString(c.text)
			}
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c.text)+2))
			}
		}
		if _, err := fmt.Fprintln(w, b.String()); err != nil {
			return withCode(exitError, fmt.Errorf("write table: %w", err))
		}
	}
	return nil
}

// percent formats a fraction as a percentage with up to 4 decimals and no
// trailing zeros: 0.999 -> "99.9%", 0.99 -> "99%".
func percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*100*1e4)/1e4, 'f', -1, 64) + "%"
}

// sliText formats an SLI, which is nil without enough data.
func sliText(sli *float64) string {
	if sli == nil {
		return "no data"
	}
	return fmt.Sprintf("%.3f%%", *sli*100)
}

// windowLabels sorts burn-rate window labels ("5m", "1h", "3d") by
// duration; labels that do not parse go last, by name.
func windowLabels(burns map[string]float64) []string {
	labels := make([]string, 0, len(burns))
	for l := range burns {
		labels = append(labels, l)
	}
	dur := func(l string) time.Duration {
		d, err := model.ParseDuration(l)
		if err != nil {
			return math.MaxInt64
		}
		return time.Duration(d)
	}
	sort.Slice(labels, func(i, j int) bool {
		di, dj := dur(labels[i]), dur(labels[j])
		if di != dj {
			return di < dj
		}
		return labels[i] < labels[j]
	})
	return labels
}

// reasonCodes lists the distinct codes of reasons, in order.
func reasonCodes(reasons []policy.Reason) []string {
	var codes []string
	for _, r := range reasons {
		if !slices.Contains(codes, r.Code) {
			codes = append(codes, r.Code)
		}
	}
	return codes
}

// burnText formats a burn rate: 14.4 -> "14.4x".
func burnText(b float64) string { return fmt.Sprintf("%.1fx", b) }

// timeText formats an optional instant in UTC.
func timeText(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
