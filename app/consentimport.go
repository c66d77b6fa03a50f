package app

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/consent"
	"gdpr/vault"
)

// ConsentImport is what an import of consents did.
type ConsentImport struct {
	File      string `json:"file"`
	Source    string `json:"source"`
	Imported  int    `json:"imported"`
	Withdrawn int    `json:"withdrawn"`
	// Already are rows imported before (the same sign-up of the same
	// person): an import run twice adds nothing.
	Already int `json:"already"`
}

// importWorkers sign up so many rows at once, so that the group commit
// writes them together. A person's rows go to one worker (by the hash of
// the address), so that no two create one person twice.
const importWorkers = 8

var importID = regexp.MustCompile(`[^A-Za-z0-9._:-]+`)

// ImportConsents takes over the consents another tool kept (a CSV file
// with seed 003's columns, listmonk's or Mailchimp's export) for a
// purpose: each row is an event "imported" with the tool's facts (mode,
// form URL, IP and time of the sign-up), the confirmation with its IP and
// time where the file has it, a withdrawal where it says so (and the
// address on the suppression list); each event's source names the tool
// and the file. The file is read whole first: one with an error anywhere
// changes nothing, and the error names its line and column. A double
// opt-in without its confirmation counts as weak proof, as do single and
// confirmed opt-in.
func (a *App) ImportConsents(ctx context.Context, purpose string, r io.Reader, name, source string) (ConsentImport, error) {
	res := ConsentImport{File: name, Source: strings.TrimSpace(source)}
	if res.Source == "" {
		res.Source = "csv"
	}
	if len(res.Source) > 60 {
		res.Source = res.Source[:60]
	}
	cs, err := a.consentAs(ctx, auth.Subjects, audit.ConsentImport, purpose)
	if err != nil {
		return res, err
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return res, err
	}
	p, err := cs.FindPurpose(ctx, purpose)
	if err != nil {
		return res, a.record(ctx, audit.ConsentImport, purpose, gdpr.Keyed(gdpr.EINVALID, "purpose", "notfound.purpose", purpose))
	}
	rows, err := consent.ReadImport(r, name)
	if err != nil {
		return res, a.record(ctx, audit.ConsentImport, purpose, err)
	}
	for _, row := range rows {
		for _, l := range row.Lists {
			if len(p.Lists) > 0 && !slices.Contains(p.Lists, l) {
				return res, a.record(ctx, audit.ConsentImport, purpose, gdpr.Keyed(gdpr.EINVALID, "lists", "consent.import.row", name, row.Line, gdpr.Keyed(gdpr.EINVALID, "lists", "consent.list", l)))
			}
		}
		if _, err := vault.Normalise(vault.KindEmail, row.Email); err != nil {
			return res, a.record(ctx, audit.ConsentImport, purpose, gdpr.Keyed(gdpr.EINVALID, "email", "consent.import.row", name, row.Line, gdpr.Keyed(gdpr.EINVALID, "email", "consent.import.email")))
		}
	}
	by := make([][]consent.ImportRow, importWorkers)
	for _, row := range rows {
		h := fnv.New32a()
		n, _ := vault.Normalise(vault.KindEmail, row.Email)
		h.Write([]byte(n))
		i := h.Sum32() % importWorkers
		by[i] = append(by[i], row)
	}
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for _, part := range by {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, row := range part {
				imported, withdrawn, err := a.importRow(ctx, cs, keys, p, row, name, res.Source)
				mu.Lock()
				switch {
				case err != nil && first == nil:
					first = gdpr.Keyed(gdpr.ErrorCode(err), "", "consent.import.row", name, row.Line, err)
				case err == nil && !imported:
					res.Already++
				case err == nil:
					res.Imported++
					if withdrawn {
						res.Withdrawn++
					}
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	detail := fmt.Sprintf("%s %s: %d imported, %d withdrawn, %d already", res.Source, importID.ReplaceAllString(name, "_"), res.Imported, res.Withdrawn, res.Already)
	if err := a.auditNow(ctx, audit.Entry{Action: audit.ConsentImport, Target: purpose, Outcome: outcomeOf(first), Detail: detail}); err != nil {
		return res, err
	}
	return res, first
}

func outcomeOf(err error) string {
	if err != nil {
		return audit.Failed
	}
	return audit.OK
}

// importRow writes one row: the person (found by the state of the
// purpose, or new), the import's events in one step. false: the row was
// imported before.
func (a *App) importRow(ctx context.Context, cs ConsentStore, keys VaultKeys, p consent.Purpose, row consent.ImportRow, file, source string) (bool, bool, error) {
	email := strings.TrimSpace(row.Email)
	hash, err := keys.Index.Hash(vault.KindEmail, email)
	if err != nil {
		return false, false, gdpr.Keyed(gdpr.EINVALID, "email", "consent.import.email")
	}
	// The sign-up's id: the tool's, or one made from the address's blind
	// index and the time (so that a second run finds it again).
	signup := "imp-" + importID.ReplaceAllString(row.Signup, "_")
	if row.Signup == "" {
		signup = fmt.Sprintf("imp-%s-%d", hex.EncodeToString(hash[:6]), row.At.Unix())
	}
	var create *vault.Create
	var box *vault.Box
	var prior []consent.Event
	subject := ""
	if st, ok, err := cs.ConsentState(ctx, keys.Index.ID(), hash, p.ID); err != nil {
		return false, false, err
	} else if ok {
		subject = st.Subject
		if box, err = a.subjectBox(ctx, subject); err != nil {
			subject = ""
		} else if prior, err = cs.ConsentEvents(ctx, subject, p.ID); err != nil {
			return false, false, err
		}
	}
	if slices.ContainsFunc(prior, func(e consent.Event) bool { return e.Signup == signup && e.Kind == consent.Imported }) {
		return false, false, nil
	}
	if subject == "" {
		rec := Record{"email": email}
		if row.Name != "" {
			rec["name"] = row.Name
		}
		if row.Subscriber != "" {
			rec["customer_id"] = row.Subscriber
		}
		if create, box, err = a.prepareSubject(ctx, rec); err != nil {
			return false, false, err
		}
		subject = create.Stored.ID
	}
	src := "import " + source + " " + importID.ReplaceAllString(file, "_")
	ev := &consent.Event{Purpose: p.ID, Subject: subject, Kind: consent.Imported, At: row.At.UTC(), Mode: row.Mode, Signup: signup, FormURL: row.FormURL,
		Fields: row.Fields, Lists: row.Lists, Source: src}
	ev.IPSealed, ev.IPHash = sealSalted(box, "ip:"+signup, row.IP)
	ev.AddrSealed, ev.AddrHash = sealSalted(box, "addr:"+signup, email)
	var then []*consent.Event
	if !row.Confirmed.IsZero() {
		c := &consent.Event{Purpose: p.ID, Subject: subject, Kind: consent.Confirmed, At: row.Confirmed.UTC(), Signup: signup, Source: src}
		c.IPSealed, c.IPHash = sealSalted(box, "ip:"+signup+":"+string(consent.Confirmed), row.ConfirmIP)
		then = append(then, c)
	}
	withdrawn := !row.Withdrawn.IsZero()
	if withdrawn {
		then = append(then, &consent.Event{Purpose: p.ID, Subject: subject, Kind: consent.Withdrawn, At: row.Withdrawn.UTC(), Signup: signup, Source: src})
	}
	all := append(slices.Clone(prior), *ev)
	for _, e := range then {
		all = append(all, *e)
	}
	slices.SortStableFunc(all, func(x, y consent.Event) int { return x.At.Compare(y.At) })
	state := consent.Fold(all)
	var jobs []consent.Job
	if !withdrawn {
		if jobs, err = a.hookJobs(ctx, cs, box, ev, email); err != nil {
			return false, false, err
		}
	}
	actor, _ := auth.PrincipalFrom(ctx)
	if err := a.grouped(ctx, groupReq{append: &consent.Append{Create: create, Event: ev, Then: then, State: state, Keys: stateKeys(keys, email), Jobs: jobs, Actor: actor.Actor}}); err != nil {
		return false, false, err
	}
	if len(jobs) > 0 {
		a.kickHooks(ctx, jobs)
	}
	if withdrawn {
		if err := a.suppressConsent(ctx, cs, p.ID, email, signup); err != nil {
			return true, true, err
		}
	}
	return true, withdrawn, nil
}
