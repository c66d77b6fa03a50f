package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/locale"
	"gdpr/period"
	"gdpr/store"
)

func newBackup(e *env) *cobra.Command {
	var dir, keep string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Consistent online backups of the store, with a retention",
		Long: `backup writes compacted online copies of the store (SQLite: VACUUM INTO,
so that nothing deleted lives on in them; PostgreSQL: pg_dump) into a
directory of their own, and prunes them after the retention (default P7D).
Keep the vault's keys apart from it: an erased person's data key is gone
from every backup made after the erasure, and the backups made before it
are pruned when the retention has passed.`,
	}
	cmd.PersistentFlags().StringVar(&dir, "dir", envOr("GDPR_BACKUP_DIR", "backups"), "directory of the backups (env GDPR_BACKUP_DIR)")
	create := &cobra.Command{Use: "create", Short: "Write a backup now", Args: noArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
			name, err := a.CreateBackup(ctx, dir)
			if err == nil {
				fmt.Fprintln(e.stdout, e.t("cli.backup.created", filepath.Join(dir, name)))
			}
			return err
		})
	}}
	list := &cobra.Command{Use: "list", Short: "List the backups, oldest first", Args: noArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
			bs, err := a.ListBackups(ctx, dir)
			if err != nil {
				return err
			}
			rows := make([][]string, len(bs))
			for i, b := range bs {
				rows[i] = []string{b.Name, locale.Time(e.lang, b.At), fmt.Sprintf("%d KiB", (b.Size+1023)/1024)}
			}
			return e.printList("text", bs, len(bs), []string{e.t("cli.col.file"), e.t("cli.col.made"), e.t("cli.col.size")}, rows)
		})
	}}
	verify := &cobra.Command{Use: "verify [FILE...]", Short: "Check that backups read back (all of --dir without FILE)", RunE: func(cmd *cobra.Command, args []string) error {
		files := args
		if len(files) == 0 {
			if err := e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				bs, err := a.ListBackups(ctx, dir)
				for _, b := range bs {
					files = append(files, filepath.Join(dir, b.Name))
				}
				return err
			}); err != nil {
				return err
			}
		}
		failed := 0
		for _, f := range files {
			if err := store.VerifyBackup(cmd.Context(), f); err != nil {
				failed++
				fmt.Fprintln(e.stdout, gdpr.Localized(err, e.lang))
				continue
			}
			fmt.Fprintln(e.stdout, e.t("cli.backup.ok", f))
		}
		if failed > 0 {
			return &exitError{ExitFindings}
		}
		return nil
	}}
	prune := &cobra.Command{Use: "prune", Short: "Delete the backups older than --keep", Args: noArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		p, err := period.Parse(keep)
		if err != nil {
			return gdpr.Keyed(gdpr.EINVALID, "keep", "cli.wrap", "--keep", err)
		}
		return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
			removed, err := a.PruneBackups(ctx, dir, p)
			for _, r := range removed {
				fmt.Fprintln(e.stdout, e.t("cli.backup.pruned", r))
			}
			if err == nil && len(removed) == 0 {
				fmt.Fprintln(e.stdout, e.t("cli.backup.nothing"))
			}
			return err
		})
	}}
	prune.Flags().StringVar(&keep, "keep", app.DefaultBackupRetention.String(), "retention as an ISO 8601 period")
	cmd.AddCommand(create, list, verify, prune)
	return cmd
}
