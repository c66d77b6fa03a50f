package request

import (
	"testing"
	"time"

	"gdpr"
	"gdpr/holiday"
	"gdpr/locale"
)

// berlin is a moment of Berlin's wall clock.
func berlin(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Berlin)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestDeadlines: the last day of Art. 12(3)'s month, and of the period
// extended by two further months, as Regulation 1182/71 counts them:
// the same date a month on, or the month's last day; a Saturday, Sunday
// or holiday of the controller's Land moves it to the next working day.
func TestDeadlines(t *testing.T) {
	for _, c := range []struct {
		name     string
		state    holiday.State
		received time.Time
		extended bool
		want     string
	}{
		{"same date, a Sunday", "NW", berlin("2026-01-15 10:00"), false, "2026-02-16"},
		{"31 January: end of February, a Saturday", "NW", berlin("2026-01-31 09:00"), false, "2026-03-02"},
		{"30 January", "NW", berlin("2026-01-30 09:00"), false, "2026-03-02"},
		{"28 January", "NW", berlin("2026-01-28 09:00"), false, "2026-03-02"},
		{"27 January: a Friday", "NW", berlin("2026-01-27 09:00"), false, "2026-02-27"},
		{"leap year, 31 January", "NW", berlin("2024-01-31 09:00"), false, "2024-02-29"},
		{"leap year, 29 January", "NW", berlin("2024-01-29 09:00"), false, "2024-02-29"},
		{"leap day: Good Friday, Easter", "NW", berlin("2024-02-29 09:00"), false, "2024-04-02"},
		{"not a leap year, 29 January", "NW", berlin("2025-01-29 09:00"), false, "2025-02-28"},
		{"Good Friday and Easter Monday", "NW", berlin("2026-03-03 09:00"), false, "2026-04-07"},
		{"Ascension Day", "NW", berlin("2026-04-14 09:00"), false, "2026-05-15"},
		{"Whit Monday", "BE", berlin("2026-04-25 09:00"), false, "2026-05-26"},
		{"Corpus Christi in NRW", "NW", berlin("2026-05-04 09:00"), false, "2026-06-05"},
		{"no Corpus Christi in Hamburg", "HH", berlin("2026-05-04 09:00"), false, "2026-06-04"},
		{"All Saints' on a Sunday", "NW", berlin("2026-10-01 09:00"), false, "2026-11-02"},
		{"Christmas and the weekend", "NW", berlin("2026-11-25 09:00"), false, "2026-12-28"},
		{"New Year and the weekend", "NW", berlin("2026-12-01 09:00"), false, "2027-01-04"},
		{"Epiphany in Bavaria", "BY", berlin("2026-12-06 09:00"), false, "2027-01-07"},
		{"no Epiphany in NRW", "NW", berlin("2026-12-06 09:00"), false, "2027-01-06"},
		{"Women's Day in Berlin", "BE", berlin("2027-02-08 09:00"), false, "2027-03-09"},
		{"no Women's Day in NRW", "NW", berlin("2027-02-08 09:00"), false, "2027-03-08"},
		{"Children's Day in Thuringia", "TH", berlin("2027-08-20 09:00"), false, "2027-09-21"},
		{"no Children's Day in NRW", "NW", berlin("2027-08-20 09:00"), false, "2027-09-20"},
		{"Repentance Day in Saxony", "SN", berlin("2026-10-18 09:00"), false, "2026-11-19"},
		{"no Repentance Day in Bavaria", "BY", berlin("2026-10-18 09:00"), false, "2026-11-18"},
		{"Labour Day and the weekend", "NW", berlin("2026-04-01 09:00"), false, "2026-05-04"},
		{"Unity Day on a Saturday", "NW", berlin("2026-09-03 09:00"), false, "2026-10-05"},
		{"Assumption in Saarland", "SL", berlin("2025-07-15 09:00"), false, "2025-08-18"},
		{"no Assumption in NRW", "NW", berlin("2025-07-15 09:00"), false, "2025-08-15"},
		{"received before midnight in Berlin", "NW", time.Date(2026, 1, 27, 22, 30, 0, 0, time.UTC), false, "2026-02-27"},
		{"received after midnight in Berlin (UTC still the day before)", "NW", time.Date(2026, 1, 27, 23, 30, 0, 0, time.UTC), false, "2026-03-02"},
		{"received in the night the clocks go forward", "NW", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), false, "2026-04-29"},
		{"31 May: 30 June", "NW", berlin("2026-05-31 09:00"), false, "2026-06-30"},
		{"30 June", "NW", berlin("2026-06-30 09:00"), false, "2026-07-30"},
		{"31 July", "NW", berlin("2026-07-31 09:00"), false, "2026-08-31"},
		{"31 March: 30 April", "NW", berlin("2026-03-31 09:00"), false, "2026-04-30"},
		{"31 January 2027: a Sunday at February's end", "NW", berlin("2027-01-31 09:00"), false, "2027-03-01"},
		{"31 January 2028: leap day", "NW", berlin("2028-01-31 09:00"), false, "2028-02-29"},
		{"Good Friday 2027", "NW", berlin("2027-02-26 09:00"), false, "2027-03-30"},
		{"extended: three months", "NW", berlin("2026-01-15 10:00"), true, "2026-04-15"},
		{"extended to 31 October in NRW", "NW", berlin("2025-07-31 09:00"), true, "2025-10-31"},
		{"extended to Reformation Day in Lower Saxony", "NI", berlin("2025-07-31 09:00"), true, "2025-11-03"},
		{"extended over the year's end to February's end", "NW", berlin("2025-11-30 09:00"), true, "2026-03-02"},
		{"extended to Christmas", "NW", berlin("2026-09-25 09:00"), true, "2026-12-28"},
	} {
		p := Period{Calendar: holiday.Calendar{State: c.state}}
		got := p.Due(c.received)
		if c.extended {
			got = p.ExtendedDue(c.received)
		}
		if got.Format(time.DateOnly) != c.want {
			t.Errorf("%s: %s, want %s", c.name, got.Format(time.DateOnly), c.want)
		}
	}
	// A municipality's own holiday, as an extra day of the calendar.
	p := Period{Calendar: holiday.Calendar{State: "BY", Extra: []time.Time{holiday.Day(2025, 8, 15)}}}
	if got := p.Due(berlin("2025-07-15 09:00")); got.Format(time.DateOnly) != "2025-08-18" {
		t.Errorf("Assumption in a Catholic Bavarian municipality: %s", got.Format(time.DateOnly))
	}
}

// TestExtendAndReject: an extension needs reasons and must be told within
// the first month (its shifted last day still counts), once; a rejection
// needs a reason; a closed request takes neither.
func TestExtendAndReject(t *testing.T) {
	p := Period{Calendar: holiday.Calendar{State: "NW"}}
	received := berlin("2026-01-15 10:00")
	fresh := func() *Request {
		return &Request{Kind: Access, Channel: Email, Received: received, State: Verified, Identity: IdentityVerified, Due: p.Due(received)}
	}
	for _, c := range []struct {
		name    string
		reasons string
		told    time.Time
		prepare func(*Request)
		code    string
		key     string
	}{
		{"told on the shifted last day", "Umfang der Daten in drei Systemen", berlin("2026-02-16 17:00"), nil, "", ""},
		{"told on the Sunday before", "viele Anträge", berlin("2026-02-15 12:00"), nil, "", ""},
		{"told the day after", "viele Anträge", berlin("2026-02-17 08:00"), nil, gdpr.EINVALID, "request.extend.late"},
		{"told before it came in", "viele Anträge", berlin("2026-01-14 08:00"), nil, gdpr.EINVALID, "request.extend.early"},
		{"no reasons", "  ", berlin("2026-02-01 08:00"), nil, gdpr.EINVALID, "request.extend.noreason"},
		{"extended before", "noch einmal", berlin("2026-02-01 08:00"), func(r *Request) { r.Extension = &Extension{} }, gdpr.ECONFLICT, "request.extended.twice"},
		{"answered", "zu spät", berlin("2026-02-01 08:00"), func(r *Request) { r.State = Answered }, gdpr.ECONFLICT, "request.closed"},
	} {
		r := fresh()
		if c.prepare != nil {
			c.prepare(r)
		}
		ext, err := p.Extend(r, c.reasons, c.told, "E-Mail")
		var ge *gdpr.Error
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.code == "" && ext.Due.Format(time.DateOnly) != "2026-04-15":
			t.Errorf("%s: extended to %s", c.name, ext.Due.Format(time.DateOnly))
		case c.code != "" && (!asGdpr(err, &ge) || ge.Code != c.code || ge.Key != c.key):
			t.Errorf("%s: %v, want %s %s", c.name, err, c.code, c.key)
		}
	}
	r := fresh()
	if err := r.Reject(""); gdpr.ErrorCode(err) != gdpr.EINVALID {
		t.Errorf("reject without reason: %v", err)
	}
	if err := r.Reject("offenkundig unbegründet (Art. 12(5))"); err != nil {
		t.Errorf("reject: %v", err)
	}
	r.State = Withdrawn
	if err := r.Reject("zu spät"); gdpr.ErrorCode(err) != gdpr.ECONFLICT {
		t.Errorf("reject a withdrawn request: %v", err)
	}
}

func asGdpr(err error, ge **gdpr.Error) bool {
	e, ok := err.(*gdpr.Error)
	*ge = e
	return ok
}

// TestTransitions: the steps the state machine allows; no work and no
// answer before the identity is established.
func TestTransitions(t *testing.T) {
	for _, c := range []struct {
		from     State
		identity Identity
		to       State
		ok       bool
	}{
		{Received, IdentityPending, Verified, false},
		{Received, IdentityConfirmed, Verified, true},
		{Received, IdentityVerified, Verified, true},
		{Received, IdentityVerified, InProgress, false},
		{Received, IdentityPending, Rejected, true},
		{Received, IdentityPending, Withdrawn, true},
		{Received, IdentityPending, Extended, true},
		{Received, IdentityPending, Answered, false},
		{Verified, IdentityVerified, InProgress, true},
		{Verified, IdentityVerified, Answered, true},
		{InProgress, IdentityVerified, Answered, true},
		{InProgress, IdentityVerified, Verified, false},
		{Extended, IdentityPending, Verified, false},
		{Extended, IdentityConfirmed, InProgress, true},
		{Extended, IdentityPending, InProgress, false},
		{Answered, IdentityVerified, InProgress, false},
		{Rejected, IdentityVerified, Answered, false},
		{Withdrawn, IdentityVerified, Received, false},
		{InProgress, IdentityVerified, InProgress, false},
	} {
		r := &Request{State: c.from, Identity: c.identity}
		if err := r.Transition(c.to); (err == nil) != c.ok {
			t.Errorf("%s (%s) -> %s: %v", c.from, c.identity, c.to, err)
		}
	}
}

func TestOverdueAndReminders(t *testing.T) {
	last := day("2026-02-16")
	if Overdue(last, berlin("2026-02-16 23:59")) || !Overdue(last, berlin("2026-02-17 00:00")) {
		t.Error("overdue at the end of the last day in Berlin")
	}
	// 23:30 UTC on the last day is already the next day in Berlin.
	if !Overdue(last, time.Date(2026, 2, 16, 23, 30, 0, 0, time.UTC)) {
		t.Error("overdue by Berlin's clock, not UTC's")
	}
	if n := DaysLeft(last, berlin("2026-02-09 08:00")); n != 7 {
		t.Errorf("days left: %d", n)
	}
	if n := DaysLeft(last, berlin("2026-02-18 08:00")); n != -2 {
		t.Errorf("days left after: %d", n)
	}
	got := Reminders(last, []int{7, 3, 1, 3}, berlin("2026-02-10 08:00"))
	if len(got) != 2 || got[0].Format(time.DateOnly) != "2026-02-13" || got[1].Format(time.DateOnly) != "2026-02-15" {
		t.Errorf("reminders: %v", got)
	}
}

func TestValidate(t *testing.T) {
	ok := Request{Kind: Erasure, Channel: Portal, Received: berlin("2026-01-15 10:00")}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
	for _, r := range []Request{{Kind: "forget", Channel: Portal, Received: ok.Received}, {Kind: Erasure, Channel: "fax", Received: ok.Received}, {Kind: Erasure, Channel: Portal}} {
		if err := r.Validate(); gdpr.ErrorCode(err) != gdpr.EINVALID {
			t.Errorf("%+v: %v", r, err)
		}
	}
	for _, k := range Kinds {
		if k.Article() == "" {
			t.Errorf("%s has no article", k)
		}
	}
}

// TestMessages: every key the package returns is in the catalogue (the
// test lives here so that the list stays next to the code).
func TestMessages(t *testing.T) {
	for _, k := range []string{"request.same", "request.step", "request.identity.unknown", "request.closed", "request.extended.twice",
		"request.extend.noreason", "request.extend.late", "request.extend.early", "request.reject.noreason", "request.kind", "request.channel", "request.noreceived"} {
		if !locale.Has(k) {
			t.Errorf("no catalogue entry %q", k)
		}
	}
	for _, s := range holiday.States {
		for _, h := range holiday.Of(s, 2026) {
			if !locale.Has("holiday." + h.Key) {
				t.Errorf("no catalogue entry holiday.%s", h.Key)
			}
		}
	}
}
