package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/slo-dev/slo/internal/api"
)

func newNotificationsCmd(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notifications",
		Short: "Show the notification outbox and retry dead letters",
		Long: `notifications shows what slod told (or is telling) its notification targets:
events such as a gate decision that changed, a budget threshold crossed or an
override created, each with its delivery to each target.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newNotificationsListCmd(getenv, "list", "", "Show pending and sent notifications, newest first",
		"  sloctl notifications list\n  sloctl notifications list --service checkout -o json"),
		newNotificationsListCmd(getenv, "dlq", "dead", "Show dead-lettered notifications: deliveries that failed too often",
			"  sloctl notifications dlq\n  sloctl notifications dlq -o json | jq -r '.notifications[].event.id'"),
		newNotificationsRetryCmd(getenv))
	return cmd
}

type notificationsListOptions struct {
	apiFlags
	state, service string
	limit          int
}

func newNotificationsListCmd(getenv func(string) string, use, state, short, example string) *cobra.Command {
	o := &notificationsListOptions{apiFlags: apiFlags{getenv: getenv}, state: state}
	cmd := &cobra.Command{
		Use: use, Short: short, Example: example, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.service, "service", "", "only this service")
	f.IntVar(&o.limit, "limit", 50, "at most this many (slod may cap it)")
	if state == "" {
		f.StringVar(&o.state, "state", "", "only pending or sent")
	}
	o.add(cmd)
	return cmd
}

func (o *notificationsListOptions) run(cmd *cobra.Command) error {
	if o.limit <= 0 {
		return withCode(exitError, fmt.Errorf("--limit must be positive, not %d", o.limit))
	}
	ctx, c, cancel, err := o.connect(cmd)
	if err != nil {
		return err
	}
	defer cancel()
	ns, err := c.Notifications(ctx, o.state, o.service, o.limit)
	if err != nil {
		return apiFailure(err)
	}
	if ns == nil {
		ns = []api.Notification{}
	}
	return o.show(cmd, api.NotificationList{Notifications: ns}, func(w io.Writer) error {
		return writeList(w, o.color(w), "no notifications",
			[]string{"TIME", "EVENT", "TARGET", "STATE", "ATTEMPTS", "SUMMARY", "LAST ERROR"}, ns, notificationRow)
	})
}

func notificationRow(n api.Notification) []tcell {
	return []tcell{plain(timeText(&n.Event.At)), plain(n.Event.ID), plain(n.Target), plain(n.State),
		plain(strconv.Itoa(n.Attempts)), plain(n.Event.Summary), plain(dash(n.LastError))}
}

type notificationsRetryOptions struct {
	apiFlags
	all bool
}

func newNotificationsRetryCmd(getenv func(string) string) *cobra.Command {
	o := &notificationsRetryOptions{apiFlags: apiFlags{getenv: getenv}}
	cmd := &cobra.Command{
		Use:   "retry [EVENT_ID] [--all]",
		Short: "Queue dead-lettered notifications again (needs SLOCTL_TOKEN)",
		Long: `retry moves the dead letters of one event (to every target it failed for),
or with --all every dead letter, back to the outbox, due now. Fix the receiver
first: they get a fresh set of tries.`,
		Example: "  sloctl notifications retry gate.decision_changed:4f1c...\n  sloctl notifications retry --all",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case o.all && len(args) > 0:
				return withCode(exitError, fmt.Errorf("give an event ID or --all, not both"))
			case !o.all && len(args) == 0:
				return withCode(exitError, fmt.Errorf("give an event ID (see sloctl notifications dlq) or --all"))
			}
			id := ""
			if len(args) > 0 {
				id = args[0]
			}
			return o.run(cmd, id)
		},
	}
	cmd.Flags().BoolVar(&o.all, "all", false, "retry every dead letter")
	timeoutFlagVar(cmd, &o.timeout)
	return cmd
}

func (o *notificationsRetryOptions) run(cmd *cobra.Command, id string) error {
	c, err := apiClient(cmd, o.getenv)
	if err != nil {
		return err
	}
	ctx, cancel := timeoutContext(cmd, o.timeout)
	defer cancel()
	n, err := c.RetryNotifications(ctx, id)
	if err != nil {
		return apiFailure(tokenHint(err))
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "%d dead-lettered notification(s) queued again\n", n)
	return err
}
