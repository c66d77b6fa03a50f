package holiday

import (
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	// Dates as the churches publish them.
	for y, want := range map[int]string{2000: "2000-04-23", 2008: "2008-03-23", 2011: "2011-04-24", 2019: "2019-04-21", 2024: "2024-03-31",
		2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25", 2285: "2285-03-22"} {
		if got := Easter(y).Format(time.DateOnly); got != want {
			t.Errorf("Easter %d: %s, want %s", y, got, want)
		}
	}
}

func TestHolidays(t *testing.T) {
	for _, c := range []struct {
		state State
		day   string
		key   string // "" for no holiday
	}{
		{"NW", "2026-04-03", "karfreitag"},
		{"NW", "2026-04-06", "ostermontag"},
		{"NW", "2026-05-14", "himmelfahrt"},
		{"NW", "2026-05-25", "pfingstmontag"},
		{"NW", "2026-06-04", "fronleichnam"},
		{"NW", "2026-11-01", "allerheiligen"},
		{"NW", "2026-10-31", ""},
		{"NI", "2026-10-31", "reformation"},
		{"NI", "2017-10-31", "reformation"},
		{"NI", "2016-10-31", ""},
		{"NW", "2017-10-31", "reformation"},
		{"HH", "2026-06-04", ""},
		{"BY", "2026-01-06", "drei_koenige"},
		{"HE", "2026-01-06", ""},
		{"BY", "2026-08-15", ""}, // only Catholic municipalities: an extra day
		{"SL", "2026-08-15", "mariae_himmelfahrt"},
		{"BE", "2026-03-08", "frauentag"},
		{"BE", "2018-03-08", ""},
		{"MV", "2023-03-08", "frauentag"},
		{"MV", "2022-03-08", ""},
		{"BE", "2025-05-08", "befreiung"},
		{"BE", "2026-05-08", ""},
		{"TH", "2026-09-20", "weltkindertag"},
		{"SN", "2024-11-20", "buss_und_bettag"},
		{"SN", "2025-11-19", "buss_und_bettag"},
		{"SN", "2026-11-18", "buss_und_bettag"},
		{"BY", "2026-11-18", ""},
		{"BB", "2026-04-05", "ostersonntag"},
		{"NW", "2026-12-24", ""},
		{"NW", "2026-12-26", "weihnachten2"},
		{"", "2026-10-03", "einheit"},
	} {
		d, _ := time.Parse(time.DateOnly, c.day)
		h, ok := Calendar{State: c.state}.Holiday(d)
		if c.key == "" && ok || c.key != "" && h.Key != c.key {
			t.Errorf("%s %s: %q %v, want %q", c.state, c.day, h.Key, ok, c.key)
		}
	}
	extra := Calendar{State: "BY", Extra: []time.Time{Day(2026, 8, 15)}}
	if extra.WorkingDay(Day(2026, 8, 14)) != true || extra.OnWorkingDay(Day(2026, 8, 15)) != Day(2026, 8, 17) {
		t.Error("the extra day of a Bavarian municipality")
	}
	for _, s := range States {
		if !s.Valid() {
			t.Errorf("%s", s)
		}
	}
	if State("XX").Valid() || len(States) != 16 {
		t.Error("states")
	}
}
