package retention

import (
	"slices"
	"strings"

	"gdpr/period"
)

// Item is a labelled retention statement of the register (an activity and
// its data category) with the rules it yielded.
type Item struct {
	Label string
	Rules []Rule
}

// Matrix is the deletion-class matrix of DIN 66398: rows are the standard
// periods in use, columns the start types (event and anchor), cells the
// labels of the data kept that way. A deletion class (Löschklasse) is one
// occupied cell.
type Matrix struct {
	Periods []period.Period
	Starts  []Start
	Cells   map[Start]map[period.Period][]string
}

// Start is a start type: an event with its anchor. The empty event stands
// for statements that name none.
type Start struct {
	Event  Event
	Anchor Anchor
}

// Classes builds the matrix from the register's statements; combined rules
// contribute every branch.
func Classes(items []Item) Matrix {
	m := Matrix{Cells: map[Start]map[period.Period][]string{}}
	for _, it := range items {
		for _, r := range it.Rules {
			for _, l := range r.Leaves() {
				if l.Period == nil {
					continue
				}
				st := Start{l.Event, l.Anchor}
				if m.Cells[st] == nil {
					m.Cells[st] = map[period.Period][]string{}
					m.Starts = append(m.Starts, st)
				}
				if !slices.Contains(m.Periods, *l.Period) {
					m.Periods = append(m.Periods, *l.Period)
				}
				if !slices.Contains(m.Cells[st][*l.Period], it.Label) {
					m.Cells[st][*l.Period] = append(m.Cells[st][*l.Period], it.Label)
				}
			}
		}
	}
	slices.SortFunc(m.Periods, func(a, b period.Period) int { return approxHours(a) - approxHours(b) })
	order := map[Event]int{}
	for i, e := range Events {
		order[e.Event] = i + 1
	}
	slices.SortFunc(m.Starts, func(a, b Start) int {
		if d := order[a.Event] - order[b.Event]; d != 0 {
			return d
		}
		return strings.Compare(string(a.Anchor), string(b.Anchor))
	})
	return m
}

// approxHours orders periods by length (months as 30 days, years as 365).
func approxHours(p period.Period) int {
	return ((p.Years*365+p.Months*30+p.Weeks*7+p.Days)*24 + p.Hours)
}
