package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/client"
	"github.com/slo-dev/slo/internal/safetext"
	"github.com/slo-dev/slo/internal/version"
)

// Helpers shared by the commands: the client and flags of those that talk
// to slod's API (can-deploy, status, override, decisions), --output
// handling, and the formatting of numbers and times.

// apiClient builds a client for the server named by --server, else
// $SLOCTL_SERVER, else the default, with the token from $SLOCTL_TOKEN.
// Retries are reported on stderr so a slow CI step explains itself.
func apiClient(cmd *cobra.Command, getenv func(string) string) (*client.Client, error) {
	server, err := cmd.Flags().GetString("server")
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("read --server: %w", err))
	}
	server = cmp.Or(server, getenv("SLOCTL_SERVER"), client.DefaultServer)
	c, err := client.New(server, getenv("SLOCTL_TOKEN"))
	var te *client.TokenError
	if errors.As(err, &te) {
		err = fmt.Errorf("$SLOCTL_TOKEN: %w", err)
	}
	if err != nil {
		// Exit 2 whatever the command's flags: a local mistake, not slod
		// being down, so --fail-open does not cover it.
		return nil, withCode(exitError, err)
	}
	stderr := cmd.ErrOrStderr()
	c.OnRetry = func(err error, wait time.Duration) {
		fmt.Fprintf(stderr, "sloctl: %s; retrying in %s\n", safetext.Escape(err.Error()), wait.Round(time.Millisecond))
	}
	c.OnVersionSkew = func(server string) {
		fmt.Fprintf(stderr, "sloctl: warning: slod is version %s and this sloctl %s; their major versions differ, so the API may not match: use a sloctl of slod's major version\n",
			safetext.Escape(server), version.Get().Version)
	}
	return c, nil
}

// apiFailure is the exit-2 error for a failed API call. The client's errors
// are already one line for people: "title: detail" for a problem answer,
// "cannot reach slod at URL: ..." for a dead server.
func apiFailure(err error) error { return withCode(exitError, err) }

// apiFlags are the flags of the commands that show an answer from slod,
// and the environment they read.
type apiFlags struct {
	getenv  func(string) string
	output  string
	timeout time.Duration
}

// add registers --output and --timeout on cmd.
func (f *apiFlags) add(cmd *cobra.Command) {
	outputFlagVar(cmd, &f.output)
	timeoutFlagVar(cmd, &f.timeout)
}

// newClient checks --output, so that a usage error never reaches slod,
// then builds the API client.
func (f *apiFlags) newClient(cmd *cobra.Command) (*client.Client, error) {
	if _, err := wantJSON(f.output); err != nil {
		return nil, err
	}
	return apiClient(cmd, f.getenv)
}

// connect builds the client (newClient) and the context of one command's
// calls, bounded by --timeout; call cancel once done.
func (f *apiFlags) connect(cmd *cobra.Command) (context.Context, *client.Client, context.CancelFunc, error) {
	c, err := f.newClient(cmd)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := timeoutContext(cmd, f.timeout)
	return ctx, c, cancel, nil
}

// color reports whether text for w may be coloured.
func (f *apiFlags) color(w io.Writer) bool { return colorEnabled(w, f.getenv) }

// show prints an answer: v as JSON with --output json, else through text.
func (f *apiFlags) show(cmd *cobra.Command, v any, text func(io.Writer) error) error {
	if f.output == "json" {
		return writeJSON(cmd.OutOrStdout(), v)
	}
	return text(cmd.OutOrStdout())
}

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

// writeJSON prints v indented, for --output json. encoding/json escapes
// C0 controls in strings but not DEL, C1 controls or bidi overrides;
// escapeLines writes those as \uXXXX too, which is still the same JSON.
func writeJSON(w io.Writer, v any) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return withCode(exitError, fmt.Errorf("encode JSON: %w", err))
	}
	if _, err := io.WriteString(w, escapeLines(b.String())); err != nil {
		return withCode(exitError, fmt.Errorf("write JSON: %w", err))
	}
	return nil
}

// escapeLines escapes each line of s (safetext.Escape), keeping the line
// breaks.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = safetext.Escape(l)
	}
	return strings.Join(lines, "\n")
}

// defaultActor names who is asking: the CI user when there is one, else
// the login user.
func defaultActor(getenv func(string) string) string {
	return cmp.Or(getenv("GITHUB_ACTOR"), getenv("GITLAB_USER_LOGIN"), getenv("USER"))
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
func reasonCodes(reasons []api.Reason) []string {
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
