// Package holiday knows the public holidays of the German Länder: the
// days on which, under Art. 3(4) of Regulation (EEC, Euratom) No 1182/71,
// a deadline does not end (it moves to the next working day). A holiday
// that only some municipalities keep (Fronleichnam in parts of Saxony and
// Thuringia, Mariä Himmelfahrt in Catholic Bavaria, the Augsburger
// Friedensfest) is not the Land's: a controller there adds it to its
// calendar's extra days.
package holiday

import (
	"slices"
	"time"
)

// State is a German Land by its ISO 3166-2 code without "DE-" (NW, BY, …).
type State string

// States lists the Länder in the order of their codes' common listing.
var States = []State{"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"}

// Valid reports whether s is a Land.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Holiday is one public holiday.
type Holiday struct {
	Date time.Time // midnight UTC of the civil date
	Key  string    // the message catalogue's "holiday.<Key>"
}

// Day is the civil date y-m-d as the package counts days: midnight UTC,
// so that adding days never meets a change of summer time.
func Day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Easter is Easter Sunday of year y in the Gregorian calendar (the
// anonymous Gregorian algorithm, valid for every year of it).
func Easter(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Day(y, time.Month(month), day)
}

// Of lists the public holidays of state in year, by date. An unknown
// state has the nationwide ones.
func Of(s State, y int) []Holiday {
	e := Easter(y)
	out := []Holiday{
		{Day(y, 1, 1), "neujahr"},
		{e.AddDate(0, 0, -2), "karfreitag"},
		{e.AddDate(0, 0, 1), "ostermontag"},
		{Day(y, 5, 1), "tag_der_arbeit"},
		{e.AddDate(0, 0, 39), "himmelfahrt"},
		{e.AddDate(0, 0, 50), "pfingstmontag"},
		{Day(y, 10, 3), "einheit"},
		{Day(y, 12, 25), "weihnachten1"},
		{Day(y, 12, 26), "weihnachten2"},
	}
	in := func(states ...State) bool { return slices.Contains(states, s) }
	if in("BW", "BY", "ST") {
		out = append(out, Holiday{Day(y, 1, 6), "drei_koenige"})
	}
	if s == "BE" && y >= 2019 || s == "MV" && y >= 2023 {
		out = append(out, Holiday{Day(y, 3, 8), "frauentag"})
	}
	if s == "BB" {
		// Sundays anyway, named by Brandenburg's law.
		out = append(out, Holiday{e, "ostersonntag"}, Holiday{e.AddDate(0, 0, 49), "pfingstsonntag"})
	}
	if s == "BE" && (y == 2020 || y == 2025) {
		out = append(out, Holiday{Day(y, 5, 8), "befreiung"})
	}
	if in("BW", "BY", "HE", "NW", "RP", "SL") {
		out = append(out, Holiday{e.AddDate(0, 0, 60), "fronleichnam"})
	}
	if s == "SL" {
		out = append(out, Holiday{Day(y, 8, 15), "mariae_himmelfahrt"})
	}
	if s == "TH" && y >= 2019 {
		out = append(out, Holiday{Day(y, 9, 20), "weltkindertag"})
	}
	// Reformationstag: the eastern Länder since 1990, four northern ones
	// since 2018, everywhere in the jubilee year 2017.
	if in("BB", "MV", "SN", "ST", "TH") || in("HB", "HH", "NI", "SH") && y >= 2018 || y == 2017 {
		out = append(out, Holiday{Day(y, 10, 31), "reformation"})
	}
	if in("BW", "BY", "NW", "RP", "SL") {
		out = append(out, Holiday{Day(y, 11, 1), "allerheiligen"})
	}
	if s == "SN" {
		// The Wednesday before 23 November.
		d := Day(y, 11, 22)
		for d.Weekday() != time.Wednesday {
			d = d.AddDate(0, 0, -1)
		}
		out = append(out, Holiday{d, "buss_und_bettag"})
	}
	slices.SortFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// Calendar is the working days of a controller: its Land's holidays and
// the extra days it keeps (a municipality's holiday).
type Calendar struct {
	State State
	Extra []time.Time // civil dates (midnight UTC)
}

// Holiday returns the holiday on day d, if it is one.
func (c Calendar) Holiday(d time.Time) (Holiday, bool) {
	d = Day(d.Date())
	for _, h := range Of(c.State, d.Year()) {
		if h.Date.Equal(d) {
			return h, true
		}
	}
	for _, x := range c.Extra {
		if Day(x.Date()).Equal(d) {
			return Holiday{d, "extra"}, true
		}
	}
	return Holiday{}, false
}

// WorkingDay reports whether d is neither a Saturday, a Sunday nor a
// holiday.
func (c Calendar) WorkingDay(d time.Time) bool {
	if w := d.Weekday(); w == time.Saturday || w == time.Sunday {
		return false
	}
	_, h := c.Holiday(d)
	return !h
}

// OnWorkingDay is d when it is a working day, else the next one.
func (c Calendar) OnWorkingDay(d time.Time) time.Time {
	d = Day(d.Date())
	for !c.WorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}
