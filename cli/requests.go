package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/holiday"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/request"
)

// parseMoment reads a day (YYYY-MM-DD, taken at noon in Berlin, so that
// it is that day there) or a moment (RFC 3339).
func parseMoment(flag, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, request.Berlin)
	if err != nil {
		return time.Time{}, gdpr.Keyed(gdpr.EINVALID, flag, "cli.moment", flag, v)
	}
	return d.Add(12 * time.Hour), nil
}

func newRequests(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "requests", Short: "Data-subject requests (Art. 15-22 GDPR): register, deadlines, steps"}
	var n app.NewRequest
	var kind, channel, received, email, name, customer, note, lang string
	add := &cobra.Command{
		Use:   "add --kind KIND --email ADDRESS [--name NAME] [--customer-id ID] [--channel email] [--received YYYY-MM-DD] [--note TEXT]",
		Short: "Register a request; its last day is one month from receipt in the controller's calendar",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n.Kind, n.Channel, n.Note, n.Lang = request.Kind(kind), request.Channel(channel), note, lang
			if received != "" {
				t, err := parseMoment("received", received)
				if err != nil {
					return err
				}
				n.Received = t
			}
			n.Requester = app.Record{"email": email, "name": name, "customer_id": customer}
			for k, v := range n.Requester {
				if v == "" {
					delete(n.Requester, k)
				}
			}
			var r *request.Request
			err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				r, err = a.CreateRequest(ctx, n)
				return err
			})
			if r != nil {
				// Registered, also when the receipt then failed (said below).
				fmt.Fprintln(e.stdout, e.t("cli.requests.added", r.ID, dateText(e, r.Due)))
			}
			return err
		},
	}
	add.Flags().StringVar(&kind, "kind", "", "access, copy, rectification, erasure, restriction, portability, objection, withdrawal or automated")
	add.Flags().StringVar(&channel, "channel", "email", "portal, email, letter, phone, in_person or other")
	add.Flags().StringVar(&received, "received", "", "day (YYYY-MM-DD) or moment (RFC 3339) of receipt (default now)")
	add.Flags().StringVar(&email, "email", "", "the requester's e-mail address")
	add.Flags().StringVar(&name, "name", "", "the requester's name")
	add.Flags().StringVar(&customer, "customer-id", "", "the requester's customer number")
	add.Flags().StringVar(&note, "note", "", "what the person wrote (sealed in the vault)")
	add.Flags().StringVar(&lang, "lang", "de", "the language the person is written to in (de, en)")
	add.Flags().BoolVar(&n.Acknowledge, "acknowledge", false, "mail the person the receipt with the last day")

	var f app.RequestFilter
	var state, format string
	list := &cobra.Command{
		Use:   "list [--open] [--overdue] [--state STATE] [--kind KIND]",
		Short: "List requests, the nearest last day first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			f.State, f.Kind = request.State(state), request.Kind(kind)
			var rs []*request.Request
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				rs, _, err = a.Requests(ctx, f)
				return err
			}); err != nil {
				return err
			}
			if format == "json" {
				if rs == nil {
					rs = []*request.Request{}
				}
				return writeJSON(e, rs)
			}
			if len(rs) == 0 {
				fmt.Fprintln(e.stdout, e.t("cli.requests.none"))
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, strings.Join([]string{e.t("cli.col.id"), e.t("cli.col.kind"), e.t("cli.col.received"), e.t("cli.col.state"), e.t("cli.col.lastday"), e.t("cli.col.assignee")}, "\t"))
			for _, r := range rs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, e.t("value.request.kind."+string(r.Kind)), dateText(e, r.Received),
					e.t("value.request.state."+string(r.State)), dueText(e, r), dash(r.Assignee))
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&f.Open, "open", false, "only requests not yet answered, rejected or withdrawn")
	list.Flags().BoolVar(&f.Overdue, "overdue", false, "only open requests whose last day has passed")
	list.Flags().StringVar(&state, "state", "", "one state")
	list.Flags().StringVar(&kind, "kind", "", "one kind")
	list.Flags().IntVar(&f.Limit, "limit", 100, "how many (at most 1000)")
	list.Flags().StringVarP(&format, "format", "f", "text", "text or json")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a request, its requester (a read of the vault, recorded) and its history",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			var r *request.Request
			var who app.Subject
			var evs []request.Event
			var rcs []request.Receipt
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				if rcs, err = a.Receipts(ctx, args[0]); err != nil {
					return err
				}
				if r, err = a.Request(ctx, args[0]); err != nil {
					return err
				}
				if who, err = a.Requester(ctx, args[0]); err != nil {
					return err
				}
				evs, err = a.RequestEvents(ctx, args[0])
				return err
			}); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(e, map[string]any{"request": r, "requester": who, "events": evs, "receipts": rcs})
			}
			fmt.Fprintf(e.stdout, "%s · %s (%s)\n", r.ID, e.t("value.request.kind."+string(r.Kind)), r.Kind.Article())
			fmt.Fprintln(e.stdout, e.t("cli.requests.state", e.t("value.request.state."+string(r.State)), e.t("value.request.identity."+string(r.Identity))))
			fmt.Fprintln(e.stdout, e.t("cli.requests.due", dueText(e, r)))
			if r.Extension != nil {
				fmt.Fprintln(e.stdout, e.t("cli.requests.extended", r.Extension.Reasons))
			}
			if r.Reason != "" {
				fmt.Fprintln(e.stdout, e.t("cli.requests.reason", r.Reason))
			}
			for _, k := range []string{"name", "email", "customer_id"} {
				if v := who.Record[k]; v != "" {
					fmt.Fprintf(e.stdout, "  %s: %s\n", k, v)
				}
			}
			for _, ev := range evs {
				line := ev.At.In(request.Berlin).Format("2006-01-02 15:04") + "  " + ev.Actor + "  " + e.t("value.request.event."+ev.Action)
				if ev.To != "" {
					line += " → " + e.t("value.request.state."+string(ev.To))
				}
				if ev.Note != "" {
					line += ": " + ev.Note
				}
				fmt.Fprintln(e.stdout, line)
			}
			return nil
		},
	}
	show.Flags().StringVarP(&format, "format", "f", "text", "text or json")

	// act runs a step on the request's current version.
	act := func(use, short string, nargs int, step func(ctx context.Context, a *app.App, id string, version int, args []string) (*request.Request, error)) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: nArgs(nargs), RunE: func(cmd *cobra.Command, args []string) error {
			var r *request.Request
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				cur, err := a.Request(ctx, args[0])
				if err != nil {
					return err
				}
				r, err = step(ctx, a, args[0], cur.Version, args[1:])
				return err
			}); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, e.t("cli.requests.now", r.ID, e.t("value.request.state."+string(r.State)), dueText(e, r)))
			return nil
		}}
	}
	stepTo := func(to request.State) func(ctx context.Context, a *app.App, id string, version int, _ []string) (*request.Request, error) {
		return func(ctx context.Context, a *app.App, id string, version int, _ []string) (*request.Request, error) {
			return a.StepRequest(ctx, id, version, to)
		}
	}
	verify := act("verify ID HOW", "Record that you established the requester's identity, and how (logged)", 2,
		func(ctx context.Context, a *app.App, id string, version int, args []string) (*request.Request, error) {
			return a.VerifyIdentity(ctx, id, version, args[0])
		})
	start := act("start ID", "Begin working on the request (identity established)", 1, stepTo(request.InProgress))
	answer := act("answer ID", "Record that the request is answered", 1, stepTo(request.Answered))
	withdraw := act("withdraw ID", "Record that the requester withdrew the request", 1, stepTo(request.Withdrawn))
	var notify bool
	reject := act("reject ID REASON [--notify]", "Reject the request with its reason (Art. 12(5) GDPR); --notify mails it to the person with the right to complain", 2,
		func(ctx context.Context, a *app.App, id string, version int, args []string) (*request.Request, error) {
			return a.RejectRequest(ctx, id, version, args[0], notify)
		})
	reject.Flags().BoolVar(&notify, "notify", false, "mail the reason and the right to complain to the person (no mail, no rejection)")
	var toldAt, toldHow string
	extend := act("extend ID REASONS [--told-at DAY] [--told-how HOW]", "Extend the deadline by two further months; the requester must have been told within the first month", 2,
		func(ctx context.Context, a *app.App, id string, version int, args []string) (*request.Request, error) {
			var t time.Time
			if toldAt != "" {
				var err error
				if t, err = parseMoment("told-at", toldAt); err != nil {
					return nil, err
				}
			}
			return a.ExtendRequest(ctx, id, version, args[0], t, toldHow)
		})
	extend.Flags().StringVar(&toldAt, "told-at", "", "when the requester was told (day or RFC 3339; default now)")
	extend.Flags().StringVar(&toldHow, "told-how", "E-Mail", `how the requester was told; "mail": gdpr mails the notice now (no mail, no extension)`)
	assign := act("assign ID USER", "Give the request to a user", 2,
		func(ctx context.Context, a *app.App, id string, version int, args []string) (*request.Request, error) {
			return a.AssignRequest(ctx, id, version, args[0])
		})
	noteCmd := act("note ID TEXT", "Add a note to the request's history (sealed in the vault)", 2,
		func(ctx context.Context, a *app.App, id string, version int, args []string) (*request.Request, error) {
			return a.AddRequestNote(ctx, id, version, args[0])
		})
	var state2 string
	var extended bool
	deadline := &cobra.Command{
		Use:   "deadline RECEIVED [--state NW] [--extended]",
		Short: "The last day for a request received on a day (Regulation 1182/71, the Land's holidays)",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := parseMoment("received", args[0])
			if err != nil {
				return err
			}
			var p request.Period
			if state2 != "" {
				if p, err = periodOf(state2); err != nil {
					return err
				}
			} else if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				p, err = a.RequestPeriod(ctx)
				return err
			}); err != nil {
				return err
			}
			d := p.Due(t)
			if extended {
				d = p.ExtendedDue(t)
			}
			fmt.Fprintln(e.stdout, d.Format(time.DateOnly))
			return nil
		},
	}
	deadline.Flags().StringVar(&state2, "state", "", "the Land (NW, BY, …; default the register's controller)")
	deadline.Flags().BoolVar(&extended, "extended", false, "the deadline extended by two further months")
	receiptTable := func(rcs []request.Receipt) error {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join([]string{e.t("cli.col.system"), e.t("cli.col.table"), e.t("cli.col.action"), e.t("cli.col.rows"), e.t("cli.col.until"), e.t("cli.col.reason")}, "\t"))
		for _, rc := range rcs {
			ground := rc.Ground
			if ground != "" && locale.Has(ground) {
				ground = e.t(ground)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", rc.System, rc.Table, e.t("value.receipt."+rc.Action), rc.Rows, dash(rc.Until), dash(ground))
		}
		return tw.Flush()
	}
	erase := &cobra.Command{
		Use:   "erase ID",
		Short: "Erase the person of an erasure request in every system (Art. 17): receipts per table; rows a legal duty or a hold keeps are restricted",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var rcs []request.Receipt
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				cur, err := a.Request(ctx, args[0])
				if err != nil {
					return err
				}
				if _, err := a.DoStep(ctx, args[0], cur.Version, app.Step{Action: "erase"}); err != nil {
					return err
				}
				rcs, err = a.Receipts(ctx, args[0])
				return err
			}); err != nil {
				return err
			}
			return receiptTable(rcs)
		},
	}
	remind := &cobra.Command{
		Use:   "remind",
		Short: "Mail today's deadline reminders to the reminders' mailbox (gdpr serve does it daily with --remind-to)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var n int
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				n, err = a.RemindRequests(ctx)
				return err
			}); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, e.t("cli.requests.reminded", n))
			return nil
		},
	}
	var repFormat, repOut string
	report := &cobra.Command{
		Use:   "report ID [--format json|pdf] [-o FILE]",
		Short: "The access answer's draft (Art. 15): the register's words for the activities holding the person's data and the copy of the rows found, redactions applied (a recorded search)",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("format", repFormat, "json", "pdf"); err != nil {
				return err
			}
			return toOutput(e, repOut, func(w io.Writer) error {
				return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
					rep, err := a.RequestReport(ctx, args[0])
					if err != nil {
						return err
					}
					if repFormat == "pdf" {
						return a.WriteAccessPDF(w, rep)
					}
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(rep)
				})
			})
		},
	}
	report.Flags().StringVarP(&repFormat, "format", "f", "json", "json or pdf (the answer as the person gets it)")
	report.Flags().StringVarP(&repOut, "output", "o", "", "write to FILE (created, mode 0600) instead of standard output")
	var portFormat, portOut string
	portability := &cobra.Command{
		Use:   "portability ID [--format json|csv] [-o FILE]",
		Short: "The person's portable data (Art. 20): rows of tables whose activity rests on consent or a contract; csv is a zip, one file a table",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("format", portFormat, "json", "csv"); err != nil {
				return err
			}
			return toOutput(e, portOut, func(w io.Writer) error {
				return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
					p, err := a.Portability(ctx, args[0])
					if err != nil {
						return err
					}
					if portFormat == "csv" {
						return p.WriteCSV(w)
					}
					return p.WriteJSON(w)
				})
			})
		},
	}
	portability.Flags().StringVarP(&portFormat, "format", "f", "json", "json or csv")
	portability.Flags().StringVarP(&portOut, "output", "o", "", "write to FILE (created, mode 0600) instead of standard output")
	var publicURL string
	release := act("release ID --public-url URL", "Release the answer to the person: compiled now, sealed under the person's key, a single-use link (7 days) mailed; the request is answered", 1,
		func(ctx context.Context, a *app.App, id string, version int, _ []string) (*request.Request, error) {
			if publicURL == "" {
				return nil, gdpr.Keyed(gdpr.EINVALID, "public-url", "error.required")
			}
			return a.ReleaseAnswer(ctx, id, version, publicURL)
		})
	release.Flags().StringVar(&publicURL, "public-url", "", "where the self-service page is reached (https://privacy.example.com), for the link in the mail")
	var rx request.Redaction
	redact := act("redact ID --system SYSTEM --table TABLE [--column COLUMN] [--row ROW] --ground GROUND", "Withhold part of the copy before release (Art. 15(4)): a column, a row (its id from the report's row_ids), a cell or a table", 1,
		func(ctx context.Context, a *app.App, id string, version int, _ []string) (*request.Request, error) {
			return a.Redact(ctx, id, version, rx)
		})
	redact.Flags().StringVar(&rx.System, "system", "", "the system's id")
	redact.Flags().StringVar(&rx.Table, "table", "", "the table")
	redact.Flags().StringVar(&rx.Column, "column", "", "the column (default every column)")
	redact.Flags().StringVar(&rx.Row, "row", "", "the row's id (default every row)")
	redact.Flags().StringVar(&rx.Ground, "ground", request.RedactThirdParty, "third_party (Art. 15(4)), trade_secret or security")
	unredact := act("unredact ID REDACTION", "Take a redaction back", 2,
		func(ctx context.Context, a *app.App, id string, version int, args []string) (*request.Request, error) {
			return a.Unredact(ctx, id, version, args[0])
		})
	// carry runs a step that changes the person's data and prints the
	// receipts.
	carry := func(cmd *cobra.Command, id string, st app.Step) error {
		var rcs []request.Receipt
		if err := e.withApp(cmd, func(ctx context.Context, a *app.App) error {
			cur, err := a.Request(ctx, id)
			if err != nil {
				return err
			}
			if _, err := a.DoStep(ctx, id, cur.Version, st); err != nil {
				return err
			}
			rcs, err = a.Receipts(ctx, id)
			return err
		}); err != nil {
			return err
		}
		return receiptTable(rcs)
	}
	var scope string
	restrict := &cobra.Command{
		Use:   "restrict ID [--scope ACTIVITY]",
		Short: "Carry out a restriction (Art. 18), objection (Art. 21) or withdrawal (Art. 7(3)): the person's rows restricted, the identifiers on the suppression list; receipts per table",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return carry(cmd, args[0], app.Step{Action: "restrict", Scope: scope})
		},
	}
	restrict.Flags().StringVar(&scope, "scope", "", "the activity it is about (default: all the right reaches)")
	var rsys, rtable string
	var sets []string
	rectify := &cobra.Command{
		Use:   "rectify ID --system SYSTEM --table TABLE --set COLUMN=VALUE...",
		Short: "Carry out a rectification (Art. 16): the person's rows of a table get the correct values; the receipt names the columns, never a value",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fx := app.Rectification{System: rsys, Table: rtable, Set: map[string]string{}}
			for _, kv := range sets {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return gdpr.Keyed(gdpr.EINVALID, "set", "request.rectify.empty")
				}
				fx.Set[k] = v
			}
			return carry(cmd, args[0], app.Step{Action: "rectify", Fixes: []app.Rectification{fx}})
		},
	}
	rectify.Flags().StringVar(&rsys, "system", "", "the system's id")
	rectify.Flags().StringVar(&rtable, "table", "", "the table")
	rectify.Flags().StringArrayVar(&sets, "set", nil, "COLUMN=VALUE (repeatable)")
	notices := &cobra.Command{
		Use:   "notices ID",
		Short: "The recipients to tell of the request's change (Art. 19), a task each with its state",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ns []request.Notice
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				ns, err = a.Notices(ctx, args[0])
				return err
			}); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, n := range ns {
				when := ""
				if n.SentAt != nil {
					when = dateText(e, *n.SentAt)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n.Recipient, e.t("value.notice."+n.State), dash(when), dash(n.How))
			}
			return tw.Flush()
		},
	}
	var nState, nHow, nTo string
	notice := act("notice ID RECIPIENT --state sent|confirmed|exempt|open|mail [--how TEXT] [--to ADDRESS]", "Record an Art. 19 task's step: told (how), confirmed, exempt (why), open again; mail: gdpr mails the notice to --to and records it told", 2,
		func(ctx context.Context, a *app.App, id string, version int, args []string) (*request.Request, error) {
			return a.MarkNotice(ctx, id, version, app.NoticeStep{Recipient: args[0], State: nState, How: nHow, To: nTo})
		})
	notice.Flags().StringVar(&nState, "state", "sent", "sent, confirmed, exempt, open, or mail")
	notice.Flags().StringVar(&nHow, "how", "", "how the recipient was told, or why it is exempt")
	notice.Flags().StringVar(&nTo, "to", "", "with --state mail: the recipient's address (not kept)")
	cmd.AddCommand(add, list, show, verify, start, answer, withdraw, reject, extend, assign, noteCmd, deadline, erase, remind, report, portability, release, redact, unredact, restrict, rectify, notices, notice)
	return cmd
}

// dateText is a civil date (or an instant's day in Berlin) in the
// command's language.
func dateText(e *env, t time.Time) string {
	if t.Location() != time.UTC {
		t = t.In(request.Berlin)
	}
	return register.DateOf(t).Text(e.lang)
}

// dueText is a request's last day with what it means today.
func dueText(e *env, r *request.Request) string {
	s := dateText(e, r.LastDay())
	switch {
	case r.State.Closed():
	case r.Overdue:
		s += " " + e.t("cli.requests.overdue", -r.DaysLeft)
	default:
		s += " " + e.t("cli.requests.left", r.DaysLeft)
	}
	return s
}

// periodOf is the deadlines in a Land's calendar.
func periodOf(state string) (request.Period, error) {
	s := holiday.State(strings.ToUpper(state))
	if !s.Valid() {
		return request.Period{}, gdpr.Keyed(gdpr.EINVALID, "state", "invalid.state", state, fmt.Sprint(holiday.States))
	}
	return request.Period{Calendar: holiday.Calendar{State: s}}, nil
}
