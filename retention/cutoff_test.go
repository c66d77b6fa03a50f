package retention_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"gdpr/period"
	"gdpr/retention"
)

// TestDueBeforeEdges: the day before, on and after the end of retention,
// with month-end and year-end anchors and hours.
func TestDueBeforeEdges(t *testing.T) {
	p := func(s string) *period.Period { x := period.MustParse(s); return &x }
	today := time.Date(2026, 12, 3, 15, 0, 0, 0, retention.Berlin)
	for _, tc := range []struct {
		name   string
		rule   retention.Rule
		before time.Time
	}{
		// Ends 2026-12-02 for an event on 2023-12-02: due on 12-03.
		{"3 years after the end of contract", retention.Rule{Event: retention.ContractEnd, Period: p("P3Y")}, retention.Day(2023, 12, 3)},
		// 10 years from the end of the year: documents of 2015 end on
		// 2025-12-31, of 2016 on 2026-12-31.
		{"10 years from year end", retention.Rule{Event: retention.DocumentDate, Anchor: retention.AnchorYearEnd, Period: p("P10Y")}, retention.Day(2016, 1, 1)},
		// One month from month end: October's end on 2026-11-30, November's
		// on 2026-12-31.
		{"a month from month end", retention.Rule{Event: retention.ContractEnd, Anchor: retention.AnchorMonthEnd, Period: p("P1M")}, retention.Day(2026, 11, 1)},
		{"30 days", retention.Rule{Event: retention.Collected, Period: p("P30D")}, retention.Day(2026, 11, 3)},
		// 72 hours from the moment: due when the end's day is before
		// today, i.e. the moment plus 72 hours before today's midnight.
		{"72 hours", retention.Rule{Event: retention.Collected, Period: p("PT72H")}, time.Date(2026, 11, 30, 0, 0, 0, 0, retention.Berlin)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := retention.DueBefore(tc.rule, today)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Before.Equal(tc.before) {
				t.Errorf("before %v, want %v", c.Before, tc.before)
			}
		})
	}
	if _, err := retention.DueBefore(retention.Rule{Period: p("P1Y")}, today); err == nil {
		t.Error("a rule without event")
	}
}

// TestDueBeforeAgreesWithEvaluate: for random rules (periods, anchors,
// first/last of two) and random event moments around the cutoff, a
// record is due by the cutoff exactly when Evaluate ends its retention
// before today.
func TestDueBeforeAgreesWithEvaluate(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 13))
	periods := []string{"P1D", "P30D", "P2W", "P1M", "P6M", "P1Y", "P3Y", "P10Y", "PT24H", "PT36H", "P1DT12H", "P1M15D"}
	anchors := []retention.Anchor{retention.AnchorDay, retention.AnchorMonthEnd, retention.AnchorYearEnd}
	events := []retention.Event{retention.ContractEnd, retention.LastActivity}
	leaf := func(e retention.Event) retention.Rule {
		pp := period.MustParse(periods[r.IntN(len(periods))])
		return retention.Rule{Event: e, Period: &pp, Anchor: anchors[r.IntN(3)]}
	}
	for trial := range 3000 {
		var rule retention.Rule
		switch r.IntN(3) {
		case 0:
			rule = leaf(events[0])
		case 1:
			rule = retention.Rule{Combine: retention.First, Branches: []retention.Rule{leaf(events[0]), leaf(events[1])}}
		default:
			rule = retention.Rule{Combine: retention.Last, Branches: []retention.Rule{leaf(events[0]), leaf(events[1])}}
		}
		today := time.Date(2020+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, retention.Berlin)
		c, err := retention.DueBefore(rule, today)
		if err != nil {
			t.Fatal(err)
		}
		// Event moments near a branch's cutoff (within two days) or far.
		ev := map[retention.Event]time.Time{}
		for i, e := range events {
			if r.IntN(5) == 0 {
				continue // pending
			}
			base := c.Before
			if c.Combine != "" {
				base = c.Branches[i].Before
			}
			ev[e] = base.Add(time.Duration(r.IntN(4*24*3600)-2*24*3600) * time.Second)
		}
		y, m, d := today.Date()
		o := retention.Evaluate(rule, ev, nil, today)
		want := o.Known && o.End.Before(retention.Day(y, m, d))
		if got := c.Due(ev); got != want {
			t.Fatalf("trial %d: rule %+v today %v events %v: cutoff says %v, Evaluate %v (end %v)", trial, rule, today, ev, got, want, o.End)
		}
	}
}
