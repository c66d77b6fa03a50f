package export

import (
	"strconv"

	"gdpr/locale"
	"gdpr/retention"
)

// RuleView is a rule with its description in words.
type RuleView struct {
	retention.Rule
	Description string `json:"description"`
}

// WarningView is a parser warning with its message.
type WarningView struct {
	retention.Warning
	Message string `json:"message"`
}

// RetentionView is a parsed statement as `gdpr retention parse --format
// json` and the API show it.
type RetentionView struct {
	Text       string        `json:"text"`
	Rules      []RuleView    `json:"rules"`
	Warnings   []WarningView `json:"warnings"`
	Confidence float64       `json:"confidence"`
}

// DescribeRetention adds descriptions and messages in lang.
func DescribeRetention(res retention.Result, lang locale.Lang) RetentionView {
	v := RetentionView{Text: res.Text, Rules: []RuleView{}, Warnings: []WarningView{}, Confidence: res.Confidence}
	for _, r := range res.Rules {
		v.Rules = append(v.Rules, RuleView{Rule: r, Description: RuleText(r, lang)})
	}
	for _, w := range res.Warnings {
		args := []any{res.Text}
		for _, a := range w.Args {
			args = append(args, a)
		}
		v.Warnings = append(v.Warnings, WarningView{Warning: w, Message: locale.T(lang, "finding.retention-"+w.Code, args...)})
	}
	return v
}

// Class is one deletion class (Löschklasse): an occupied cell of the matrix.
type Class struct {
	ID      string   `json:"id"`
	Period  string   `json:"period"`
	Event   string   `json:"event,omitempty"`
	Anchor  string   `json:"anchor,omitempty"`
	Rule    string   `json:"rule"`
	Entries []string `json:"entries"`
}

// ClassesView is the deletion-class matrix: periods as rows, start types as
// columns, classes numbered row by row ("L1", "L2", ...).
type ClassesView struct {
	Periods []string   `json:"periods"`
	Starts  []string   `json:"starts"`
	Grid    [][]string `json:"grid"` // [period][start] class id or ""
	Classes []Class    `json:"classes"`
}

// DescribeClasses numbers the classes of a matrix and names its axes in lang.
func DescribeClasses(m retention.Matrix, lang locale.Lang) ClassesView {
	v := ClassesView{Periods: []string{}, Starts: []string{}, Grid: [][]string{}, Classes: []Class{}}
	for _, st := range m.Starts {
		r := retention.Rule{Event: st.Event, Anchor: st.Anchor}
		name := locale.T(lang, "event.unknown")
		if st.Event != "" {
			name = locale.T(lang, "event."+string(st.Event))
		}
		if st.Anchor != "" {
			name += " (" + string(r.Anchor) + ")"
		}
		v.Starts = append(v.Starts, name)
	}
	for _, p := range m.Periods {
		v.Periods = append(v.Periods, PeriodText(p, lang))
		row := make([]string, len(m.Starts))
		for j, st := range m.Starts {
			entries := m.Cells[st][p]
			if len(entries) == 0 {
				continue
			}
			id := "L" + strconv.Itoa(len(v.Classes)+1)
			row[j] = id
			pp := p
			v.Classes = append(v.Classes, Class{ID: id, Period: p.String(), Event: string(st.Event), Anchor: string(st.Anchor),
				Rule: RuleText(retention.Rule{Event: st.Event, Anchor: st.Anchor, Period: &pp}, lang), Entries: entries})
		}
		v.Grid = append(v.Grid, row)
	}
	return v
}
