// Package register is the domain of the Verzeichnis von
// Verarbeitungstätigkeiten (records of processing, Art. 30 GDPR) and the
// catalogue of technical and organisational measures (Art. 32 GDPR): types,
// validation, change tracking and the lint rules. It does no I/O.
package register

import (
	"gdpr"
	"strings"
	"time"

	"gdpr/period"
	"gdpr/retention"
)

// Register is one controller's (or processor's) complete record: the unit
// that is imported, exported and linted. Its YAML/JSON form is the native
// "register as code" format; unknown top-level keys are rejected so that a
// typo never silently drops data.
type Register struct {
	Title      string      `json:"title,omitempty" yaml:"title,omitempty" doc:"Title of the record, e.g. 'Website und Online-Shop - Verzeichnis von Verarbeitungstätigkeiten'."`
	Controller *Controller `json:"controller,omitempty" yaml:"controller,omitempty" doc:"The controller (Art. 30(1)(a)) or, for a processor record, the processor (Art. 30(2)(a))."`
	Activities []*Activity `json:"activities,omitempty" yaml:"activities,omitempty" doc:"Processing activities."`
	TOMs       []*Measure  `json:"toms,omitempty" yaml:"toms,omitempty" doc:"Technical and organisational measures (Art. 32)."`
	Documents  []*Document `json:"documents,omitempty" yaml:"documents,omitempty" doc:"Internal written instructions and documentation the TOMs rely on."`
	Systems    []*System   `json:"systems,omitempty" yaml:"systems,omitempty" doc:"Databases that hold personal data, mapped to activities and retention events."`
}

// Contact is a person or office with the means to reach them.
type Contact struct {
	Name  string `json:"name,omitempty" yaml:"name,omitempty"`
	Phone string `json:"phone,omitempty" yaml:"phone,omitempty"`
	Email string `json:"email,omitempty" yaml:"email,omitempty"`
	// Subject is the person in the vault that holds name, phone and
	// e-mail when the engine has its keys: the store keeps only this id,
	// so that erasing the person erases them from every entry and every
	// revision ("[gelöscht]"). Not part of the native format.
	Subject string `json:"subject,omitempty" yaml:"-" schema:"readonly"`
}

// Erased stands for the values of a person who was erased.
const Erased = "[gelöscht]"

// IsZero reports whether no field is set.
func (c Contact) IsZero() bool { return c == Contact{} }

// Controller is the name and contact details of Art. 30(1)(a).
type Controller struct {
	Name           string `json:"name" yaml:"name"`
	Address        string `json:"address,omitempty" yaml:"address,omitempty" doc:"Postal address, lines separated by newlines."`
	Representative string `json:"representative,omitempty" yaml:"representative,omitempty" doc:"Owner, managing director or Art. 27 representative."`
	// RepresentativeSubject is the representative in the vault (see
	// Contact.Subject).
	RepresentativeSubject string    `json:"representative_subject,omitempty" yaml:"-" schema:"readonly"`
	Phone                 string    `json:"phone,omitempty" yaml:"phone,omitempty"`
	Email                 string    `json:"email,omitempty" yaml:"email,omitempty"`
	Web                   string    `json:"web,omitempty" yaml:"web,omitempty"`
	DPO                   *Contact  `json:"dpo,omitempty" yaml:"dpo,omitempty" doc:"Data protection officer (Art. 37-39)."`
	JointControllers      []Contact `json:"joint_controllers,omitempty" yaml:"joint_controllers,omitempty" doc:"Joint controllers (Art. 26)."`
	// State is the Bundesland of the controller's establishment: its
	// holidays end no deadline (Regulation 1182/71), and it names the
	// competent supervisory authority. Holidays are the local ones the
	// Land does not keep everywhere (Fronleichnam in parts of Saxony).
	State    string `json:"state,omitempty" yaml:"state,omitempty" doc:"Bundesland, ISO 3166-2 code without DE- (NW, BY, BE, ...): its public holidays move deadlines."`
	Holidays []Date `json:"holidays,omitempty" yaml:"holidays,omitempty" doc:"Local holidays besides the Land's (YYYY-MM-DD), e.g. Fronleichnam in a Saxon municipality."`
}

// Role says whether an activity is performed as controller or as processor.
type Role string

// Roles of Art. 30(1) and Art. 30(2).
const (
	RoleController Role = "controller"
	RoleProcessor  Role = "processor"
)

// Status is the life-cycle state of an activity or measure.
type Status string

// Statuses. Archived entries are kept (with their history) but no longer
// linted or exported.
const (
	StatusDraft    Status = "draft"
	StatusInReview Status = "in_review"
	StatusApproved Status = "approved"
	StatusArchived Status = "archived"
)

// Statuses lists every valid status in life-cycle order.
var Statuses = []Status{StatusDraft, StatusInReview, StatusApproved, StatusArchived}

// RecipientKind classifies a recipient (Art. 4(9)).
type RecipientKind string

// Recipient kinds.
const (
	RecipientInternal  RecipientKind = "internal"
	RecipientExternal  RecipientKind = "external"
	RecipientProcessor RecipientKind = "processor"
	RecipientAuthority RecipientKind = "authority"
)

// RecipientKinds lists the valid kinds.
var RecipientKinds = []RecipientKind{RecipientInternal, RecipientExternal, RecipientProcessor, RecipientAuthority}

// Recipient is one recipient or category of recipients (Art. 30(1)(d)).
type Recipient struct {
	Name string        `json:"name" yaml:"name"`
	Kind RecipientKind `json:"kind,omitempty" yaml:"kind,omitempty"`
}

// Transfer is a transfer to a third country or an international
// organisation (Art. 30(1)(e)) with its safeguard (Art. 44-49).
type Transfer struct {
	Country   string `json:"country" yaml:"country" doc:"ISO 3166-1 alpha-2 code, or the name as written in the source when no code is known."`
	Recipient string `json:"recipient,omitempty" yaml:"recipient,omitempty"`
	Safeguard string `json:"safeguard,omitempty" yaml:"safeguard,omitempty" doc:"e.g. adequacy decision, SCC (Art. 46(2)(c)), BCR, Art. 49 derogation."`
}

// Retention is one deletion period statement as written (Art. 30(1)(f)),
// optionally for one data category only.
type Retention struct {
	Text         string `json:"text" yaml:"text"`
	DataCategory string `json:"data_category,omitempty" yaml:"data_category,omitempty"`
	// Rule is the statement as an executable rule. When set it is used as
	// written; when absent the text is parsed (gdpr retention parse).
	Rule *retention.Rule `json:"rule,omitempty" yaml:"rule,omitempty" doc:"Structured rule: event, anchor, period, action; or combine with branches."`
}

// Rules returns the retention rules of the statement: the explicit rule, or
// what the parser reads from the text in the activity's context.
func (r Retention) Rules(a *Activity) retention.Result {
	if r.Rule != nil {
		return retention.Result{Text: r.Text, Rules: []retention.Rule{*r.Rule}, Warnings: []retention.Warning{}, Confidence: 1}
	}
	return retention.Parse(r.Text, retention.Context{Topic: a.Topic(r.DataCategory)})
}

// Topic is what an activity is about, for the retention parser: name,
// purposes, data categories (and the statement's own data category).
func (a *Activity) Topic(extra string) string {
	parts := append([]string{a.Name, extra}, a.Purposes...)
	return strings.Join(append(parts, a.DataCategories...), " ")
}

// Tristate is yes, no or unknown.
type Tristate string

// Tristate values.
const (
	Yes     Tristate = "yes"
	No      Tristate = "no"
	Unknown Tristate = "unknown"
)

// DPIA records whether a data protection impact assessment (Art. 35) is
// required, and why.
type DPIA struct {
	Required Tristate `json:"required" yaml:"required"`
	Reason   string   `json:"reason,omitempty" yaml:"reason,omitempty"`
}

// Activity is one processing activity with every field of Art. 30(1), the
// Art. 30(2) variant for processors, and the extras of the DSK Muster.
type Activity struct {
	ID                    string      `json:"id" yaml:"id" doc:"Stable slug, e.g. kundenverwaltung."`
	Name                  string      `json:"name" yaml:"name"`
	Role                  Role        `json:"role,omitempty" yaml:"role,omitempty" doc:"controller (default) or processor."`
	Controllers           []string    `json:"controllers,omitempty" yaml:"controllers,omitempty" doc:"For a processor record: the controllers on whose behalf it processes (Art. 30(2)(a))."`
	Contact               *Contact    `json:"contact,omitempty" yaml:"contact,omitempty" doc:"Contact person for this activity."`
	Introduced            *Date       `json:"introduced,omitempty" yaml:"introduced,omitempty" doc:"Date of introduction (ISO 8601)."`
	Department            string      `json:"department,omitempty" yaml:"department,omitempty"`
	Description           string      `json:"description,omitempty" yaml:"description,omitempty"`
	Purposes              []string    `json:"purposes,omitempty" yaml:"purposes,omitempty" doc:"Art. 30(1)(b)."`
	LegalBases            []string    `json:"legal_bases,omitempty" yaml:"legal_bases,omitempty" doc:"Art. 6/9 references, e.g. Art. 6(1)(b)."`
	DataSubjects          []string    `json:"data_subjects,omitempty" yaml:"data_subjects,omitempty" doc:"Categories of data subjects, Art. 30(1)(c)."`
	DataCategories        []string    `json:"data_categories,omitempty" yaml:"data_categories,omitempty" doc:"Categories of personal data, Art. 30(1)(c)."`
	Recipients            Recipients  `json:"recipients,omitzero" yaml:"recipients,omitempty" doc:"Art. 30(1)(d): a list, or the string none for an explicit 'no disclosure'."`
	ThirdCountryTransfers Transfers   `json:"third_country_transfers,omitzero" yaml:"third_country_transfers,omitempty" doc:"Art. 30(1)(e): a list, or the string none."`
	Retention             []Retention `json:"retention,omitempty" yaml:"retention,omitempty" doc:"Deletion periods as written, Art. 30(1)(f)."`
	DataLocation          string      `json:"data_location,omitempty" yaml:"data_location,omitempty"`
	Sources               []string    `json:"sources,omitempty" yaml:"sources,omitempty" doc:"Where data not collected from the person comes from (Art. 14(2)(f), 15(1)(g)), e.g. Auskunftei, Adresshändler."`
	Automated             string      `json:"automated,omitempty" yaml:"automated,omitempty" doc:"Automated decision-making including profiling (Art. 22): the logic involved and its consequences (Art. 13(2)(f), 15(1)(h)); none states there is none."`
	TOMs                  []string    `json:"toms,omitempty" yaml:"toms,omitempty" doc:"Ids of measures, or the reference as written (Art. 30(1)(g))."`
	DPIA                  *DPIA       `json:"dpia,omitempty" yaml:"dpia,omitempty"`
	Status                Status      `json:"status,omitempty" yaml:"status,omitempty" doc:"draft, in_review, approved or archived."`
	Notes                 []string    `json:"notes,omitempty" yaml:"notes,omitempty" doc:"Source text that has no field of its own, kept verbatim."`

	// Created, Changed and Version are kept by the store; they are ignored
	// on import and left out of the native export so that it round-trips.
	// Version counts the entry's revisions: an update names the version
	// it was made from (the API's ETag), so that a stale write is refused.
	Created *time.Time `json:"created,omitempty" yaml:"-" schema:"readonly"`
	Changed *time.Time `json:"changed,omitempty" yaml:"-" schema:"readonly"`
	Version int        `json:"version,omitempty" yaml:"-" schema:"readonly"`
}

// Category is one of the protection goals of Art. 32(1).
type Category string

// Art. 32(1) categories.
const (
	CatPseudonymisation Category = "pseudonymisation"
	CatEncryption       Category = "encryption"
	CatConfidentiality  Category = "confidentiality"
	CatIntegrity        Category = "integrity"
	CatAvailability     Category = "availability"
	CatResilience       Category = "resilience"
	CatRestore          Category = "restore"
	CatEvaluation       Category = "evaluation"
)

// Categories lists the Art. 32 categories in the order of the article.
var Categories = []Category{CatPseudonymisation, CatEncryption, CatConfidentiality, CatIntegrity,
	CatAvailability, CatResilience, CatRestore, CatEvaluation}

// LegacyControl is one of the eight controls of the annex to § 9 BDSG (old),
// still the outline of many TOM documents.
type LegacyControl string

// BDSG-alt controls.
const (
	LegacyZutritt        LegacyControl = "zutrittskontrolle"
	LegacyZugang         LegacyControl = "zugangskontrolle"
	LegacyZugriff        LegacyControl = "zugriffskontrolle"
	LegacyWeitergabe     LegacyControl = "weitergabekontrolle"
	LegacyEingabe        LegacyControl = "eingabekontrolle"
	LegacyAuftrag        LegacyControl = "auftragskontrolle"
	LegacyVerfuegbarkeit LegacyControl = "verfuegbarkeitskontrolle"
	LegacyTrennung       LegacyControl = "trennungskontrolle"
)

// LegacyControls lists the controls in the order of the old annex.
var LegacyControls = []LegacyControl{LegacyZutritt, LegacyZugang, LegacyZugriff, LegacyWeitergabe,
	LegacyEingabe, LegacyAuftrag, LegacyVerfuegbarkeit, LegacyTrennung}

// Category returns the Art. 32 goal a legacy control is commonly mapped to
// (the mapping of the GDD/DSK working aids): access controls protect
// confidentiality, transfer and input control integrity, order control is
// evaluated under Art. 32(1)(d).
func (l LegacyControl) Category() Category {
	switch l {
	case LegacyZutritt, LegacyZugang, LegacyZugriff, LegacyTrennung:
		return CatConfidentiality
	case LegacyWeitergabe, LegacyEingabe:
		return CatIntegrity
	case LegacyVerfuegbarkeit:
		return CatAvailability
	case LegacyAuftrag:
		return CatEvaluation
	}
	return ""
}

// Measure is one technical or organisational measure (Art. 32).
type Measure struct {
	ID             string         `json:"id" yaml:"id"`
	Title          string         `json:"title" yaml:"title"`
	Description    string         `json:"description,omitempty" yaml:"description,omitempty"`
	Category       Category       `json:"category,omitempty" yaml:"category,omitempty" doc:"Art. 32 goal."`
	LegacyControl  LegacyControl  `json:"legacy_control,omitempty" yaml:"legacy_control,omitempty" doc:"Control of the old BDSG annex, where the source uses one."`
	Group          string         `json:"group,omitempty" yaml:"group,omitempty" doc:"Sub-heading of the source document, e.g. Hosting."`
	Owner          string         `json:"owner,omitempty" yaml:"owner,omitempty"`
	ReviewInterval *period.Period `json:"review_interval,omitempty" yaml:"review_interval,omitempty" doc:"ISO 8601 period, e.g. P1Y."`
	LastReviewed   *Date          `json:"last_reviewed,omitempty" yaml:"last_reviewed,omitempty"`
	Evidence       string         `json:"evidence,omitempty" yaml:"evidence,omitempty"`
	Status         Status         `json:"status,omitempty" yaml:"status,omitempty"`

	Created *time.Time `json:"created,omitempty" yaml:"-" schema:"readonly"`
	Changed *time.Time `json:"changed,omitempty" yaml:"-" schema:"readonly"`
	Version int        `json:"version,omitempty" yaml:"-" schema:"readonly"`
}

// Document is an internal written instruction or documentation (e.g.
// Notfallanweisungen) that measures rely on.
type Document struct {
	ID          string `json:"id" yaml:"id"`
	Title       string `json:"title" yaml:"title"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Status is empty (in force) or archived.
	Status Status `json:"status,omitempty" yaml:"status,omitempty" doc:"empty (in force) or archived."`

	Created *time.Time `json:"created,omitempty" yaml:"-" schema:"readonly"`
	Changed *time.Time `json:"changed,omitempty" yaml:"-" schema:"readonly"`
	Version int        `json:"version,omitempty" yaml:"-" schema:"readonly"`
}

// Validate checks a document: a valid id and a title. Returns an
// EINVALID *gdpr.Error naming the field.
func (d *Document) Validate() error {
	if strings.TrimSpace(d.Title) == "" {
		return gdpr.Keyed(gdpr.EINVALID, "title", "invalid.notitle.document", d.ID)
	}
	if !ValidID(d.ID) {
		return gdpr.Keyed(gdpr.EINVALID, "id", "invalid.id", d.ID)
	}
	if d.Status != "" && d.Status != StatusArchived {
		return gdpr.Keyed(gdpr.EINVALID, "status", "invalid.status", d.Status, string(StatusArchived))
	}
	return nil
}

// Display returns the measure's title and the text to show below it,
// without saying a thing twice: a description equal to the title, or one
// that begins with it (the importers take a measure's first sentence, or
// its shortened start "Daten, die nur … dass …", as its title), is shown
// once, as the title.
func (m *Measure) Display() (title, description string) {
	t, d := strings.TrimSpace(m.Title), strings.TrimSpace(m.Description)
	if d == "" || d == t {
		return t, ""
	}
	if head := strings.TrimSpace(strings.TrimSuffix(t, "…")); head != "" && strings.HasPrefix(d, head) {
		return d, ""
	}
	return t, d
}
