package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/safetext"
)

func newCorrectionCmd(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "correction",
		Short: "Create, list and revoke budget corrections",
		Long: `A correction takes a span out of a service's error budgets and burn
rates: its events count neither as bad nor as total, for planned
maintenance or a known false measurement. Corrections are audited and
shown in every answer that they change. Creating and revoking need a token
in $SLOCTL_TOKEN. Generated Prometheus rules cannot see corrections.`,
		Example: `  sloctl correction create checkout --from 2026-11-30T02:00:00Z --to 2026-11-30T03:00:00Z --reason "DB failover drill"
  sloctl correction list checkout
  sloctl correction revoke checkout 3`,
	}
	cmd.AddCommand(newCorrectionCreateCmd(getenv), newCorrectionListCmd(getenv), newCorrectionRevokeCmd(getenv))
	return cmd
}

type correctionCreateOptions struct {
	apiFlags
	from, to, reason, actor string
	slos                    []string
}

func newCorrectionCreateCmd(getenv func(string) string) *cobra.Command {
	o := &correctionCreateOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "create SERVICE --from TIME --to TIME --reason REASON",
		Short: "Exclude a span from SERVICE's budgets",
		Example: `  sloctl correction create checkout --from 2026-11-30T02:00:00Z --to 2026-11-30T03:00:00Z --reason "DB failover drill"
  sloctl correction create checkout --from 2026-11-29T14:10:00Z --to 2026-11-29T14:40:00Z --reason "probe misconfigured" --slo availability`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "start of the span, RFC 3339 (required)")
	f.StringVar(&o.to, "to", "", "end of the span, RFC 3339 (required; at most 7d after --from)")
	f.StringVar(&o.reason, "reason", "", "why these events should not count (required; goes to the audit log)")
	f.StringVar(&o.actor, "actor", "", "who corrects (default $GITHUB_ACTOR, $GITLAB_USER_LOGIN or $USER)")
	f.StringSliceVar(&o.slos, "slo", nil, "only this SLO (repeatable; default every SLO of the service)")
	o.add(cmd)
	for _, name := range []string{"from", "to", "reason"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func (o *correctionCreateOptions) run(cmd *cobra.Command, service string) error {
	from, err := timeFlag("from", o.from)
	if err != nil {
		return err
	}
	to, err := timeFlag("to", o.to)
	if err != nil {
		return err
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
	x, err := c.CreateCorrection(ctx, service, api.CorrectionRequest{From: &from, To: &to, Reason: o.reason, Actor: actor, SLOs: o.slos})
	if err != nil {
		return apiFailure(tokenHint(err))
	}
	return o.show(cmd, x, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Correction %d of %s excludes %s to %s (%s): %s\nRevoke it with: sloctl correction revoke %s %d\n",
			x.ID, safetext.Escape(x.Service), timeText(&x.From), timeText(&x.To), correctionSLOs(*x), safetext.Escape(x.Reason), safetext.Escape(x.Service), x.ID)
		return err
	})
}

func correctionSLOs(x api.Correction) string {
	if len(x.SLOs) == 0 {
		return "every SLO"
	}
	return strings.Join(x.SLOs, ", ")
}

type correctionListOptions struct{ apiFlags }

func newCorrectionListCmd(getenv func(string) string) *cobra.Command {
	o := &correctionListOptions{apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:     "list SERVICE",
		Short:   "List the corrections of a service, revoked ones too",
		Example: `  sloctl correction list checkout`,
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	o.add(cmd)
	return cmd
}

func (o *correctionListOptions) run(cmd *cobra.Command, service string) error {
	ctx, c, cancel, err := o.connect(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	xs, err := c.Corrections(ctx, service)
	if err != nil {
		return apiFailure(err)
	}
	return o.show(cmd, api.CorrectionList{Corrections: xs}, func(w io.Writer) error {
		return writeList(w, o.color(w), "no corrections",
			[]string{"ID", "FROM", "TO", "SLOS", "STATE", "ACTOR", "REASON"}, xs, func(x api.Correction) []tcell {
				state := "in force"
				if x.RevokedAt != nil {
					state = "revoked by " + x.RevokedBy
				}
				return []tcell{plain(strconv.FormatInt(x.ID, 10)), plain(timeText(&x.From)), plain(timeText(&x.To)),
					plain(correctionSLOs(x)), plain(state), plain(x.Actor), plain(x.Reason)}
			})
	})
}

type correctionRevokeOptions struct {
	apiFlags
	actor string
}

func newCorrectionRevokeCmd(getenv func(string) string) *cobra.Command {
	o := &correctionRevokeOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:     "revoke SERVICE ID",
		Short:   "End a correction: its events count again",
		Example: `  sloctl correction revoke checkout 3`,
		Args:    cobra.ExactArgs(2),
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0], args[1]) },
	}
	cmd.Flags().StringVar(&o.actor, "actor", "", "who revokes (default $GITHUB_ACTOR, $GITLAB_USER_LOGIN or $USER)")
	o.add(cmd)
	return cmd
}

func (o *correctionRevokeOptions) run(cmd *cobra.Command, service, idArg string) error {
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id <= 0 {
		return withCode(exitError, fmt.Errorf("correction ID must be a positive number, not %q (see sloctl correction list %s)", idArg, service))
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
	x, err := c.RevokeCorrection(ctx, service, id, actor)
	if err != nil {
		return apiFailure(tokenHint(err))
	}
	return o.show(cmd, x, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Correction %d of %s revoked\n", x.ID, safetext.Escape(x.Service))
		return err
	})
}
