package consent

import (
	"slices"
	"time"

	"gdpr"
	"gdpr/retention"
)

// keepEvents are the events a keep rule may run from: the withdrawal,
// the account's closing, the sign-up.
var keepEvents = []retention.Event{retention.ConsentWithdrawn, retention.AccountClosed, retention.Signup}

// KeepRule reads a purpose's keep rule ("3 Jahre nach Ende des Jahres des
// Widerrufs", "solange der Account besteht") with the retention parser:
// one rule, from an event the ledger knows. An empty text keeps the
// evidence for ever (nothing is erased by itself).
func KeepRule(text string) (*retention.Rule, error) {
	if text == "" {
		return nil, nil
	}
	res := retention.Parse(text, retention.Context{Topic: "consent"})
	if len(res.Rules) != 1 {
		return nil, gdpr.Keyed(gdpr.EINVALID, "keep", "consent.keep.rule", text)
	}
	r := res.Rules[0]
	for _, leaf := range r.Leaves() {
		if !slices.Contains(keepEvents, leaf.Event) {
			return nil, gdpr.Keyed(gdpr.EINVALID, "keep", "consent.keep.event", text)
		}
	}
	return &r, nil
}

// EvidenceEnd is the last day a person's evidence for a purpose is kept
// by its rule: from the last withdrawal, the account's closing, the first
// sign-up, as the rule says. ok false while the rule cannot end yet (the
// consent is in use, or its event has not happened). today is the
// caller's clock's.
func EvidenceEnd(rule *retention.Rule, p Purpose, events []Event, today time.Time) (time.Time, bool) {
	if rule == nil {
		return time.Time{}, false
	}
	st := Fold(events)
	// Once the account is closed its consents are used no more.
	if (st.Active || st.Pending) && p.Closed == nil {
		return time.Time{}, false
	}
	ev := map[retention.Event]time.Time{}
	for _, e := range events {
		switch e.Kind {
		case Withdrawn:
			ev[retention.ConsentWithdrawn] = e.At
		case Given, Imported:
			if _, ok := ev[retention.Signup]; !ok {
				ev[retention.Signup] = e.At
			}
		}
	}
	if p.Closed != nil {
		ev[retention.AccountClosed] = *p.Closed
	}
	o := retention.Evaluate(*rule, ev, nil, today)
	return o.End, o.Known
}
