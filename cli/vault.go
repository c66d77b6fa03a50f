package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
	"gdpr/locale"
	"gdpr/vault"
)

// The vault's keys live in a directory of their own, never in the
// database: kek (the key-encryption key), index.key (the blind-index
// key), each 32 bytes hex-encoded, readable by the owner only.
const (
	kekFile    = "kek"
	indexFile  = "index.key"
	logKeyFile = "log.key" // signs the audit log's checkpoints
	logPubFile = "log.pub" // checks them; may be handed to auditors
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
	keys := app.VaultKeys{KEK: kek, Index: ix}
	// Earlier KEKs, kept as kek.ID by a rotation until no data key needs
	// them.
	// An earlier index key, kept as index.key.ID while a re-index runs.
	if oldIx, _ := filepath.Glob(filepath.Join(dir, indexFile+".i*")); len(oldIx) > 0 {
		b, err := read(filepath.Base(oldIx[0]))
		if err != nil {
			return app.VaultKeys{}, err
		}
		if keys.OlderIndex, err = vault.NewIndexer(b); err != nil {
			return app.VaultKeys{}, err
		}
	}
	olds, _ := filepath.Glob(filepath.Join(dir, kekFile+".k*"))
	for _, p := range olds {
		b, err := read(filepath.Base(p))
		if err != nil {
			return app.VaultKeys{}, err
		}
		k, err := vault.NewLocalKEK(b)
		if err != nil {
			return app.VaultKeys{}, err
		}
		keys.Older = append(keys.Older, k)
	}
	return keys, loadLogKey(dir, &keys)
}

// loadLogKey reads the log's key pair: log.key (private, 0600) signs the
// checkpoints, log.pub (the public key, for auditors too) checks them.
// A key directory made before the log has neither; then the log grows
// unsigned until "gdpr vault init DIR" adds them.
func loadLogKey(dir string, keys *app.VaultKeys) error {
	p := filepath.Join(dir, logKeyFile)
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.wrap", p, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.vault.mode", p, fmt.Sprintf("%04o", fi.Mode().Perm()))
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.wrap", p, err)
	}
	keys.LogKey = strings.TrimSpace(string(b))
	if _, err := note.NewSigner(keys.LogKey); err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.log.badkey", p)
	}
	v, err := readLogPublic(filepath.Join(dir, logPubFile))
	if err != nil {
		return err
	}
	keys.LogVerifier = v
	return nil
}

// readLogPublic reads a log's public key (log.pub, or the copy an
// auditor was given).
func readLogPublic(p string) (note.Verifier, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, gdpr.Keyed(gdpr.EINVALID, "public-key", "cli.wrap", p, err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, gdpr.Keyed(gdpr.EINVALID, "public-key", "cli.log.badkey", p)
	}
	return v, nil
}

// replaceKey keeps the key in dir/name as name.oldID and writes a new
// one in its place. The old key is kept first, then the new one swapped
// in: a crash between the steps leaves both keys on disk, never neither.
func replaceKey(dir, name, oldID string) error {
	cur, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.wrap", dir, err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(cur)))
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.logs.key", filepath.Join(dir, name), vault.KeySize)
	}
	if err := writeKeyFile(filepath.Join(dir, name+"."+oldID), k); err != nil {
		return err
	}
	next := filepath.Join(dir, name+".new")
	if err := writeKeyFile(next, vault.NewDataKey()); err != nil {
		return err
	}
	if err := os.Rename(next, filepath.Join(dir, name)); err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.wrap", dir, err)
	}
	return nil
}

// initKeys makes the keys dir lacks, and says how many it made. Keys
// there already stay: a directory made before the log gains the log's
// key pair and nothing else.
func initKeys(dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, gdpr.Keyed(gdpr.EINVALID, "dir", "cli.wrap", dir, err)
	}
	made := 0
	for _, name := range []string{kekFile, indexFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			continue
		}
		if err := writeKeyFile(filepath.Join(dir, name), vault.NewDataKey()); err != nil {
			return made, err
		}
		made++
	}
	if _, err := os.Stat(filepath.Join(dir, logKeyFile)); err != nil {
		k, err := audit.GenerateKey(rand.Reader)
		if err != nil {
			return made, err
		}
		if err := writeNewFile(filepath.Join(dir, logPubFile), k.Public+"\n", 0o644); err != nil {
			return made, err
		}
		if err := writeNewFile(filepath.Join(dir, logKeyFile), k.Private+"\n", 0o600); err != nil {
			return made, err
		}
		made++
	}
	return made, nil
}

// writeKeyFile writes a new key file (0600), never over an existing one.
func writeKeyFile(p string, key []byte) error {
	return writeNewFile(p, hex.EncodeToString(key)+"\n", 0o600)
}

// writeNewFile writes text to a new file of the given mode, synced.
func writeNewFile(p, text string, mode os.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "dir", "cli.wrap", p, err)
	}
	_, werr := f.WriteString(text)
	if err := f.Sync(); werr == nil {
		werr = err
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return gdpr.Keyed(gdpr.EINVALID, "dir", "cli.wrap", p, werr)
	}
	return nil
}

func newVault(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "vault", Short: "The keys of the vault for people's data"}
	cmd.AddCommand(&cobra.Command{
		Use:   "init DIR",
		Short: "Make new vault keys in DIR (0700; the files 0600), never beside the database",
		Args:  nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			made, err := initKeys(dir)
			if err != nil {
				return err
			}
			if made == 0 {
				return gdpr.Keyed(gdpr.ECONFLICT, "dir", "cli.vault.exists", dir)
			}
			keys, err := loadVaultKeys(dir)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, e.t("cli.vault.init", dir, keys.KEK.ID(), keys.Index.ID()))
			fmt.Fprintln(e.stdout, e.t("cli.vault.initlog", filepath.Join(dir, logPubFile)))
			return nil
		},
	})
	var resume, index bool
	cmd.AddCommand(&cobra.Command{
		Use:   "seal",
		Short: "Move the register's people (contact persons, DPO, representative) stored in the clear into the vault",
		Long: `seal writes every entry whose contact person, DPO or representative is
stored in the clear (written before the vault, or without its keys) again
with the person in the vault, as a revision. gdpr serve does it at start.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if e.vaultKeys == "" {
				return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "vault.nokeys")
			}
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				n, m, err := a.SealPeople(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, e.t("cli.vault.sealed", locale.N(e.lang, "count.entry", n), locale.N(e.lang, "count.revision", m)))
				return nil
			})
		},
	})
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new KEK and wrap every data key with it anew (values stay as they are; resumable)",
		Long: `rotate keeps the current KEK as kek.ID in the key directory, writes a new
kek, and wraps every person's data key with it, a batch per transaction.
A run that stops (or --resume) goes on where it stopped: keys not yet
rewrapped still open with their older KEK. When no data key needs an older
KEK any more, the command says so; delete that file then (and with it the
last way to open backups made before, once they are pruned).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := e.vaultKeys
			if dir == "" {
				return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "vault.nokeys")
			}
			if index {
				return rotateIndex(e, cmd, dir, resume)
			}
			if !resume {
				keys, err := loadVaultKeys(dir)
				if err != nil {
					return err
				}
				if err := replaceKey(dir, kekFile, keys.KEK.ID()); err != nil {
					return err
				}
			}
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
				n, err := a.RewrapKeys(ctx, nil)
				fmt.Fprintln(e.stdout, e.t("cli.vault.rewrapped", n))
				if err != nil {
					return err
				}
				return reportKEKs(e, ctx, a, dir)
			})
		},
	}
	rotate.Flags().BoolVar(&resume, "resume", false, "go on with an interrupted rotation (no new key)")
	rotate.Flags().BoolVar(&index, "index", false, "rotate the blind-index key instead: every person is indexed anew (lookups find them under either key meanwhile)")
	cmd.AddCommand(rotate, &cobra.Command{
		Use:   "status",
		Short: "The KEKs and how many data keys each wraps",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withApp(cmd, func(ctx context.Context, a *app.App) error { return reportKEKs(e, ctx, a, e.vaultKeys) })
		},
	})
	return cmd
}

// rotateIndex keeps the index key as index.key.ID, writes a new one and
// re-indexes everyone; afterwards the old key is removed (the re-index
// replaced every row it made).
func rotateIndex(e *env, cmd *cobra.Command, dir string, resume bool) error {
	if !resume {
		keys, err := loadVaultKeys(dir)
		if err != nil {
			return err
		}
		if keys.OlderIndex != nil {
			return gdpr.Keyed(gdpr.ECONFLICT, "", "cli.vault.reindexing", keys.OlderIndex.ID())
		}
		if err := replaceKey(dir, indexFile, keys.Index.ID()); err != nil {
			return err
		}
	}
	keys, err := loadVaultKeys(dir)
	if err != nil {
		return err
	}
	e.vaultKeys = dir
	return e.withApp(cmd, func(ctx context.Context, a *app.App) error {
		n, err := a.Reindex(ctx)
		fmt.Fprintln(e.stdout, e.t("cli.vault.reindexed", n))
		if err != nil {
			return err
		}
		if keys.OlderIndex != nil {
			old := filepath.Join(dir, indexFile+"."+keys.OlderIndex.ID())
			if err := os.Remove(old); err != nil {
				return gdpr.Keyed(gdpr.EINVALID, "vault-keys", "cli.wrap", old, err)
			}
		}
		return nil
	})
}

// reportKEKs prints per KEK how many data keys it wraps, and which older
// key files no data key needs any more.
func reportKEKs(e *env, ctx context.Context, a *app.App, dir string) error {
	use, err := a.KEKsInUse(ctx)
	if err != nil {
		return err
	}
	keys, err := loadVaultKeys(dir)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, e.t("cli.vault.current", keys.KEK.ID(), use[keys.KEK.ID()]))
	for _, k := range keys.Older {
		if n := use[k.ID()]; n > 0 {
			fmt.Fprintln(e.stdout, e.t("cli.vault.older", k.ID(), n))
		} else {
			fmt.Fprintln(e.stdout, e.t("cli.vault.unused", k.ID(), filepath.Join(dir, kekFile+"."+k.ID())))
		}
	}
	return nil
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
