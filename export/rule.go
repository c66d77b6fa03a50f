package export

import (
	"fmt"
	"strings"

	"gdpr/locale"
	"gdpr/period"
	"gdpr/retention"
)

// RuleText describes a retention rule in words: "30 Tage nach Erhebung",
// "8 Jahre ab Schluss des Kalenderjahres (Entstehen der Unterlage)".
func RuleText(r retention.Rule, lang locale.Lang) string {
	t := func(k string, a ...any) string { return locale.T(lang, k, a...) }
	if r.Combine != "" {
		parts := make([]string, len(r.Branches))
		for i, b := range r.Branches {
			parts[i] = RuleText(b, lang)
		}
		return t("rule."+string(r.Combine), strings.Join(parts, "; "))
	}
	ev := t("event.unknown")
	if r.Event != "" {
		ev = t("event." + string(r.Event))
	}
	var s string
	switch {
	case r.Period == nil:
		return t("rule.none")
	case r.Anchor == retention.AnchorYearEnd:
		s = t("rule.year_end", PeriodText(*r.Period, lang), ev)
	case r.Anchor == retention.AnchorMonthEnd:
		s = t("rule.month_end", PeriodText(*r.Period, lang), ev)
	case r.Event == "":
		s = t("rule.nostart", PeriodText(*r.Period, lang))
	case r.Period.IsZero():
		s = t("rule.on", ev)
	default:
		s = t("rule.after", PeriodText(*r.Period, lang), ev)
	}
	if r.Action != "" && r.Action != retention.Delete {
		s += ", " + t("action."+string(r.Action))
	}
	if r.Condition != "" {
		cond := r.Condition
		if locale.Has("condition." + cond) {
			cond = t("condition." + cond)
		}
		s += " (" + t("rule.condition", cond) + ")"
	}
	return s
}

// PeriodText writes a period in words: "1 Jahr und 6 Monate".
func PeriodText(p period.Period, lang locale.Lang) string {
	var parts []string
	for _, u := range []struct {
		n    int
		unit string
	}{{p.Years, "Y"}, {p.Months, "M"}, {p.Weeks, "W"}, {p.Days, "D"}, {p.Hours, "H"}} {
		if u.n == 0 {
			continue
		}
		form := "n"
		if u.n == 1 {
			form = "1"
		}
		parts = append(parts, locale.T(lang, fmt.Sprintf("unit.%s.%s", u.unit, form), u.n))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, locale.T(lang, "rule.and"))
}

// Complete reports whether a rule says all the engine needs to apply it:
// every leaf a period and the event it runs from (a period of zero, "on
// the event", needs the event too).
func Complete(r retention.Rule) bool {
	if r.Combine != "" {
		if len(r.Branches) == 0 {
			return false
		}
		for _, b := range r.Branches {
			if !Complete(b) {
				return false
			}
		}
		return true
	}
	return r.Period != nil && r.Event != ""
}
