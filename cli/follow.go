package cli

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"gdpr"
	"gdpr/app"
	"gdpr/logscrub"
	"gdpr/seal"
)

func newLogsFollow(e *env) *cobra.Command {
	var f logFlags
	var poll time.Duration
	var fromStart bool
	cmd := &cobra.Command{
		Use:   "follow FILE [-o FILE]",
		Short: "Anonymise a growing log file as it is written, across rotations (like tail -F)",
		Long: `Follow reads FILE as it grows and writes every new line anonymised, like
"gdpr logs anonymize" (same detectors, same attack store). When the file is
rotated (renamed and created anew, or truncated) it goes on with the new one.
It runs until interrupted.`,
		Example: "  gdpr logs follow /var/log/nginx/access.log -o /var/log/anon/access.log",
		Args:    nArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			sc, err := logscrub.New(logscrub.Options{})
			if err != nil {
				return err
			}
			var w io.Writer = e.stdout
			if f.out != "-" {
				file, err := os.OpenFile(f.out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
				if err != nil {
					return gdpr.Keyed(gdpr.EINVALID, "output", "cli.wrap", "-o "+f.out, err)
				}
				defer file.Close()
				w = file
			}
			st := &logscrub.Stream{Scrubber: sc}
			var attacks *app.Attacks
			if !f.noAttacks {
				st.Detectors, st.Sequential = logscrub.BuiltinDetectors(), []logscrub.Sequential{logscrub.NewBurst()}
				key, err := readKey(f.attackKey, true)
				if err != nil {
					return err
				}
				box, err := seal.New(key)
				if err != nil {
					return err
				}
				s, err := e.open(ctx)
				if err != nil {
					return err
				}
				defer s.Close()
				keep, err := e.attackRetention(app.MaxAttackRetention.String())
				if err != nil {
					return err
				}
				attacks = &app.Attacks{Store: s, Box: box, Source: args[0], Retain: keep, Now: e.now}
			}
			fl := &follower{path: args[0], poll: poll, fromStart: fromStart}
			return fl.run(ctx, func(block []byte) error {
				out, att, _ := st.Block(block)
				if _, err := w.Write(out); err != nil {
					return err
				}
				if attacks != nil && len(att) > 0 {
					// The last lines at an interrupt are stored all the same.
					wctx := context.WithoutCancel(ctx)
					if err := attacks.Purge(wctx); err != nil {
						return err
					}
					_, err := attacks.Add(wctx, att)
					return err
				}
				return nil
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "output", "o", "-", "append to this file instead of standard output")
	fl.StringVar(&f.attackKey, "attack-key", envOr("GDPR_ATTACK_KEY", "gdpr-attacks.key"), "file of the key that encrypts stored attack lines")
	fl.BoolVar(&f.noAttacks, "no-attacks", false, "do not detect or store attack lines")
	fl.BoolVar(&fromStart, "from-start", false, "begin with what the file holds already (default: only new lines)")
	fl.DurationVar(&poll, "poll", 250*time.Millisecond, "how often to look for new lines")
	return cmd
}

// maxPartial bounds what a follower holds of a line without its end: an
// endless line is anonymised in pieces, as the stream does.
const maxPartial = 1 << 20

// follower reads a file as it grows, across rotations: a file renamed away
// and created anew, or truncated, is read again from its start.
type follower struct {
	path      string
	poll      time.Duration
	fromStart bool
}

// emit gets whole lines, each ending in a newline, except for the rest of
// a line at the end (interrupt) or a piece of an overlong line.
func (fl *follower) run(ctx context.Context, emit func(block []byte) error) error {
	var f *os.File
	var partial []byte
	buf := make([]byte, 256<<10)
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	first := true
	for {
		if f == nil {
			var err error
			f, err = os.Open(fl.path)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				f = nil
			case err != nil:
				return gdpr.Keyed(gdpr.EINVALID, "input", "cli.wrap", fl.path, err)
			case first && !fl.fromStart:
				if _, err := f.Seek(0, io.SeekEnd); err != nil {
					return err
				}
			}
			first = false
		}
		if f != nil {
			for {
				n, err := f.Read(buf)
				if n > 0 {
					partial = append(partial, buf[:n]...)
					if i := logscrub.CutPoint(partial, maxPartial); i > 0 {
						if err := emit(partial[:i]); err != nil {
							return err
						}
						partial = append(partial[:0], partial[i:]...)
					}
				}
				if err != nil || n == 0 {
					break
				}
			}
			// Rotated? The path names another file now, or ours shrank.
			cur, err1 := f.Stat()
			now, err2 := os.Stat(fl.path)
			off, _ := f.Seek(0, io.SeekCurrent)
			if err2 != nil || err1 != nil || !os.SameFile(cur, now) || now.Size() < off {
				if err1 == nil && now != nil && os.SameFile(cur, now) && now.Size() < off {
					f.Seek(0, io.SeekStart) // truncated in place
				} else {
					f.Close()
					f = nil
				}
				continue
			}
		}
		select {
		case <-ctx.Done():
			if len(partial) > 0 {
				return emit(partial)
			}
			return nil
		case <-time.After(fl.poll):
		}
	}
}
