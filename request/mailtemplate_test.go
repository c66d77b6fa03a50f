package request

import (
	"strings"
	"testing"

	"gdpr"
)

func TestMailTemplate(t *testing.T) {
	ok := MailTemplate{Kind: MailAck, Lang: "de", Subject: "Eingang {{.Request}}", Body: "{{if .Name}}Guten Tag {{.Name}},{{else}}Guten Tag,{{end}}\nbis {{.LastDay}}"}
	for _, c := range []struct {
		name  string
		edit  func(*MailTemplate)
		field string
	}{
		{"fine", func(*MailTemplate) {}, ""},
		{"unknown kind", func(t *MailTemplate) { t.Kind = "werbung" }, "kind"},
		{"unknown language", func(t *MailTemplate) { t.Lang = "fr" }, "lang"},
		{"empty subject", func(t *MailTemplate) { t.Subject = " " }, "subject"},
		{"subject of two lines", func(t *MailTemplate) { t.Subject = "a\r\nBcc: x@example.org" }, "subject"},
		{"subject too long", func(t *MailTemplate) { t.Subject = strings.Repeat("x", 201) }, "subject"},
		{"body too long", func(t *MailTemplate) { t.Body = strings.Repeat("x", 20001) }, "body"},
		{"syntax", func(t *MailTemplate) { t.Body = "{{if .Name}}" }, "body"},
		{"a field of another mail", func(t *MailTemplate) { t.Body = "{{.Link}}" }, "body"},
		{"a field of no mail", func(t *MailTemplate) { t.Subject = "{{.Kundennummer}}" }, "subject"},
		{"a loop", func(t *MailTemplate) { t.Body = "{{range 1000000000}}x{{end}}" }, "body"},
		{"another template", func(t *MailTemplate) { t.Body = `{{define "x"}}y{{end}}{{template "x"}}` }, "body"},
		{"a link mail without its link", func(t *MailTemplate) { t.Kind, t.Body = MailConfirm, "Bitte bestätigen bis {{.Until}}" }, "body"},
		{"a link mail with its link", func(t *MailTemplate) { t.Kind, t.Body = MailConfirm, "{{.Link}} bis {{.Until}}" }, ""},
	} {
		x := ok
		c.edit(&x)
		err := x.Validate()
		var ge *gdpr.Error
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.field != "" && (gdpr.ErrorCode(err) != gdpr.EINVALID || !asError(err, &ge) || ge.Field != c.field):
			t.Errorf("%s: %v, want an error at %s", c.name, err, c.field)
		}
	}
	s, b, err := ok.Render(map[string]string{"Request": "r-1", "Name": "", "LastDay": "05.06.2026", "Controller": "", "Kind": "", "Article": "", "Received": ""})
	if err != nil || s != "Eingang r-1" || b != "Guten Tag,\nbis 05.06.2026" {
		t.Errorf("render: %v %q %q", err, s, b)
	}
	if _, _, err := ok.Render(map[string]string{"Request": "r-1"}); err == nil {
		t.Error("a field missing from the data rendered")
	}
}

func asError(err error, ge **gdpr.Error) bool {
	e, ok := err.(*gdpr.Error)
	*ge = e
	return ok
}
