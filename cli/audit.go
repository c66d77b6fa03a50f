package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
	"gdpr/locale"
)

// maxCheckpointFile bounds what is read of an exported checkpoint or a
// proof: they are a few hundred bytes; anything larger is not one.
const maxCheckpointFile = 1 << 20

func readSmall(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", gdpr.Keyed(gdpr.EINVALID, "file", "cli.wrap", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCheckpointFile+1))
	if err != nil {
		return "", gdpr.Keyed(gdpr.EINVALID, "file", "cli.wrap", p, err)
	}
	if len(b) > maxCheckpointFile {
		return "", gdpr.Keyed(gdpr.EINVALID, "file", "cli.audit.toolarge", p, maxCheckpointFile)
	}
	return string(b), nil
}

func newAudit(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "The tamper-evident audit log: verify, checkpoint, prove"}
	var checkpoints []string
	var public, format string
	verify := &cobra.Command{
		Use:   "verify [--checkpoint FILE]... [--public-key FILE]",
		Short: "Recompute the log from its entries and check it against the signed checkpoints",
		Long: `verify recomputes the Merkle tree (RFC 6962) over every audit entry and
every revision, checks each row against its leaf, and the tree against the
store's signed checkpoints and every checkpoint given with --checkpoint
(saved earlier with "gdpr audit checkpoint", or copied from a PDF export).
The public key is the key directory's log.pub, or --public-key FILE.

Exit status: 0 when nothing differs, 1 when something does (each finding
names the entry).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := oneOf("format", format, "text", "json"); err != nil {
				return err
			}
			var exported []app.Exported
			for _, p := range checkpoints {
				s, err := readSmall(p)
				if err != nil {
					return err
				}
				exported = append(exported, app.Exported{Source: p, Signed: s})
			}
			if err := e.usePublicKey(public); err != nil {
				return err
			}
			var res app.LogCheck
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				var err error
				res, err = a.VerifyLog(ctx, exported)
				return err
			}); err != nil {
				return err
			}
			if format == "json" {
				if err := writeJSON(e, res); err != nil {
					return err
				}
			} else {
				for _, p := range res.Problems {
					fmt.Fprintln(e.stdout, app.ProblemText(e.lang, p))
				}
				if res.Count > len(res.Problems) {
					fmt.Fprintln(e.stdout, e.t("cli.audit.more", res.Count-len(res.Problems)))
				}
				for _, c := range res.SchemaChanges {
					fmt.Fprintln(e.stdout, e.t("cli.audit.schemanote", locale.Time(e.lang, c.At), c.Detail))
				}
				if res.OK() {
					fmt.Fprintln(e.stdout, e.t("cli.audit.ok", res.Leaves, res.Rows, res.Checked))
				} else {
					fmt.Fprintln(e.stdout, e.t("cli.audit.problems", locale.N(e.lang, "count.logproblem", res.Count), res.Leaves))
				}
			}
			if !res.OK() {
				return &exitError{ExitFindings}
			}
			return nil
		},
	}
	verify.Flags().StringArrayVar(&checkpoints, "checkpoint", nil, "a checkpoint saved earlier (repeatable)")
	verify.Flags().StringVar(&public, "public-key", "", "the log's public key (default: log.pub in the key directory)")
	verify.Flags().StringVarP(&format, "format", "f", "text", "text or json")

	checkpoint := &cobra.Command{
		Use:   "checkpoint",
		Short: "Print the newest signed checkpoint (save it outside the database: gdpr audit checkpoint > file)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				h, err := a.LogHead(ctx)
				if err != nil {
					return err
				}
				if h.Checkpoint == "" {
					return gdpr.Keyed(gdpr.ECONFLICT, "", "store.logunsigned")
				}
				_, err = io.WriteString(e.stdout, h.Checkpoint)
				return err
			})
		},
	}

	prove := &cobra.Command{
		Use:   "prove ID",
		Short: "Print the inclusion proof of one entry (an audit id, or a revision as entity/id/version), JSON",
		Long: `prove prints what an auditor needs to check one entry offline: its fields,
its leaf, the hashes of the inclusion proof and the signed checkpoint.
"gdpr audit check FILE --public-key log.pub" checks it without the store.`,
		Args: nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				p, err := a.ProveEntry(ctx, args[0])
				if err != nil {
					return err
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(p)
			})
		},
	}

	var checkPublic string
	checkProof := &cobra.Command{
		Use:   "check PROOF --public-key FILE",
		Short: "Check a proof from gdpr audit prove offline, with the log's public key only",
		Long:  `check needs no store: the proof's entry gives its leaf, the leaf is in the tree the signed checkpoint names. Exit status 1 when it does not hold.`,
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.usePublicKey(checkPublic); err != nil {
				return err
			}
			keys, err := e.keys()
			if err != nil {
				return err
			}
			if keys.LogVerifier == nil {
				return gdpr.Keyed(gdpr.EINVALID, "public-key", "log.nopublic")
			}
			text, err := readSmall(args[0])
			if err != nil {
				return err
			}
			var p audit.Proof
			if err := json.Unmarshal([]byte(text), &p); err != nil {
				return gdpr.Keyed(gdpr.EINVALID, "proof", "cli.audit.badproof", args[0], err)
			}
			cp, err := p.Check(keys.LogVerifier)
			if err != nil {
				fmt.Fprintln(e.stdout, e.t("cli.audit.proofbad", args[0], err))
				return &exitError{ExitFindings}
			}
			fmt.Fprintln(e.stdout, e.t("cli.audit.proofok", p.Index, cp.Size, locale.Time(e.lang, cp.Time)))
			return nil
		},
	}
	checkProof.Flags().StringVar(&checkPublic, "public-key", "", "the log's public key (default: log.pub in the key directory)")
	cmd.AddCommand(verify, checkpoint, prove, checkProof)
	return cmd
}

// usePublicKey makes the log's public key the one in file p (an
// auditor's copy), when p is given.
func (e *env) usePublicKey(p string) error {
	if p == "" {
		return nil
	}
	v, err := readLogPublic(p)
	if err != nil {
		return err
	}
	keys, err := e.keys()
	if err != nil {
		return err
	}
	keys.LogVerifier = v
	e.loaded = &keys
	return nil
}
