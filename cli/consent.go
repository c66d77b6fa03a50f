package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/consent"
	"gdpr/retention"
)

// newConsent is "gdpr consent": the consent ledger's purposes, texts,
// forms, the may-I-mail question and withdrawals.
func newConsent(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "consent", Short: "The consent ledger (Art. 7 GDPR): purposes, text versions, sign-up forms, double opt-in, withdrawals"}
	purposes := &cobra.Command{Use: "purposes", Short: "Consent purposes, each tied to a register activity resting on consent"}
	var name, activity, keep string
	var lists []string
	var within time.Duration
	addPurpose := &cobra.Command{
		Use:   "add ID --name NAME --activity ACTIVITY [--list L]... [--confirm-within 48h] [--keep RULE]",
		Short: "Create a purpose",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				p, err := a.SavePurpose(ctx, consent.Purpose{ID: args[0], Name: name, Activity: activity, Lists: lists, ConfirmWithin: within, Keep: keep}, 0)
				if err == nil {
					fmt.Fprintln(e.stdout, e.t("cli.consent.purpose", p.ID, p.Activity))
				}
				return err
			})
		},
	}
	addPurpose.Flags().StringVar(&name, "name", "", "the purpose's name (shown in the mails)")
	addPurpose.Flags().StringVar(&activity, "activity", "", "the register activity's id")
	addPurpose.Flags().StringArrayVar(&lists, "list", nil, "a list a sign-up may choose (repeatable)")
	addPurpose.Flags().DurationVar(&within, "confirm-within", consent.DefaultConfirmWithin, "how long a double-opt-in link is valid")
	addPurpose.Flags().StringVar(&keep, "keep", "", "the rule the evidence is kept by after the consent ended")
	listPurposes := &cobra.Command{
		Use:   "list",
		Short: "List the purposes",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ps []consent.Purpose
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				ps, err = a.Purposes(ctx)
				return err
			}); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, p.Name, p.Activity, strings.Join(p.Lists, ", "))
			}
			return tw.Flush()
		},
	}
	var closedAt string
	closePurpose := &cobra.Command{
		Use:   "close ID [--at YYYY-MM-DD]",
		Short: "Record that the account a purpose's consents belong to was closed (the event of a keep rule \"as long as the account exists\")",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				at := e.now()
				if closedAt != "" {
					t, err := retention.ParseEventDate(closedAt)
					if err != nil {
						return gdpr.Keyed(gdpr.EINVALID, "at", "consent.import.time", closedAt)
					}
					at = t
				}
				p, err := a.Purpose(ctx, args[0])
				if err != nil {
					return err
				}
				p.Closed = &at
				if _, err := a.SavePurpose(ctx, p, p.Version); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, e.t("cli.consent.closed", p.ID, at.In(retention.Berlin).Format("02.01.2006")))
				return nil
			})
		},
	}
	closePurpose.Flags().StringVar(&closedAt, "at", "", "the day it was closed (default today)")
	purposes.AddCommand(addPurpose, listPurposes, closePurpose)

	texts := &cobra.Command{Use: "texts", Short: "A purpose's consent texts: every version kept with its SHA-256"}
	var lang, file, notice string
	addText := &cobra.Command{
		Use:   "add PURPOSE --file FILE [--lang de|en] [--notice VERSION]",
		Short: "Add a version of the text the form shows",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(file)
			if err != nil {
				return gdpr.Keyed(gdpr.EINVALID, "file", "cli.wrap", file, err)
			}
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				t, err := a.AddConsentText(ctx, consent.Text{Purpose: args[0], Lang: lang, Body: string(b), Notice: notice})
				if err == nil {
					fmt.Fprintln(e.stdout, e.t("cli.consent.text", t.Purpose, t.Lang, t.Version, t.Hash))
				}
				return err
			})
		},
	}
	addText.Flags().StringVar(&lang, "lang", "de", "de or en")
	addText.Flags().StringVar(&file, "file", "", "a file with the text")
	addText.Flags().StringVar(&notice, "notice", "", "the privacy notice's version it refers to")
	listTexts := &cobra.Command{
		Use:   "list PURPOSE",
		Short: "List a purpose's text versions, newest first",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ts []consent.Text
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				ts, err = a.ConsentTexts(ctx, args[0])
				return err
			}); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, t := range ts {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", t.Version, t.Lang, t.Hash[:16], dateText(e, t.Created))
			}
			return tw.Flush()
		},
	}
	texts.AddCommand(addText, listTexts)

	forms := &cobra.Command{Use: "forms", Short: "Sign-up forms of websites: the id to put into the form, the origins that may post it"}
	var origins, fields []string
	var mode, done, formLang string
	addForm := &cobra.Command{
		Use:   "add PURPOSE --origin https://shop.example [--origin …] [--mode double] [--field email]... [--done URL]",
		Short: "Register a form; prints its id and the HTML to post to",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				f, err := a.AddForm(ctx, consent.Form{Purpose: args[0], Origins: origins, Mode: consent.Mode(mode), Fields: fields, Lang: formLang, Done: done})
				if err == nil {
					fmt.Fprintln(e.stdout, e.t("cli.consent.form", f.ID, strings.Join(f.Origins, " ")))
				}
				return err
			})
		},
	}
	addForm.Flags().StringArrayVar(&origins, "origin", nil, "an origin whose pages carry the form (repeatable)")
	addForm.Flags().StringVar(&mode, "mode", string(consent.DOI), "double, confirmed or single (the last two are weak proof)")
	addForm.Flags().StringArrayVar(&fields, "field", []string{"email"}, "a field the form asks (repeatable)")
	addForm.Flags().StringVar(&formLang, "lang", "de", "the language of its mails")
	addForm.Flags().StringVar(&done, "done", "", "where the browser goes after the sign-up")
	forms.AddCommand(addForm)

	check := &cobra.Command{
		Use:   "check EMAIL PURPOSE",
		Short: "May I mail this address for this purpose? Exit 0 yes, 1 no",
		Args:  nArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var st consent.State
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) (err error) {
				st, err = a.MayMail(ctx, args[0], args[1])
				return err
			}); err != nil {
				return err
			}
			key := "cli.consent.no"
			switch {
			case st.Active && st.Weak:
				key = "cli.consent.weak"
			case st.Active:
				key = "cli.consent.yes"
			case st.Pending:
				key = "cli.consent.pending"
			case st.Suppressed:
				key = "cli.consent.suppressed"
			}
			fmt.Fprintln(e.stdout, e.t(key))
			if !st.Active {
				return &exitError{ExitFindings}
			}
			return nil
		},
	}
	var sMode, sName, sLang, publicURL, formURL string
	var sLists []string
	signup := &cobra.Command{
		Use:   "signup EMAIL PURPOSE [--mode double|confirmed|single] [--name NAME] [--list L]... --public-url URL",
		Short: "Record a sign-up taken outside a web form (a shop's checkout, a letter); double opt-in mails the confirmation link",
		Args:  nArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				id, err := a.SignUp(ctx, app.Signup{Email: args[0], Purpose: args[1], Mode: consent.Mode(sMode), Name: sName, Lang: sLang, Lists: sLists, FormURL: formURL, Client: "cli"}, publicURL)
				if err == nil {
					fmt.Fprintln(e.stdout, e.t("cli.consent.signedup", id, sMode))
				}
				return err
			})
		},
	}
	signup.Flags().StringVar(&sMode, "mode", string(consent.DOI), "double, confirmed or single (the last two are weak proof)")
	signup.Flags().StringVar(&sName, "name", "", "the person's name (for the mail's greeting)")
	signup.Flags().StringVar(&sLang, "lang", "de", "the language of the mail")
	signup.Flags().StringArrayVar(&sLists, "list", nil, "a list chosen (repeatable)")
	signup.Flags().StringVar(&formURL, "form-url", "", "where the sign-up was made")
	signup.Flags().StringVar(&publicURL, "public-url", "", "where the confirmation page is reached (double opt-in)")
	var how string
	withdraw := &cobra.Command{
		Use:   "withdraw EMAIL PURPOSE [--how phone]",
		Short: "Withdraw an address's consent (Art. 7(3)); the address goes on the suppression list",
		Args:  nArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				_, err := a.Withdraw(ctx, args[0], args[1], how)
				if err == nil {
					fmt.Fprintln(e.stdout, e.t("cli.consent.withdrawn"))
				}
				return err
			})
		},
	}
	withdraw.Flags().StringVar(&how, "how", "staff", "the channel it came by (phone, letter, mail)")
	var evOut, evFormat string
	evidence := &cobra.Command{
		Use:   "evidence EMAIL|SUBJECT-ID PURPOSE [--format json|pdf] [-o FILE]",
		Short: "The evidence of a consent: the timeline with each event's proof in the log, the texts shown, the mails sent; signed with the log's key",
		Args:  nArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("format", evFormat, "json", "pdf"); err != nil {
				return err
			}
			return toOutput(e, evOut, func(w io.Writer) error {
				return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
					b, ev, err := a.ConsentEvidence(ctx, args[0], args[1])
					if err != nil {
						return err
					}
					if evFormat == "pdf" {
						return a.WriteEvidencePDF(w, ev, e.lang)
					}
					_, err = w.Write(b)
					return err
				})
			})
		},
	}
	evidence.Flags().StringVarP(&evOut, "output", "o", "", "write to FILE (created, mode 0600) instead of standard output")
	evidence.Flags().StringVarP(&evFormat, "format", "f", "json", "json (the signed file to verify) or pdf (to print)")
	var public string
	verify := &cobra.Command{
		Use:   "verify FILE [--public-key FILE]",
		Short: "Check an evidence file offline with the log's public key only; exit 1 when it does not hold",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.usePublicKey(public); err != nil {
				return err
			}
			keys, err := e.keys()
			if err != nil {
				return err
			}
			if keys.LogVerifier == nil {
				return gdpr.Keyed(gdpr.EINVALID, "public-key", "log.nopublic")
			}
			b, err := readEvidence(args[0])
			if err != nil {
				return err
			}
			ev, problems, err := consent.VerifyEvidence(b, keys.LogVerifier)
			if err != nil {
				fmt.Fprintln(e.stdout, e.t("cli.consent.bad", args[0], gdpr.Localized(err, e.lang)))
				for _, p := range problems {
					fmt.Fprintln(e.stdout, "  "+gdpr.Localized(p, e.lang))
				}
				return &exitError{ExitFindings}
			}
			fmt.Fprintln(e.stdout, e.t("cli.consent.good", args[0], len(ev.Events), ev.Purpose.Name))
			return nil
		},
	}
	verify.Flags().StringVar(&public, "public-key", "", "the log's public key (default: log.pub in the key directory)")
	var impPurpose, impSource string
	importCmd := &cobra.Command{
		Use:   "import FILE --purpose PURPOSE [--source NAME]",
		Short: "Take over consents kept by another tool: CSV with seed 003's columns, listmonk's or Mailchimp's export; nothing is written from a file with an error",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				res, err := a.ImportConsents(ctx, impPurpose, f, filepath.Base(args[0]), impSource)
				if err == nil {
					fmt.Fprintln(e.stdout, e.t("cli.consent.imported", res.Imported, res.Withdrawn, res.Already, res.File))
				}
				return err
			})
		},
	}
	importCmd.Flags().StringVar(&impPurpose, "purpose", "", "the purpose the consents were given for")
	importCmd.Flags().StringVar(&impSource, "source", "csv", "the tool they come from (recorded with each event)")
	hooks := &cobra.Command{Use: "hooks", Short: "Webhooks that tell the company's mailer of confirmations and withdrawals (signed, retried)"}
	var hookEvents, hookPurposes []string
	addHook := &cobra.Command{
		Use:   "add URL [--event confirmed]... [--purpose P]...",
		Short: "Add a webhook; prints its signing secret once",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				var ks []consent.Kind
				for _, k := range hookEvents {
					ks = append(ks, consent.Kind(k))
				}
				h, err := a.AddHook(ctx, consent.Hook{URL: args[0], Events: ks, Purposes: hookPurposes})
				if err == nil {
					fmt.Fprintln(e.stdout, e.t("cli.consent.hook", h.ID, h.Secret))
				}
				return err
			})
		},
	}
	addHook.Flags().StringArrayVar(&hookEvents, "event", nil, "given, confirmed, withdrawn or imported (repeatable; default confirmed and withdrawn)")
	addHook.Flags().StringArrayVar(&hookPurposes, "purpose", nil, "only these purposes (repeatable; default all)")
	listHooks := &cobra.Command{
		Use:   "list",
		Short: "List the webhooks",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				hs, err := a.Hooks(ctx)
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				for _, h := range hs {
					var ks []string
					for _, k := range h.Events {
						ks = append(ks, string(k))
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.ID, h.URL, strings.Join(ks, ","), strings.Join(h.Purposes, ","))
				}
				tw.Flush()
				return err
			})
		},
	}
	removeHook := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a webhook",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error { return a.DeleteHook(ctx, args[0]) })
		},
	}
	hooks.AddCommand(addHook, listHooks, removeHook)
	var failedOnly bool
	jobsCmd := &cobra.Command{
		Use:   "jobs [--failed]",
		Short: "The ledger's outbox: confirmation mails and webhook calls waiting, or given up",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				js, err := a.ConsentJobs(ctx, failedOnly)
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				for _, j := range js {
					errText := ""
					if j.Error != "" {
						errText = app.JobError(e.lang, j.Error)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", j.ID, j.Kind, j.Target, j.Signup, j.Attempts, errText)
				}
				tw.Flush()
				return err
			})
		},
	}
	jobsCmd.Flags().BoolVar(&failedOnly, "failed", false, "only those given up after their last attempt")
	runJobs := &cobra.Command{
		Use:   "run",
		Short: "Do the jobs that are due now (gdpr serve does them by itself)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				w, err := a.WorkConsentJobs(ctx)
				if err == nil {
					fmt.Fprintln(e.stdout, e.t("cli.consent.jobs", w.Mails, w.Hooks, w.Failed, w.Dropped))
				}
				return err
			})
		},
	}
	retryJob := &cobra.Command{
		Use:   "retry ID",
		Short: "Try a given-up job again",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error { return a.RetryConsentJob(ctx, args[0]) })
		},
	}
	jobsCmd.AddCommand(runJobs, retryJob)
	cmd.AddCommand(purposes, texts, forms, signup, check, withdraw, evidence, verify, importCmd, hooks, jobsCmd)
	return cmd
}

// maxEvidence bounds an evidence file read (a timeline with its mails).
const maxEvidence = 16 << 20

func readEvidence(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, gdpr.Keyed(gdpr.EINVALID, "file", "cli.wrap", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEvidence+1))
	if err != nil {
		return nil, gdpr.Keyed(gdpr.EINVALID, "file", "cli.wrap", p, err)
	}
	if len(b) > maxEvidence {
		return nil, gdpr.Keyed(gdpr.EINVALID, "file", "cli.audit.toolarge", p, maxEvidence)
	}
	return b, nil
}
