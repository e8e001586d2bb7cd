package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/client"
	"github.com/slo-dev/slo/internal/safetext"
)

func newOverrideCmd(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "override",
		Short: "Create, list and revoke gate overrides",
		Long: `An override lets every deploy of a service through the gate until it
expires or is revoked, whatever its error budget says. Overrides are
audited: each names who created it and why. Creating and revoking need a
token in $SLOCTL_TOKEN.`,
		Example: `  sloctl override create checkout --reason "INC-1234 hotfix" --for 2h
  sloctl override list checkout
  sloctl override revoke checkout 7`,
	}
	cmd.AddCommand(newOverrideCreateCmd(getenv), newOverrideListCmd(getenv), newOverrideRevokeCmd(getenv))
	return cmd
}

type overrideCreateOptions struct {
	apiFlags
	reason string
	forDur string
	actor  string
}

func newOverrideCreateCmd(getenv func(string) string) *cobra.Command {
	o := &overrideCreateOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "create SERVICE --reason REASON --for DURATION",
		Short: "Let every deploy of SERVICE through for a while",
		Example: `  export SLOCTL_TOKEN=...
  sloctl override create checkout --reason "INC-1234: hotfix for the payment outage" --for 2h
  sloctl override create checkout --reason "release freeze exception, approved by CTO" --for 1d --actor alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.reason, "reason", "", "why the gate is overridden (required; goes to the audit log)")
	f.StringVar(&o.forDur, "for", "", "how long the override lasts, e.g. 30m, 2h, 1d (required)")
	f.StringVar(&o.actor, "actor", "", "who overrides (default $GITHUB_ACTOR, $GITLAB_USER_LOGIN or $USER)")
	o.add(cmd)
	_ = cmd.MarkFlagRequired("reason") // only fails for an unknown flag name
	_ = cmd.MarkFlagRequired("for")
	return cmd
}

func (o *overrideCreateOptions) run(cmd *cobra.Command, service string) error {
	// model.ParseDuration accepts days ("1d"), which time.ParseDuration
	// does not.
	d, err := model.ParseDuration(o.forDur)
	if err != nil || d <= 0 {
		return withCode(exitError, fmt.Errorf("--for must be a positive duration like 30m, 2h or 1d, not %q", o.forDur))
	}
	actor, err := requireActor(o.actor, o.getenv)
	if err != nil {
		return err
	}
	ctx, c, cancel, err := o.connect(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	req := client.OverrideRequest{Reason: o.reason, Actor: actor, For: time.Duration(d)}
	ov, err := c.CreateOverride(ctx, service, req)
	if err != nil {
		return apiFailure(tokenHint(err))
	}
	return o.show(cmd, ov, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Override %d created for %s by %s, active until %s: %s\nRevoke it with: sloctl override revoke %s %d\n",
			ov.ID, safetext.Escape(ov.Service), safetext.Escape(ov.Actor), timeText(&ov.ExpiresAt), safetext.Escape(ov.Reason), safetext.Escape(ov.Service), ov.ID)
		return err
	})
}

type overrideListOptions struct{ apiFlags }

func newOverrideListCmd(getenv func(string) string) *cobra.Command {
	o := &overrideListOptions{apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "list [SERVICE]",
		Short: "List the overrides of one service, or of all",
		Example: `  sloctl override list
  sloctl override list checkout -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	o.add(cmd)
	return cmd
}

func (o *overrideListOptions) run(cmd *cobra.Command, args []string) error {
	ctx, c, cancel, err := o.connect(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	overrides, err := listOverrides(ctx, c, args)
	if err != nil {
		return apiFailure(err)
	}
	return o.show(cmd, api.OverrideList{Overrides: overrides}, func(w io.Writer) error {
		return writeList(w, o.color(w), "no overrides",
			[]string{"ID", "SERVICE", "STATE", "ACTOR", "CREATED", "EXPIRES", "REASON"},
			overrides, overrideRow)
	})
}

// overrideRow is one override as table cells; an active one stands out.
func overrideRow(ov api.Override) []tcell {
	state := tcell{text: overrideState(ov)}
	if state.text == "active" {
		state.color = ansiYellow
	}
	return []tcell{plain(strconv.FormatInt(ov.ID, 10)), plain(ov.Service), state, plain(ov.Actor),
		plain(timeText(&ov.CreatedAt)), plain(timeText(&ov.ExpiresAt)), plain(ov.Reason)}
}

// listOverrides gets the overrides of the named service, or of every
// service: the API lists overrides per service only.
func listOverrides(ctx context.Context, c *client.Client, args []string) ([]api.Override, error) {
	all := []api.Override{}
	if len(args) == 1 {
		ovs, err := c.Overrides(ctx, args[0])
		return append(all, ovs...), err
	}
	services, err := c.Services(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range services {
		ovs, err := c.Overrides(ctx, s.Service)
		if err != nil {
			return nil, err
		}
		all = append(all, ovs...)
	}
	return all, nil
}

// overrideState is active (by slod's clock), revoked (by whom) or expired.
func overrideState(o api.Override) string {
	switch {
	case o.Active:
		return "active"
	case o.RevokedAt != nil && o.RevokedBy != "":
		return "revoked by " + o.RevokedBy
	case o.RevokedAt != nil:
		return "revoked"
	}
	return "expired"
}

// requireActor is flag, else the default actor; overrides must name who
// made or ended them.
func requireActor(flag string, getenv func(string) string) (string, error) {
	if actor := cmp.Or(flag, defaultActor(getenv)); actor != "" {
		return actor, nil
	}
	return "", withCode(exitError, errors.New("--actor is required: none of $GITHUB_ACTOR, $GITLAB_USER_LOGIN, $USER is set"))
}

type overrideRevokeOptions struct {
	getenv  func(string) string
	actor   string
	timeout time.Duration
}

func newOverrideRevokeCmd(getenv func(string) string) *cobra.Command {
	o := &overrideRevokeOptions{getenv: getenv}
	cmd := &cobra.Command{
		Use:   "revoke SERVICE ID",
		Short: "End an override now",
		Example: `  sloctl override revoke checkout 7
  sloctl override revoke checkout 7 --actor alice`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0], args[1]) },
	}
	cmd.Flags().StringVar(&o.actor, "actor", "", "who revokes (default $GITHUB_ACTOR, $GITLAB_USER_LOGIN or $USER)")
	timeoutFlagVar(cmd, &o.timeout)
	return cmd
}

func (o *overrideRevokeOptions) run(cmd *cobra.Command, service, idArg string) error {
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id <= 0 {
		return withCode(exitError, fmt.Errorf("override ID must be a positive number, not %q (see sloctl override list %s)", idArg, service))
	}
	actor, err := requireActor(o.actor, o.getenv)
	if err != nil {
		return err
	}
	c, err := apiClient(cmd, o.getenv)
	if err != nil {
		return err
	}
	ctx, cancel := timeoutContext(cmd, o.timeout)
	defer cancel()
	if _, err := c.RevokeOverride(ctx, service, id, actor); err != nil {
		return apiFailure(tokenHint(err))
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "Override %d of %s revoked\n", id, service)
	return err
}

// tokenHint adds where the token comes from to an authentication failure.
func tokenHint(err error) error {
	var pe *client.ProblemError
	if errors.As(err, &pe) && (pe.Status == http.StatusUnauthorized || pe.Status == http.StatusForbidden) {
		return fmt.Errorf("%w (sloctl sends the token in $SLOCTL_TOKEN)", err)
	}
	return err
}
