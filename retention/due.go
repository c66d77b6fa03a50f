package retention

import (
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Berlin also where the system has no zone database
)

// Berlin is the zone in which German periods are counted. The zone database
// is embedded, so this works on minimal systems too.
var Berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("retention: time zone %s: %v", name, err))
	}
	return loc
}

// Day returns midnight of a calendar day in Europe/Berlin.
func Day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, Berlin) }

// Hold is a legal hold (Löschsperre): while active it suspends deletion of
// a record whatever its rule says.
type Hold struct {
	Reason string     `json:"reason"`
	Owner  string     `json:"owner"`
	Until  *time.Time `json:"until,omitempty"` // nil: until lifted
}

// Active reports whether the hold suspends deletion on day.
func (h Hold) Active(day time.Time) bool { return h.Until == nil || !h.Until.Before(day) }

// Outcome is the evaluation of a rule for one record.
type Outcome struct {
	// End is the last day the data may be kept (Europe/Berlin), when known.
	End   time.Time
	Known bool
	// Latest is set when End is only the latest possible end: for
	// "whichever comes first", a branch whose event is still pending (see
	// Pending) may end earlier.
	Latest bool
	// Pending lists the events whose dates are needed but unknown.
	Pending []Event
	// NoStart is true when a needed branch names no start event at all.
	NoStart bool
	// HeldBy is the active hold that suspends deletion, if any.
	HeldBy *Hold
}

// End computes the last day of retention of a leaf for an event that took
// place at t: the event day does not count (§ 187(1) BGB); a period of days
// or weeks ends with its last day, one of months or years on the day with
// the event's number, or the month's last day when it has none (§ 188(2),
// (3) BGB); with a year-end or month-end anchor the period starts with the
// end of that year or month (§ 147(4) AO, § 257(5) HGB). Hours count from
// the moment itself; a date without time is taken as its midnight.
func (r Rule) end(t time.Time) time.Time {
	t = t.In(Berlin)
	y, m, d := t.Date()
	start := t
	switch r.Anchor {
	case AnchorYearEnd:
		start = Day(y, 12, 31)
	case AnchorMonthEnd:
		start = Day(y, m+1, 0)
	default:
		if r.Period == nil || r.Period.Hours == 0 {
			start = Day(y, m, d)
		}
	}
	e := r.Period.AddTo(start)
	ey, em, ed := e.Date()
	return Day(ey, em, ed)
}

// Evaluate computes the end of retention of r for a record whose events
// happened at the given times. For "first", the earliest end among the
// branches whose events are known counts (if one is known, the data must
// go then at the latest); for "last", all branches must be known. An active
// hold on today suspends deletion.
func Evaluate(r Rule, events map[Event]time.Time, holds []Hold, today time.Time) Outcome {
	o := evaluate(r, events)
	for i := range holds {
		if holds[i].Active(today) {
			o.HeldBy = &holds[i]
			break
		}
	}
	return o
}

func evaluate(r Rule, events map[Event]time.Time) Outcome {
	if r.Combine == "" {
		if r.Event == "" {
			return Outcome{NoStart: true}
		}
		t, ok := events[r.Event]
		if !ok {
			return Outcome{Pending: []Event{r.Event}}
		}
		return Outcome{End: r.end(t), Known: true}
	}
	var pending Outcome
	var end time.Time
	known, latest := 0, false
	for _, b := range r.Branches {
		o := evaluate(b, events)
		if !o.Known {
			pending.Pending = appendNew(pending.Pending, o.Pending...)
			pending.NoStart = pending.NoStart || o.NoStart
			continue
		}
		known++
		latest = latest || o.Latest
		pending.Pending = appendNew(pending.Pending, o.Pending...)
		if known == 1 || r.Combine == First && o.End.Before(end) || r.Combine == Last && o.End.After(end) {
			end = o.End
		}
	}
	if r.Combine == First && known > 0 {
		// The earliest known end is the latest the data may stay: a
		// pending branch can only bring the end forward.
		return Outcome{End: end, Known: true, Latest: latest || len(pending.Pending) > 0 || pending.NoStart, Pending: pending.Pending}
	}
	if r.Combine == Last && known == len(r.Branches) {
		return Outcome{End: end, Known: true, Latest: latest, Pending: pending.Pending}
	}
	return pending
}

func appendNew(xs []Event, ys ...Event) []Event {
	for _, y := range ys {
		found := false
		for _, x := range xs {
			found = found || x == y
		}
		if !found {
			xs = append(xs, y)
		}
	}
	return xs
}

// DueError says why a statement yields no end of retention.
type DueError struct {
	Reason string
	// Key names the case for the message catalogue ("due.noperiod",
	// "due.notrule" with the warning code, "due.many" with the number of
	// rules, "due.nostart"); Arg is its argument.
	Key string
	Arg any
}

func (e *DueError) Error() string { return e.Reason }

// Due evaluates a parsed statement for one record: it needs exactly one rule
// with start events. Missing event dates are not an error: they come back
// as Pending.
func Due(res Result, events map[Event]time.Time, holds []Hold, today time.Time) (Outcome, error) {
	switch len(res.Rules) {
	case 0:
		if len(res.Warnings) > 0 {
			return Outcome{}, &DueError{Reason: "the statement is not an executable rule (" + res.Warnings[0].Code + ")", Key: "due.notrule", Arg: res.Warnings[0].Code}
		}
		return Outcome{}, &DueError{Reason: "the statement names no period", Key: "due.noperiod"}
	case 1:
	default:
		return Outcome{}, &DueError{Reason: fmt.Sprintf("the statement holds %d rules; give one per data type (DIN 66398)", len(res.Rules)), Key: "due.many", Arg: len(res.Rules)}
	}
	o := Evaluate(res.Rules[0], events, holds, today)
	if !o.Known && o.NoStart && len(o.Pending) == 0 {
		return o, &DueError{Reason: "the statement names no start event (from when does the period run?)", Key: "due.nostart"}
	}
	return o, nil
}

// ParseEventDate reads an event's date (2024-03-15, 15.03.2024) or time
// (2024-03-15T10:30) in Europe/Berlin.
func ParseEventDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "02.01.2006", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, Berlin); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q (want YYYY-MM-DD, DD.MM.YYYY or YYYY-MM-DDTHH:MM)", s)
}

// Cutoff is a rule turned into moments: a record is due (its retention
// has ended) on a day when its event happened before Before; for a
// combined rule, when any branch is due ("first") or every branch is
// ("last"). A record whose event is unknown (pending) is not due by that
// branch. Sweeps turn it into a condition on rows.
type Cutoff struct {
	Event    Event      `json:"event,omitempty"`
	Before   time.Time  `json:"before,omitzero"`
	Combine  Combinator `json:"combine,omitempty"`
	Branches []Cutoff   `json:"branches,omitempty"`
}

// DueBefore computes the cutoff of r on today (a moment of that day in
// Europe/Berlin): exactly the records Evaluate gives an End before today,
// by the same arithmetic. End grows with the event's moment, so the
// cutoff is found by bisection: over days for periods of days and longer
// (the event's time of day does not count), over seconds for periods
// with hours.
func DueBefore(r Rule, today time.Time) (Cutoff, error) {
	if r.Combine != "" {
		c := Cutoff{Combine: r.Combine}
		for _, b := range r.Branches {
			bc, err := DueBefore(b, today)
			if err != nil {
				return Cutoff{}, err
			}
			c.Branches = append(c.Branches, bc)
		}
		if len(c.Branches) == 0 {
			return Cutoff{}, fmt.Errorf("a combined rule without branches")
		}
		return c, nil
	}
	if r.Event == "" {
		return Cutoff{}, &DueError{Reason: "the rule names no start event", Key: "due.nostart"}
	}
	if r.Period == nil {
		return Cutoff{}, &DueError{Reason: "the rule names no period", Key: "due.noperiod"}
	}
	y, m, d := today.In(Berlin).Date()
	day := Day(y, m, d)
	due := func(t time.Time) bool { return r.end(t).Before(day) }
	if r.Period.Hours == 0 || r.Anchor != AnchorDay {
		// The largest day whose records are due; the cutoff is the
		// midnight after it. Records of 300 years ago are due under any
		// period a register states; today's never are.
		lo, hi := -300*366, 0 // days from today: due(lo), not due(hi)
		if !due(day.AddDate(0, 0, lo)) {
			return Cutoff{Event: r.Event, Before: day.AddDate(0, 0, lo)}, nil
		}
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if due(day.AddDate(0, 0, mid)) {
				lo = mid
			} else {
				hi = mid
			}
		}
		return Cutoff{Event: r.Event, Before: day.AddDate(0, 0, hi)}, nil
	}
	lo, hi := day.AddDate(-300, 0, 0).Unix(), day.Unix()
	if !due(time.Unix(lo, 0)) {
		return Cutoff{Event: r.Event, Before: time.Unix(lo, 0).In(Berlin)}, nil
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if due(time.Unix(mid, 0)) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return Cutoff{Event: r.Event, Before: time.Unix(hi, 0).In(Berlin)}, nil
}

// Due reports whether a record with these event moments is due under c.
func (c Cutoff) Due(events map[Event]time.Time) bool {
	switch c.Combine {
	case First:
		for _, b := range c.Branches {
			if b.Due(events) {
				return true
			}
		}
		return false
	case Last:
		for _, b := range c.Branches {
			if !b.Due(events) {
				return false
			}
		}
		return len(c.Branches) > 0
	}
	t, ok := events[c.Event]
	return ok && t.Before(c.Before)
}
