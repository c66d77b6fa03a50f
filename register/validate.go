package register

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gdpr"
	"gdpr/holiday"
)

// Normalize fills defaults that are not guesses: the role of an activity is
// controller unless stated, a new entry is a draft.
func (a *Activity) Normalize() {
	if a.Role == "" {
		a.Role = RoleController
	}
	if a.Status == "" {
		a.Status = StatusDraft
	}
}

// Validate checks the structural rules an activity must meet to be stored.
// Missing Art. 30 content is not a validation error: a register in progress
// may be incomplete, the lint reports it. Returns an EINVALID *gdpr.Error
// naming the field.
func (a *Activity) Validate() error {
	if ps := a.Problems(); len(ps) > 0 {
		return ps[0]
	}
	return nil
}

// Problems returns every structural problem of the activity, each an
// EINVALID *gdpr.Error naming its field, in field order: a form shows
// them all at once. Validate returns the first.
func (a *Activity) Problems() []*gdpr.Error {
	var out []*gdpr.Error
	add := func(field, key string, args ...any) {
		out = append(out, gdpr.Keyed(gdpr.EINVALID, field, key, args...))
	}
	if strings.TrimSpace(a.Name) == "" {
		add("name", "invalid.noname", a.ID)
	}
	if !ValidID(a.ID) {
		add("id", "invalid.id", a.ID)
	}
	if a.Role != "" && a.Role != RoleController && a.Role != RoleProcessor {
		add("role", "invalid.role", a.Role)
	}
	if a.Status != "" && !slices.Contains(Statuses, a.Status) {
		add("status", "invalid.status", a.Status, joinAny(Statuses))
	}
	for i, r := range a.Recipients.Items {
		if strings.TrimSpace(r.Name) == "" {
			add(fmt.Sprintf("recipients[%d].name", i), "invalid.recipient")
		}
		if r.Kind != "" && !slices.Contains(RecipientKinds, r.Kind) {
			add(fmt.Sprintf("recipients[%d].kind", i), "invalid.kind", r.Kind)
		}
	}
	for i, t := range a.ThirdCountryTransfers.Items {
		if strings.TrimSpace(t.Country) == "" {
			add(fmt.Sprintf("third_country_transfers[%d].country", i), "invalid.country")
		}
	}
	for i, r := range a.Retention {
		if strings.TrimSpace(r.Text) == "" {
			add(fmt.Sprintf("retention[%d].text", i), "invalid.retention")
		}
		if r.Rule != nil {
			if err := r.Rule.Validate(); err != nil {
				add(fmt.Sprintf("retention[%d].rule", i), "invalid.rule", err)
			}
		}
	}
	if a.DPIA != nil && !slices.Contains([]Tristate{Yes, No, Unknown}, a.DPIA.Required) {
		add("dpia.required", "invalid.dpia", a.DPIA.Required)
	}
	return out
}

var (
	emailForm = regexp.MustCompile(`^[^\s@<>()\[\],;:"]+@[^\s@<>()\[\],;:"]+\.[^\s@<>()\[\],;:".]{2,}$`)
	phoneForm = regexp.MustCompile(`^\+?[0-9 ()/.\-–]+(\s*(ext\.?|Durchwahl|DW|x)\s*[0-9]+)?$`)
)

// ValidEmail reports whether s has the form of an e-mail address
// (local@domain.tld, no spaces): what a form can check without sending.
func ValidEmail(s string) bool { return emailForm.MatchString(strings.TrimSpace(s)) }

// ValidPhone reports whether s has the form of a telephone number: digits
// with the usual separators (+49 5251 123-45, 05251/12345, (0521) 1 23),
// at least five digits.
func ValidPhone(s string) bool {
	s = strings.TrimSpace(s)
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits >= 5 && phoneForm.MatchString(s)
}

// Normalize fills defaults: a measure is in force (approved) unless stated.
func (m *Measure) Normalize() {
	if m.Status == "" {
		m.Status = StatusApproved
	}
}

// Validate checks the structural rules of a measure. Returns an EINVALID
// *gdpr.Error naming the field.
func (m *Measure) Validate() error {
	if !ValidID(m.ID) {
		return gdpr.Keyed(gdpr.EINVALID, "id", "invalid.id", m.ID)
	}
	if strings.TrimSpace(m.Title) == "" {
		return gdpr.Keyed(gdpr.EINVALID, "title", "invalid.notitle", m.ID)
	}
	if m.Category != "" && !slices.Contains(Categories, m.Category) {
		return gdpr.Keyed(gdpr.EINVALID, "category", "invalid.category", m.Category, joinAny(Categories))
	}
	if m.LegacyControl != "" && !slices.Contains(LegacyControls, m.LegacyControl) {
		return gdpr.Keyed(gdpr.EINVALID, "legacy_control", "invalid.legacy", m.LegacyControl, joinAny(LegacyControls))
	}
	if m.Status != "" && !slices.Contains(Statuses, m.Status) {
		return gdpr.Keyed(gdpr.EINVALID, "status", "invalid.status", m.Status, joinAny(Statuses))
	}
	return nil
}

// Validate checks the controller block. Returns an EINVALID *gdpr.Error.
func (c *Controller) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return gdpr.Keyed(gdpr.EINVALID, "controller.name", "invalid.controller")
	}
	if c.State != "" && !holiday.State(c.State).Valid() {
		return gdpr.Keyed(gdpr.EINVALID, "controller.state", "invalid.state", c.State, joinAny(holiday.States))
	}
	return nil
}

// Calendar is the controller's working days: its Land's holidays and its
// local ones.
func (c *Controller) Calendar() holiday.Calendar {
	if c == nil {
		return holiday.Calendar{}
	}
	cal := holiday.Calendar{State: holiday.State(c.State)}
	for _, d := range c.Holidays {
		cal.Extra = append(cal.Extra, holiday.Day(d.Year, d.Month, d.Day))
	}
	return cal
}

// Validate checks every entry and that ids are unique within the register.
// The error names the entry and field.
func (r *Register) Validate() error {
	if r.Controller != nil {
		if err := r.Controller.Validate(); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i, a := range r.Activities {
		if a == nil {
			return gdpr.Keyed(gdpr.EINVALID, fmt.Sprintf("activities[%d]", i), "invalid.empty")
		}
		if err := a.Validate(); err != nil {
			return prefixField(fmt.Sprintf("activities[%d]", i), err)
		}
		if seen[a.ID] {
			return gdpr.Keyed(gdpr.EINVALID, fmt.Sprintf("activities[%d].id", i), "invalid.dup.activity", a.ID)
		}
		seen[a.ID] = true
	}
	seen = map[string]bool{}
	for i, m := range r.TOMs {
		if m == nil {
			return gdpr.Keyed(gdpr.EINVALID, fmt.Sprintf("toms[%d]", i), "invalid.empty")
		}
		if err := m.Validate(); err != nil {
			return prefixField(fmt.Sprintf("toms[%d]", i), err)
		}
		if seen[m.ID] {
			return gdpr.Keyed(gdpr.EINVALID, fmt.Sprintf("toms[%d].id", i), "invalid.dup.measure", m.ID)
		}
		seen[m.ID] = true
	}
	seen = map[string]bool{}
	for i, d := range r.Documents {
		if d == nil || !ValidID(d.ID) || strings.TrimSpace(d.Title) == "" {
			return gdpr.Keyed(gdpr.EINVALID, fmt.Sprintf("documents[%d]", i), "invalid.document")
		}
		if seen[d.ID] {
			return gdpr.Keyed(gdpr.EINVALID, fmt.Sprintf("documents[%d].id", i), "invalid.dup.document", d.ID)
		}
		seen[d.ID] = true
	}
	seen = map[string]bool{}
	for i, x := range r.Systems {
		if x == nil {
			return gdpr.Keyed(gdpr.EINVALID, fmt.Sprintf("systems[%d]", i), "invalid.empty")
		}
		if err := x.Validate(); err != nil {
			return prefixField(fmt.Sprintf("systems[%d]", i), err)
		}
		if seen[x.ID] {
			return gdpr.Keyed(gdpr.EINVALID, fmt.Sprintf("systems[%d].id", i), "invalid.dup.system", x.ID)
		}
		seen[x.ID] = true
	}
	return nil
}

func prefixField(prefix string, err error) error {
	if e, ok := err.(*gdpr.Error); ok {
		c := *e
		c.Field = prefix + "." + c.Field
		return &c
	}
	return err
}

func joinAny[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
