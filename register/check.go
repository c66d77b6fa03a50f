package register

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gdpr/period"
	"gdpr/retention"
)

// Severity of a finding. Errors make `gdpr check` exit 1.
type Severity string

// Severities, most severe first.
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
	SevInfo    Severity = "info"
)

// Finding is one result of the lint. Code is stable and is also the key of
// the message in the catalogue; Args fill the message's placeholders.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Entity   string   `json:"entity"` // controller, activity or measure
	EntityID string   `json:"entity_id,omitempty"`
	Field    string   `json:"field,omitempty"`
	Ref      string   `json:"ref"` // legal reference
	Args     []string `json:"args,omitempty"`
}

// Rule describes one lint rule. Rules is the single list the lint, the
// message catalogue test and the documentation are derived from.
type Rule struct {
	Code     string
	Severity Severity
	Ref      string
}

// Finding codes.
const (
	CodeControllerMissing      = "controller-missing"
	CodeControllerContact      = "controller-contact-missing"
	CodeControllerDPO          = "controller-dpo-missing"
	CodePurposeMissing         = "purpose-missing"
	CodePurposeVague           = "purpose-vague"
	CodeDataSubjectsMissing    = "data-subjects-missing"
	CodeDataCategoriesMissing  = "data-categories-missing"
	CodeRecipientsMissing      = "recipients-missing"
	CodeRecipientsNoneExternal = "recipients-none-but-external"
	CodeRecipientKind          = "recipient-kind-missing"
	CodeTransfersMissing       = "transfers-missing"
	CodeTransferSafeguard      = "transfer-safeguard-missing"
	CodeLegalBasisMissing      = "legal-basis-missing"
	CodeRetentionMissing       = "retention-missing"
	CodeRetentionNoPeriod      = "retention-no-period"
	CodeTOMsMissing            = "toms-missing"
	CodeTOMUnresolved          = "tom-reference-unresolved"
	CodeProcessorNoController  = "processor-no-controller"
	CodeContactMissing         = "contact-missing"
	CodeDPIAUnknown            = "dpia-unknown"
	CodeMeasureCategoryMissing = "tom-category-missing"
	CodeMeasureNeverReviewed   = "tom-never-reviewed"
	CodeMeasureReviewOverdue   = "tom-review-overdue"
	CodeSystemNoTables         = "system-no-tables"
	CodeSystemNoBackups        = "system-backups-missing"
	CodeTableNoActivity        = "system-table-no-activity"
	CodeTableActivityUnknown   = "system-table-activity-unknown"
	CodeTableNoSubjectKey      = "system-table-no-subject-key"
	CodeTableNoRule            = "system-table-no-rule"
	CodeTableEventUnmapped     = "system-table-event-unmapped"
	// The live check's (gdpr check --live): the register against the
	// databases themselves.
	CodeLiveUnreachable      = "live-unreachable"
	CodeLiveTableMissing     = "live-table-missing"
	CodeLiveColumnMissing    = "live-column-missing"
	CodeLiveRowsOverdue      = "live-rows-overdue"
	CodeLiveUnmappedPersonal = "live-unmapped-personal"
	CodeLiveCategoryNotFound = "live-category-not-found"
)

// Rules lists every lint rule with its severity and legal reference.
var Rules = []Rule{
	{CodeSystemNoTables, SevWarning, "Art. 5(2), Art. 30(1)(c) GDPR"},
	{CodeSystemNoBackups, SevInfo, "Art. 17, Art. 32(1)(c) GDPR"},
	{CodeTableNoActivity, SevWarning, "Art. 5(1)(e), Art. 30(1)(f) GDPR"},
	{CodeTableActivityUnknown, SevError, "Art. 30(1)(f) GDPR"},
	{CodeTableNoSubjectKey, SevWarning, "Art. 15, Art. 17 GDPR"},
	{CodeTableNoRule, SevWarning, "Art. 5(1)(e), Art. 30(1)(f) GDPR"},
	{CodeTableEventUnmapped, SevWarning, "Art. 5(1)(e) GDPR"},
	{CodeLiveUnreachable, SevError, "Art. 5(2) GDPR"},
	{CodeLiveTableMissing, SevError, "Art. 5(2), Art. 30(1)(c) GDPR"},
	{CodeLiveColumnMissing, SevError, "Art. 5(2), Art. 30(1)(c) GDPR"},
	{CodeLiveRowsOverdue, SevWarning, "Art. 5(1)(e), Art. 17(1)(a) GDPR"},
	{CodeLiveUnmappedPersonal, SevWarning, "Art. 5(2), Art. 30(1)(c) GDPR"},
	{CodeLiveCategoryNotFound, SevInfo, "Art. 30(1)(c) GDPR"},
	{CodeControllerMissing, SevError, "Art. 30(1)(a) GDPR"},
	{CodeControllerContact, SevError, "Art. 30(1)(a) GDPR"},
	{CodeControllerDPO, SevInfo, "Art. 30(1)(a), Art. 37 GDPR, § 38 BDSG"},
	{CodePurposeMissing, SevError, "Art. 30(1)(b) GDPR"},
	{CodePurposeVague, SevWarning, "Art. 5(1)(b), Art. 30(1)(b) GDPR"},
	{CodeDataSubjectsMissing, SevError, "Art. 30(1)(c) GDPR"},
	{CodeDataCategoriesMissing, SevError, "Art. 30(1)(c) GDPR"},
	{CodeRecipientsMissing, SevError, "Art. 30(1)(d) GDPR"},
	{CodeRecipientsNoneExternal, SevWarning, "Art. 30(1)(d), Art. 28 GDPR"},
	{CodeRecipientKind, SevInfo, "Art. 4(9), Art. 30(1)(d) GDPR"},
	{CodeTransfersMissing, SevError, "Art. 30(1)(e) GDPR"},
	{CodeTransferSafeguard, SevWarning, "Art. 30(1)(e), Art. 44-49 GDPR"},
	{CodeLegalBasisMissing, SevWarning, "Art. 5(2), Art. 6(1) GDPR"},
	{CodeRetentionMissing, SevWarning, "Art. 30(1)(f) GDPR"},
	{CodeTOMsMissing, SevWarning, "Art. 30(1)(g), Art. 32(1) GDPR"},
	{CodeTOMUnresolved, SevInfo, "Art. 30(1)(g) GDPR"},
	{CodeProcessorNoController, SevWarning, "Art. 30(2)(a) GDPR"},
	{CodeContactMissing, SevInfo, "Art. 5(2) GDPR"},
	{CodeDPIAUnknown, SevInfo, "Art. 35 GDPR"},
	{CodeMeasureCategoryMissing, SevWarning, "Art. 32(1) GDPR"},
	{CodeMeasureNeverReviewed, SevWarning, "Art. 32(1)(d) GDPR"},
	{CodeMeasureReviewOverdue, SevWarning, "Art. 32(1)(d) GDPR"},
}

// RetentionCodePrefix prefixes the codes of the retention parser's warnings
// when the lint reports them ("retention-no-start-event").
const RetentionCodePrefix = "retention-"

func init() {
	for code, w := range retention.WarningRules {
		sev := SevWarning
		if w.Severity == retention.SevInfo {
			sev = SevInfo
		}
		Rules = append(Rules, Rule{RetentionCodePrefix + code, sev, w.Ref})
	}
	slices.SortStableFunc(Rules[len(Rules)-len(retention.WarningRules):], func(a, b Rule) int { return strings.Compare(a.Code, b.Code) })
}

// DefaultReviewInterval applies to measures that state none: Art. 32(1)(d)
// asks for regular evaluation, and yearly is the common reading. The finding
// message says that the default was used.
var DefaultReviewInterval = period.MustParse("P1Y")

func rule(code string) Rule {
	for _, r := range Rules {
		if r.Code == code {
			return r
		}
	}
	panic("register: unknown rule " + code)
}

type linter struct {
	out []Finding
}

func (l *linter) add(code, entity, id, field string, args ...string) {
	r := rule(code)
	l.out = append(l.out, Finding{Code: code, Severity: r.Severity, Entity: entity, EntityID: id, Field: field, Ref: r.Ref, Args: args})
}

// Check lints a register as of the day today and returns its findings,
// errors first, then in register order. Archived entries are skipped.
func Check(r *Register, today Date) []Finding {
	l := &linter{}
	checkController(l, r.Controller)
	toms := map[string]bool{}
	for _, m := range r.TOMs {
		toms[m.ID] = true
	}
	for _, a := range r.Activities {
		if a.Status != StatusArchived {
			checkActivity(l, a, toms)
		}
	}
	for _, m := range r.TOMs {
		if m.Status != StatusArchived {
			checkMeasure(l, m, today)
		}
	}
	acts := map[string]*Activity{}
	for _, a := range r.Activities {
		if a.Status != StatusArchived {
			acts[a.ID] = a
		}
	}
	for _, x := range r.Systems {
		if x.Status != StatusArchived {
			checkSystem(l, x, acts)
		}
	}
	sortFindings(l.out)
	return l.out
}

// NewFinding makes a finding of a rule in Rules (its severity and
// reference), for checks outside the lint (gdpr check --live).
func NewFinding(code, entity, id, field string, args ...string) Finding {
	r := rule(code)
	return Finding{Code: code, Severity: r.Severity, Entity: entity, EntityID: id, Field: field, Ref: r.Ref, Args: args}
}

// CheckSystem lints one system against the activities in force (by id).
func CheckSystem(x *System, acts map[string]*Activity) []Finding {
	l := &linter{}
	checkSystem(l, x, acts)
	sortFindings(l.out)
	return l.out
}

// checkSystem: what keeps the register's deletion periods from running
// against the system's rows. A draft (a scan's proposal) is linted too:
// the findings say what is left to map.
func checkSystem(l *linter, x *System, acts map[string]*Activity) {
	add := func(code, field string, args ...string) { l.add(code, "system", x.ID, field, args...) }
	if len(x.Tables) == 0 {
		add(CodeSystemNoTables, "tables")
	}
	if len(x.Backups) == 0 {
		add(CodeSystemNoBackups, "backups")
	}
	for i, t := range x.Tables {
		field := fmt.Sprintf("tables[%d]", i)
		if len(t.SubjectKey) == 0 {
			add(CodeTableNoSubjectKey, field+".subject_key", t.Name)
		}
		if t.Activity == "" {
			add(CodeTableNoActivity, field+".activity", t.Name)
			continue
		}
		a, ok := acts[t.Activity]
		if !ok {
			add(CodeTableActivityUnknown, field+".activity", t.Name, t.Activity)
			continue
		}
		rule, key, _ := t.TableRule(a)
		if key != "" {
			add(CodeTableNoRule, field+".retention", t.Name, t.Activity)
			continue
		}
		for _, e := range RuleEvents(rule) {
			if t.Events[e] == "" {
				add(CodeTableEventUnmapped, field+".events", t.Name, string(e))
			}
		}
	}
}

// CheckActivity lints one activity; toms holds the ids of the measures in
// force (for unresolved references). The findings are those Check gives
// for the activity, in the same order.
func CheckActivity(a *Activity, toms map[string]bool) []Finding {
	l := &linter{}
	checkActivity(l, a, toms)
	sortFindings(l.out)
	return l.out
}

// CheckMeasure lints one measure as of today.
func CheckMeasure(m *Measure, today Date) []Finding {
	l := &linter{}
	checkMeasure(l, m, today)
	sortFindings(l.out)
	return l.out
}

// CheckController lints the controller block.
func CheckController(c *Controller) []Finding {
	l := &linter{}
	checkController(l, c)
	return l.out
}

// SortFindings orders findings by severity, errors first, keeping the
// order within a severity (as Check does).
func SortFindings(fs []Finding) { sortFindings(fs) }

func sortFindings(fs []Finding) {
	order := map[Severity]int{SevError: 0, SevWarning: 1, SevInfo: 2}
	slices.SortStableFunc(fs, func(a, b Finding) int { return order[a.Severity] - order[b.Severity] })
}

// SeverityCounts counts findings of one entry by severity.
type SeverityCounts struct{ Errors, Warnings, Infos int }

// Add counts one finding of severity s.
func (c *SeverityCounts) Add(s Severity) {
	switch s {
	case SevError:
		c.Errors++
	case SevWarning:
		c.Warnings++
	default:
		c.Infos++
	}
}

// Total is the number of findings counted.
func (c SeverityCounts) Total() int { return c.Errors + c.Warnings + c.Infos }

// CountBySeverity counts findings per severity.
func CountBySeverity(fs []Finding) map[Severity]int {
	m := map[Severity]int{}
	for _, f := range fs {
		m[f.Severity]++
	}
	return m
}

func checkController(l *linter, c *Controller) {
	if c == nil || strings.TrimSpace(c.Name) == "" {
		l.add(CodeControllerMissing, "controller", "", "controller.name")
		return
	}
	if c.Address == "" && c.Phone == "" && c.Email == "" {
		l.add(CodeControllerContact, "controller", "", "controller.address")
	}
	if c.DPO == nil || c.DPO.IsZero() {
		l.add(CodeControllerDPO, "controller", "", "controller.dpo")
	}
}

func checkActivity(l *linter, a *Activity, toms map[string]bool) {
	id := a.ID
	add := func(code, field string, args ...string) { l.add(code, "activity", id, field, args...) }
	if len(nonEmpty(a.Purposes)) == 0 {
		add(CodePurposeMissing, "purposes")
	}
	for _, p := range nonEmpty(a.Purposes) {
		if VaguePurpose(p) {
			add(CodePurposeVague, "purposes", p)
		}
	}
	if len(nonEmpty(a.DataSubjects)) == 0 {
		add(CodeDataSubjectsMissing, "data_subjects")
	}
	if len(nonEmpty(a.DataCategories)) == 0 {
		add(CodeDataCategoriesMissing, "data_categories")
	}
	switch {
	case a.Recipients.IsZero():
		add(CodeRecipientsMissing, "recipients")
	case a.Recipients.None:
		if word := ExternalProviderHint(a); word != "" {
			add(CodeRecipientsNoneExternal, "recipients", word)
		}
	}
	for _, r := range a.Recipients.Items {
		if r.Kind == "" {
			add(CodeRecipientKind, "recipients", r.Name)
		}
	}
	if a.ThirdCountryTransfers.IsZero() {
		add(CodeTransfersMissing, "third_country_transfers")
	}
	for _, t := range a.ThirdCountryTransfers.Items {
		if strings.TrimSpace(t.Safeguard) == "" {
			add(CodeTransferSafeguard, "third_country_transfers", t.Country)
		}
	}
	if len(nonEmpty(a.LegalBases)) == 0 {
		add(CodeLegalBasisMissing, "legal_bases")
	}
	if len(a.Retention) == 0 {
		add(CodeRetentionMissing, "retention")
	}
	for _, r := range a.Retention {
		for _, w := range r.Rules(a).Warnings {
			add(RetentionCodePrefix+w.Code, "retention", append([]string{r.Text}, w.Args...)...)
		}
	}
	if len(nonEmpty(a.TOMs)) == 0 {
		add(CodeTOMsMissing, "toms")
	}
	for _, ref := range nonEmpty(a.TOMs) {
		if !toms[ref] {
			add(CodeTOMUnresolved, "toms", ref)
		}
	}
	if a.Role == RoleProcessor && len(nonEmpty(a.Controllers)) == 0 {
		add(CodeProcessorNoController, "controllers")
	}
	if a.Contact == nil || a.Contact.IsZero() {
		add(CodeContactMissing, "contact")
	}
	if a.DPIA == nil || a.DPIA.Required == Unknown || a.DPIA.Required == "" {
		add(CodeDPIAUnknown, "dpia")
	}
}

func checkMeasure(l *linter, m *Measure, today Date) {
	if m.Category == "" {
		l.add(CodeMeasureCategoryMissing, "measure", m.ID, "category")
	}
	if m.LastReviewed == nil || m.LastReviewed.IsZero() {
		l.add(CodeMeasureNeverReviewed, "measure", m.ID, "last_reviewed")
		return
	}
	iv := DefaultReviewInterval
	if m.ReviewInterval != nil && !m.ReviewInterval.IsZero() {
		iv = *m.ReviewInterval
	}
	due := DateOf(iv.AddTo(m.LastReviewed.Time(time.UTC)))
	if due.Before(today) {
		l.add(CodeMeasureReviewOverdue, "measure", m.ID, "last_reviewed", due.String(), iv.String())
	}
}

// ReviewDue returns the day a measure's next review is due, and false when it
// was never reviewed.
func (m *Measure) ReviewDue() (Date, bool) {
	if m.LastReviewed == nil || m.LastReviewed.IsZero() {
		return Date{}, false
	}
	iv := DefaultReviewInterval
	if m.ReviewInterval != nil && !m.ReviewInterval.IsZero() {
		iv = *m.ReviewInterval
	}
	return DateOf(iv.AddTo(m.LastReviewed.Time(time.UTC))), true
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}

// vagueTerms are purposes that say nothing specific (Art. 5(1)(b) asks for
// specified, explicit purposes). Matched as whole words, case-insensitively.
var vagueTerms = regexp.MustCompile(`(?i)^\s*(verwaltung|marketing|sonstiges?|diverses?|allgemein(es)?|verschiedenes|geschäftszwecke|geschäftliche zwecke|interne zwecke|administration|business purposes?|general|various|other|misc(ellaneous)?|n/?a|-+|\.+|tbd|todo)\s*\.?\s*$|\b(u\.\s?a\.|usw\.?|etc\.?|und so weiter|and so on|sonstige zwecke|other purposes)`)

// VaguePurpose reports whether a purpose is a placeholder or open-ended.
func VaguePurpose(p string) bool { return vagueTerms.MatchString(p) }

// externalWords hint that an activity involves a service provider outside
// the organisation: then "no disclosure" is implausible (a processor is a
// recipient, Art. 4(9)).
var externalWords = regexp.MustCompile(`(?i)(externe[nmrs]?\s+dienstleister|dienstleister|auftragsverarbeit\w*|drittanbieter|external\s+(service\s+)?provider|service\s+provider|third[- ]party|processor|paypal|stripe|klarna|hoster|rechenzentrum|cloud)`)

// ExternalProviderHint returns the word in an activity's name, description,
// purposes or notes that names an external service provider, or "".
func ExternalProviderHint(a *Activity) string {
	texts := append([]string{a.Name, a.Description}, a.Purposes...)
	texts = append(texts, a.Notes...)
	for _, t := range texts {
		if m := externalWords.FindString(t); m != "" {
			return m
		}
	}
	return ""
}

// RetentionItems lists every retention statement of the register in force
// with its rules, labelled "activity-id" or "activity-id: data category",
// for the deletion-class matrix.
func RetentionItems(r *Register) []retention.Item {
	var items []retention.Item
	for _, a := range r.Activities {
		if a.Status == StatusArchived {
			continue
		}
		for _, ret := range a.Retention {
			label := a.ID
			if ret.DataCategory != "" {
				label += ": " + ret.DataCategory
			}
			items = append(items, retention.Item{Label: label, Rules: ret.Rules(a).Rules})
		}
	}
	return items
}
