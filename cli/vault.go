package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/vault"
)

// The vault's keys live in a directory of their own, never in the
// database: kek (the key-encryption key), index.key (the blind-index
// key), each 32 bytes hex-encoded, readable by the owner only.
const (
	kekFile   = "kek"
	indexFile = "index.key"
)

// loadVaultKeys reads the keys from dir. A key file that others may read
// is refused: the keys are what makes erasure final.
func loadVaultKeys(dir string) (app.VaultKeys, error) {
	read := func(name string) ([]byte, error) {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.wrap", p, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.vault.mode", p, fmt.Sprintf("%04o", fi.Mode().Perm()))
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.wrap", p, err)
		}
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != vault.KeySize {
			return nil, gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.logs.key", p, vault.KeySize)
		}
		return k, nil
	}
	kk, err := read(kekFile)
	if err != nil {
		return app.VaultKeys{}, err
	}
	ik, err := read(indexFile)
	if err != nil {
		return app.VaultKeys{}, err
	}
	kek, err := vault.NewLocalKEK(kk)
	if err != nil {
		return app.VaultKeys{}, err
	}
	ix, err := vault.NewIndexer(ik)
	if err != nil {
		return app.VaultKeys{}, err
	}
	return app.VaultKeys{KEK: kek, Index: ix}, nil
}

func newVault(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "vault", Short: "The keys of the vault for people's data"}
	cmd.AddCommand(&cobra.Command{
		Use:   "init DIR",
		Short: "Make new vault keys in DIR (0700; the files 0600), never beside the database",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return gdpr.Keyed(gdpr.EINVALID, "dir", "cli.wrap", dir, err)
			}
			for _, name := range []string{kekFile, indexFile} {
				p := filepath.Join(dir, name)
				f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return gdpr.Keyed(gdpr.EINVALID, "dir", "cli.wrap", p, err)
				}
				_, werr := f.WriteString(hex.EncodeToString(vault.NewDataKey()) + "\n")
				if cerr := f.Close(); werr == nil {
					werr = cerr
				}
				if werr != nil {
					return gdpr.Keyed(gdpr.EINVALID, "dir", "cli.wrap", p, werr)
				}
			}
			keys, err := loadVaultKeys(dir)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, e.t("cli.vault.init", dir, keys.KEK.ID(), keys.Index.ID()))
			return nil
		},
	})
	return cmd
}

func newSubjects(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "subjects", Short: "People's data in the vault: add, show, find, shred (needs --vault-keys)"}
	cmd.AddCommand(&cobra.Command{
		Use:     "add FIELD=VALUE...",
		Short:   "Store a person; email, phone, iban, customer_id and employee_id are found again by lookups",
		Example: "  gdpr subjects add email=hans@example.de name='Hans Müller' customer_id=K-10023",
		Args:    minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := app.Record{}
			for _, a := range args {
				k, v, ok := strings.Cut(a, "=")
				if !ok {
					return gdpr.Keyed(gdpr.EINVALID, "", "cli.subjects.pair", a)
				}
				r[k] = v
			}
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				id, err := a.CreateSubject(ctx, r)
				if err == nil {
					fmt.Fprintln(e.stdout, id)
				}
				return err
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "show ID",
		Short: "Print a person's fields (the read is audited)",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				s, err := a.GetSubject(ctx, args[0])
				if err != nil {
					return err
				}
				if s.Shredded {
					fmt.Fprintln(e.stdout, e.t("cli.subjects.shredded", s.ID))
					return nil
				}
				for _, f := range slices.Sorted(func(yield func(string) bool) {
					for k := range s.Record {
						if !yield(k) {
							return
						}
					}
				}) {
					fmt.Fprintf(e.stdout, "%s: %s\n", f, s.Record[f])
				}
				return nil
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "find KIND VALUE",
		Short: "Find people by email, phone, iban or id",
		Args:  nArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				ids, err := a.LookupSubjects(ctx, vault.Kind(args[0]), args[1])
				for _, id := range ids {
					fmt.Fprintln(e.stdout, id)
				}
				return err
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "shred ID",
		Short: "Erase a person for good: the data key is destroyed",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				if err := a.ShredSubject(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, e.t("cli.subjects.shred", args[0]))
				return nil
			})
		},
	})
	return cmd
}
