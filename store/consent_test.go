package store_test

import (
	"strings"
	"testing"
	"time"

	"gdpr"
	"gdpr/consent"
	"gdpr/store"
	"gdpr/suppression"
)

// TestConsentStore: on each engine a purpose, a text version, a sign-up
// with its link, the state by blind index, a confirmation spending the
// link once, the events in order; and the events refuse UPDATE, DELETE
// (and on PostgreSQL TRUNCATE) in the database itself.
func TestConsentStore(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("user:dsb")
			p := &consent.Purpose{ID: "newsletter", Name: "Newsletter", Activity: "newsletter", ConfirmWithin: 48 * time.Hour, Lists: []string{"b", "a", "a"}}
			if err := s.SavePurpose(ctx, p, 0); err != nil {
				t.Fatal(err)
			}
			if err := s.SavePurpose(ctx, p, 0); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
				t.Errorf("the same id twice: %v", err)
			}
			p.Name = "Newsletter (monatlich)"
			if err := s.SavePurpose(ctx, p, 1); err != nil || p.Version != 2 {
				t.Fatalf("change: %v %d", err, p.Version)
			}
			if err := s.SavePurpose(ctx, p, 1); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
				t.Errorf("a stale version: %v", err)
			}
			got, err := s.FindPurpose(ctx, "newsletter")
			if err != nil || got.Name != "Newsletter (monatlich)" || strings.Join(got.Lists, ",") != "a,b" || got.ConfirmWithin != 48*time.Hour {
				t.Errorf("purpose: %v %+v", err, got)
			}
			for _, body := range []string{"Ja, Newsletter.", "Ja, ich will den Newsletter."} {
				tx := &consent.Text{Purpose: "newsletter", Lang: "de", Body: body}
				tx.Validate()
				if err := s.AddText(ctx, tx); err != nil {
					t.Fatal(err)
				}
			}
			ts, _ := s.Texts(ctx, "newsletter")
			if len(ts) != 2 || ts[0].Version != 2 || ts[0].Hash != consent.HashText("Ja, ich will den Newsletter.") {
				t.Errorf("texts: %+v", ts)
			}
			key := consent.StateKey{KeyID: "i1", Hash: []byte("0123456789abcdef")}
			// The store's clock: a link's end is compared with it.
			now := fixedStart
			given := &consent.Event{Purpose: "newsletter", Subject: "s-1", Kind: consent.Given, Mode: consent.DOI, Signup: "u1", TextVersion: 2, TextHash: ts[0].Hash,
				Fields: []string{"email"}, Lists: []string{"a"}, IPSealed: []byte{9, 9}}
			st := consent.Fold([]consent.Event{*given})
			if err := s.AppendConsent(ctx, consent.Append{Event: given, State: st, Keys: []consent.StateKey{key}, Tokens: []consent.Token{{Hash: "h1", UseFor: "confirm", Signup: "u1", Purpose: "newsletter", Subject: "s-1", Expires: now.Add(48 * time.Hour)}}}); err != nil {
				t.Fatal(err)
			}
			if st, ok, err := s.ConsentState(ctx, "i1", key.Hash, "newsletter"); err != nil || !ok || !st.Pending || st.Active || st.Given == nil {
				t.Errorf("state: %v %v %+v", ok, err, st)
			}
			tok, err := s.FindConsentToken(ctx, "h1", "confirm", now)
			if err != nil || tok.Subject != "s-1" || tok.Signup != "u1" {
				t.Fatalf("token: %v %+v", err, tok)
			}
			confirmed := &consent.Event{Purpose: "newsletter", Subject: "s-1", Kind: consent.Confirmed, Signup: "u1", MailID: "<m@x>", MailHash: "ab"}
			st = consent.Fold([]consent.Event{*given, *confirmed})
			if err := s.AppendConsent(ctx, consent.Append{Event: confirmed, State: st, Keys: []consent.StateKey{key}, Use: "h1"}); err != nil {
				t.Fatal(err)
			}
			again := &consent.Event{Purpose: "newsletter", Subject: "s-1", Kind: consent.Confirmed, Signup: "u1"}
			if err := s.AppendConsent(ctx, consent.Append{Event: again, State: st, Use: "h1"}); gdpr.ErrorCode(err) != gdpr.ENOTFOUND {
				t.Errorf("a link spent twice: %v", err)
			}
			evs, err := s.ConsentEvents(ctx, "s-1", "")
			if err != nil || len(evs) != 2 || evs[0].Digest() != given.Digest() || evs[1].Digest() != confirmed.Digest() || evs[0].AuditID == "" {
				t.Fatalf("events read back: %v %+v", err, evs)
			}
			if st, _, _ := s.ConsentState(ctx, "i1", key.Hash, "newsletter"); !st.Active {
				t.Errorf("after the confirmation: %+v", st)
			}
			db := store.RawDB(s)
			stmts := []string{`UPDATE consent_events SET kind = 'withdrawn'`, `DELETE FROM consent_events`}
			if name == "postgres" {
				stmts = append(stmts, `TRUNCATE consent_events`)
			}
			for _, q := range stmts {
				if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: %v", q, err)
				}
			}
			if evs, _ := s.ConsentEvents(ctx, "s-1", ""); len(evs) != 2 {
				t.Errorf("%d events after the attempts", len(evs))
			}
		})
	}
}

// TestConsentSuppressed: the state by blind index notes the suppression
// list. An objection for the purpose's activity (or for all) after the
// consent was given stops the "may I mail"; a new consent after it counts
// again; a second objection for the same address and scope counts from
// its own day (the list keeps the later). On each engine.
func TestConsentSuppressed(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := as("user:dsb")
			if err := s.SavePurpose(ctx, &consent.Purpose{ID: "werbung", Name: "Werbung", Activity: "werbepost", ConfirmWithin: 48 * time.Hour}, 0); err != nil {
				t.Fatal(err)
			}
			key := consent.StateKey{KeyID: "i1", Hash: []byte("fedcba9876543210")}
			give := func(signup string) {
				t.Helper()
				e := &consent.Event{Purpose: "werbung", Subject: "s-2", Kind: consent.Given, Mode: consent.SOI, Signup: signup}
				if err := s.AppendConsent(ctx, consent.Append{Event: e, State: consent.Fold([]consent.Event{*e}), Keys: []consent.StateKey{key}}); err != nil {
					t.Fatal(err)
				}
			}
			object := func(scope string) {
				t.Helper()
				if err := s.AddSuppressions(ctx, []suppression.Entry{{KeyID: key.KeyID, Hash: key.Hash, Kind: "email", Scope: scope, Reason: suppression.Objection, Request: "r-1"}}); err != nil {
					t.Fatal(err)
				}
			}
			state := func() consent.State {
				t.Helper()
				st, ok, err := s.ConsentState(ctx, key.KeyID, key.Hash, "werbung")
				if err != nil || !ok {
					t.Fatal(ok, err)
				}
				return st
			}
			give("u1")
			if st := state(); !st.Active || st.Suppressed {
				t.Fatalf("given: %+v", st)
			}
			object("andere-taetigkeit")
			if st := state(); !st.Active {
				t.Errorf("an objection to another activity stopped it: %+v", st)
			}
			object("werbepost")
			if st := state(); st.Active || !st.Suppressed {
				t.Errorf("after the objection: %+v", st)
			}
			give("u2")
			if st := state(); !st.Active {
				t.Errorf("a consent given after the objection: %+v", st)
			}
			object("werbepost")
			if st := state(); st.Active || !st.Suppressed {
				t.Errorf("a second objection: %+v", st)
			}
			give("u3")
			object(suppression.All)
			if st := state(); st.Active || !st.Suppressed {
				t.Errorf("an objection to everything: %+v", st)
			}
		})
	}
}
