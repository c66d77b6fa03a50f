package consent

import (
	"testing"
	"time"
)

func TestFold(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ev := func(k Kind, m Mode, h int) Event {
		return Event{Purpose: "newsletter", Subject: "s-1", Kind: k, Mode: m, At: t0.Add(time.Duration(h) * time.Hour)}
	}
	for _, c := range []struct {
		name                  string
		events                []Event
		active, pending, weak bool
	}{
		{"nothing", nil, false, false, false},
		{"doi given, not confirmed", []Event{ev(Given, DOI, 0)}, false, true, false},
		{"doi confirmed", []Event{ev(Given, DOI, 0), ev(Confirmed, "", 1)}, true, false, false},
		{"doi expired", []Event{ev(Given, DOI, 0), ev(Expired, "", 48)}, false, false, false},
		{"confirmed after expiry does nothing", []Event{ev(Given, DOI, 0), ev(Expired, "", 48), ev(Confirmed, "", 49)}, false, false, false},
		{"soi is active and weak", []Event{ev(Given, SOI, 0)}, true, false, true},
		{"coi is active and weak", []Event{ev(Given, COI, 0)}, true, false, true},
		{"withdrawn", []Event{ev(Given, DOI, 0), ev(Confirmed, "", 1), ev(Withdrawn, "", 5)}, false, false, false},
		{"withdrawn while pending", []Event{ev(Given, DOI, 0), ev(Withdrawn, "", 1)}, false, false, false},
		{"signed up again", []Event{ev(Given, DOI, 0), ev(Confirmed, "", 1), ev(Withdrawn, "", 5), ev(Given, DOI, 6), ev(Confirmed, "", 7)}, true, false, false},
		{"signed up again, not confirmed", []Event{ev(Given, DOI, 0), ev(Confirmed, "", 1), ev(Withdrawn, "", 5), ev(Given, DOI, 6)}, false, true, false},
		{"imported doi without its confirmation", []Event{ev(Imported, DOI, 0)}, true, false, true},
		{"imported doi with its confirmation", []Event{ev(Imported, DOI, 0), ev(Confirmed, "", 1)}, true, false, false},
		{"imported soi confirmed stays weak", []Event{ev(Imported, SOI, 0), ev(Confirmed, "", 1)}, true, false, true},
		{"imported soi", []Event{ev(Imported, SOI, 0)}, true, false, true},
		{"imported, withdrawn", []Event{ev(Imported, DOI, 0), ev(Withdrawn, "", 2)}, false, false, false},
	} {
		s := Fold(c.events)
		if s.Active != c.active || s.Pending != c.pending || s.Weak != c.weak {
			t.Errorf("%s: %+v", c.name, s)
		}
	}
}

// TestDigest: every field is in the digest, and no two fields can trade
// bytes.
func TestDigest(t *testing.T) {
	base := Event{ID: "e1", Purpose: "newsletter", Subject: "s-1", Kind: Given, At: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Mode: DOI, Signup: "u1",
		TextVersion: 2, TextHash: "ab", FormURL: "https://shop.example/newsletter", Fields: []string{"email", "name"}, Lists: []string{"angebote"},
		Source: "", MailID: "<m@x>", Actor: "system:consent", IPSealed: []byte{1, 2}, UASealed: []byte{3}}
	d := base.Digest()
	for name, edit := range map[string]func(*Event){
		"id": func(e *Event) { e.ID = "e2" }, "purpose": func(e *Event) { e.Purpose = "x" }, "subject": func(e *Event) { e.Subject = "s-2" },
		"kind": func(e *Event) { e.Kind = Confirmed }, "at": func(e *Event) { e.At = e.At.Add(time.Nanosecond) }, "mode": func(e *Event) { e.Mode = SOI },
		"signup": func(e *Event) { e.Signup = "u2" }, "text version": func(e *Event) { e.TextVersion = 3 }, "text hash": func(e *Event) { e.TextHash = "ac" },
		"form": func(e *Event) { e.FormURL += "?" }, "fields": func(e *Event) { e.Fields = []string{"email"} }, "lists": func(e *Event) { e.Lists = nil },
		"source": func(e *Event) { e.Source = "csv" }, "mail": func(e *Event) { e.MailID = "" }, "mail hash": func(e *Event) { e.MailHash = "ff" }, "actor": func(e *Event) { e.Actor = "user:x" },
		"ip": func(e *Event) { e.IPSealed = []byte{1, 3} }, "ua": func(e *Event) { e.UASealed = nil }, "address": func(e *Event) { e.AddrSealed = []byte{7} },
		"ip hash": func(e *Event) { e.IPHash = "1" }, "ua hash": func(e *Event) { e.UAHash = "2" }, "address hash": func(e *Event) { e.AddrHash = "3" },
		"bytes moved between fields": func(e *Event) { e.ID, e.Purpose = "e1n", "ewsletter" },
	} {
		e := base
		edit(&e)
		if e.Digest() == d {
			t.Errorf("%s is not in the digest", name)
		}
	}
	// The opened values are not part of it.
	e := base
	e.IP, e.UA = "192.0.2.1", "Firefox"
	if e.Digest() != d {
		t.Error("the opened values changed the digest")
	}
}
