package request

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"

	"gdpr"
)

// MailArt19 is the notice to a recipient of a change (Art. 19 GDPR).
const MailArt19 = "art19"

// MailConsentConfirm is the double-opt-in mail of the consent ledger: no
// advertising in it (German courts count an advertising confirmation
// mail as advertising without consent), the link, its end, and how to
// withdraw.
const MailConsentConfirm = "consent_confirm"

// MailFields are the fields each mail's template may use, beside those
// every one has (Request: the reference, Controller, Name: the person's
// name or "").
var MailFields = map[string][]string{
	MailAck:            {"Kind", "Article", "Received", "LastDay"},
	MailExtension:      {"LastDay", "Reasons"},
	MailRejection:      {"Reason"},
	MailConfirm:        {"Kind", "Link", "Until"},
	MailAnswer:         {"Link", "Until"},
	MailArt19:          {"Recipient", "Kind", "Article", "Person", "Done"},
	MailConsentConfirm: {"Purpose", "Link", "Until", "Unsubscribe"},
}

var commonFields = []string{"Request", "Controller", "Name"}

// MailKinds lists the mails whose templates admins may edit, in the
// order of a request's life.
var MailKinds = []string{MailConfirm, MailAck, MailExtension, MailRejection, MailAnswer, MailArt19, MailConsentConfirm}

// Bounds of a template.
const (
	maxSubject = 200
	maxBody    = 20000
)

// MailTemplate is the subject and text of one mail in one language, in
// the syntax of Go's text/template ({{.LastDay}}, {{if .Name}}…{{end}}).
// Custom: an admin's text (Version counts its changes); otherwise the
// built-in one.
type MailTemplate struct {
	Kind    string    `json:"kind"`
	Lang    string    `json:"lang"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	Custom  bool      `json:"custom"`
	By      string    `json:"by,omitempty"`
	Changed time.Time `json:"changed,omitzero"`
	Version int       `json:"version"`
}

// Fields are the fields the template's kind may use.
func (t MailTemplate) Fields() []string {
	return append(slices.Clone(commonFields), MailFields[BaseKind(t.Kind)]...)
}

// A consent purpose's own confirmation mail is the kind
// "consent_confirm.<purpose>": the mail of that purpose, in place of the
// general one.
var purposeSuffix = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// BaseKind is the kind a template's kind varies ("consent_confirm" for
// "consent_confirm.newsletter"); the kind itself otherwise.
func BaseKind(kind string) string {
	if base, purpose, ok := strings.Cut(kind, "."); ok && base == MailConsentConfirm && purposeSuffix.MatchString(purpose) {
		return base
	}
	return kind
}

// PurposeOf is the purpose a template's kind names ("" for none).
func PurposeOf(kind string) string {
	if BaseKind(kind) == kind {
		return ""
	}
	_, p, _ := strings.Cut(kind, ".")
	return p
}

func (t MailTemplate) parse() (*template.Template, *template.Template, error) {
	s, err := template.New("subject").Option("missingkey=error").Parse(t.Subject)
	if err != nil {
		return nil, nil, gdpr.Keyed(gdpr.EINVALID, "subject", "request.template.syntax", lineOf(err))
	}
	b, err := template.New("body").Option("missingkey=error").Parse(t.Body)
	if err != nil {
		return nil, nil, gdpr.Keyed(gdpr.EINVALID, "body", "request.template.syntax", lineOf(err))
	}
	for field, x := range map[string]*template.Template{"subject": s, "body": b} {
		if !plain(x.Tree.Root) {
			return nil, nil, gdpr.Keyed(gdpr.EINVALID, field, "request.template.plain")
		}
	}
	return s, b, nil
}

// plain tells a template of text, fields and conditions only: no loops
// ({{range 1000000000}} would make a mail of gigabytes) and no other
// templates.
func plain(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return true
		}
		for _, c := range n.Nodes {
			if !plain(c) {
				return false
			}
		}
	case *parse.IfNode:
		return plain(n.List) && plain(n.ElseList)
	case *parse.WithNode:
		return plain(n.List) && plain(n.ElseList)
	case *parse.RangeNode, *parse.TemplateNode, *parse.BreakNode, *parse.ContinueNode:
		return false
	}
	return true
}

// Validate checks a template before it is kept: a known kind and
// language, bounded, its syntax, and only the kind's fields (executed on a
// sample, so that a field the mail does not have is found now, not when a
// person is waiting for the mail).
func (t MailTemplate) Validate() error {
	if _, ok := MailFields[BaseKind(t.Kind)]; !ok {
		return gdpr.Keyed(gdpr.EINVALID, "kind", "request.template.kind", t.Kind)
	}
	if t.Lang != "de" && t.Lang != "en" {
		return gdpr.Keyed(gdpr.EINVALID, "lang", "request.template.lang", t.Lang)
	}
	switch {
	case strings.TrimSpace(t.Subject) == "":
		return gdpr.Keyed(gdpr.EINVALID, "subject", "error.required")
	case strings.TrimSpace(t.Body) == "":
		return gdpr.Keyed(gdpr.EINVALID, "body", "error.required")
	case utf8.RuneCountInString(t.Subject) > maxSubject || strings.ContainsAny(t.Subject, "\r\n"):
		return gdpr.Keyed(gdpr.EINVALID, "subject", "request.template.subject", maxSubject)
	case len(t.Body) > maxBody:
		return gdpr.Keyed(gdpr.EINVALID, "body", "request.template.size", maxBody)
	}
	sample := map[string]string{}
	for _, f := range t.Fields() {
		sample[f] = "x"
	}
	if _, _, err := t.Render(sample); err != nil {
		return err
	}
	if k := BaseKind(t.Kind); k == MailConfirm || k == MailAnswer || k == MailConsentConfirm {
		// The link is the mail's point: a text without it strands the
		// person.
		if !strings.Contains(t.Body, ".Link") {
			return gdpr.Keyed(gdpr.EINVALID, "body", "request.template.link")
		}
	}
	return nil
}

// Render fills the template; a field it uses that data lacks is an
// error. The subject is one line.
func (t MailTemplate) Render(data map[string]string) (string, string, error) {
	st, bt, err := t.parse()
	if err != nil {
		return "", "", err
	}
	var s, b strings.Builder
	if err := st.Execute(&s, data); err != nil {
		return "", "", gdpr.Keyed(gdpr.EINVALID, "subject", "request.template.field", fieldOf(err))
	}
	if err := bt.Execute(&b, data); err != nil {
		return "", "", gdpr.Keyed(gdpr.EINVALID, "body", "request.template.field", fieldOf(err))
	}
	return strings.Join(strings.Fields(s.String()), " "), b.String(), nil
}

// The text/template package says its errors in English; a German page
// names the line, or the field, itself.
var (
	errLine  = regexp.MustCompile(`:(\d+):`)
	errField = regexp.MustCompile(`(?:no entry for key|can't evaluate field) "?([A-Za-z0-9_]+)"?`)
)

func lineOf(err error) int {
	if m := errLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 1
}

func fieldOf(err error) string {
	if m := errField.FindStringSubmatch(err.Error()); m != nil {
		return m[1]
	}
	return "?"
}
