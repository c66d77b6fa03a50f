package app

import (
	"context"
	"fmt"
	"slices"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/locale"
	"gdpr/request"
)

// MailTemplateStore keeps the templates admins changed.
type MailTemplateStore interface {
	MailTemplates(ctx context.Context) ([]request.MailTemplate, error)
	SaveMailTemplate(ctx context.Context, t *request.MailTemplate, version int) error
	ResetMailTemplate(ctx context.Context, kind, lang string, version int) error
}

// builtinTemplate is a mail's text as the catalogue has it.
func builtinTemplate(kind, lang string) request.MailTemplate {
	l := langOf(lang)
	base := request.BaseKind(kind)
	return request.MailTemplate{Kind: kind, Lang: string(l), Subject: locale.T(l, "mail.tmpl."+base+".subject"), Body: locale.T(l, "mail.tmpl."+base+".body")}
}

// MailTemplates lists every mail's template in German and English: an
// admin's where one was saved, the built-in one otherwise.
func (a *App) MailTemplates(ctx context.Context) ([]request.MailTemplate, error) {
	if _, err := a.require(ctx, auth.Read, audit.TemplateUpdate, "templates"); err != nil {
		return nil, err
	}
	var custom []request.MailTemplate
	if ms, ok := a.store.(MailTemplateStore); ok {
		var err error
		if custom, err = ms.MailTemplates(ctx); err != nil {
			return nil, err
		}
	}
	var out []request.MailTemplate
	for _, k := range request.MailKinds {
		for _, l := range []string{"de", "en"} {
			if i := slices.IndexFunc(custom, func(t request.MailTemplate) bool { return t.Kind == k && t.Lang == l }); i >= 0 {
				out = append(out, custom[i])
			} else {
				out = append(out, builtinTemplate(k, l))
			}
		}
	}
	// A purpose's own confirmation mails, where an admin wrote them.
	for _, t := range custom {
		if request.PurposeOf(t.Kind) != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// MailTemplate is one mail's template in one language.
func (a *App) MailTemplate(ctx context.Context, kind, lang string) (request.MailTemplate, error) {
	all, err := a.MailTemplates(ctx)
	if err != nil {
		return request.MailTemplate{}, err
	}
	for _, t := range all {
		if t.Kind == kind && t.Lang == lang {
			return t, nil
		}
	}
	// A purpose's confirmation mail not written yet is the general one,
	// to start from.
	if p := request.PurposeOf(kind); p != "" {
		if cs, err := a.consentStore(); err == nil {
			if _, err := cs.FindPurpose(ctx, p); err == nil {
				for _, t := range all {
					if t.Kind == request.BaseKind(kind) && t.Lang == lang {
						t.Kind, t.Custom, t.Version, t.By = kind, false, 0, ""
						return t, nil
					}
				}
			}
		}
	}
	return request.MailTemplate{}, gdpr.Keyed(gdpr.ENOTFOUND, "kind", "notfound.template", kind+"/"+lang)
}

// SaveMailTemplate keeps an admin's template (checked: its syntax and
// fields) over version (0 over the built-in one). Admins only: the texts
// go out in the company's name.
func (a *App) SaveMailTemplate(ctx context.Context, t request.MailTemplate, version int) (request.MailTemplate, error) {
	target := t.Kind + "/" + t.Lang
	if _, err := a.require(ctx, auth.Manage, audit.TemplateUpdate, target); err != nil {
		return t, err
	}
	ms, ok := a.store.(MailTemplateStore)
	if !ok {
		return t, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	if err := t.Validate(); err != nil {
		return t, a.record(ctx, audit.TemplateUpdate, target, err)
	}
	if p := request.PurposeOf(t.Kind); p != "" {
		cs, err := a.consentStore()
		if err != nil {
			return t, err
		}
		if _, err := cs.FindPurpose(ctx, p); err != nil {
			return t, a.record(ctx, audit.TemplateUpdate, target, gdpr.Keyed(gdpr.EINVALID, "kind", "notfound.purpose", p))
		}
	}
	return t, a.record(ctx, audit.TemplateUpdate, target, ms.SaveMailTemplate(ctx, &t, version))
}

// ResetMailTemplate drops an admin's template at version: the built-in
// text applies again.
func (a *App) ResetMailTemplate(ctx context.Context, kind, lang string, version int) error {
	target := kind + "/" + lang
	if _, err := a.require(ctx, auth.Manage, audit.TemplateUpdate, target); err != nil {
		return err
	}
	ms, ok := a.store.(MailTemplateStore)
	if !ok {
		return gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	return a.record(ctx, audit.TemplateUpdate, target, ms.ResetMailTemplate(ctx, kind, lang, version))
}

// renderMail is a mail's subject and text in a language, from the admin's
// template or the built-in one, with data (the common fields among them).
// A saved template that fails now (it was checked when saved) falls back
// to the built-in text rather than leave a person without the mail.
func (a *App) renderMail(ctx context.Context, kind, lang string, data map[string]string) (string, string, error) {
	t := builtinTemplate(kind, lang)
	if ms, ok := a.store.(MailTemplateStore); ok {
		custom, err := ms.MailTemplates(ctx)
		if err != nil {
			return "", "", err
		}
		// The purpose's own text, else the general one an admin wrote.
		for _, k := range slices.Compact([]string{kind, request.BaseKind(kind)}) {
			if i := slices.IndexFunc(custom, func(c request.MailTemplate) bool { return c.Kind == k && c.Lang == t.Lang }); i >= 0 {
				if s, b, err := custom[i].Render(data); err == nil {
					return s, b, nil
				}
				a.log.Warn("a saved mail template failed; the built-in text is sent", "kind", k, "lang", t.Lang)
				break
			}
		}
	}
	return t.Render(data)
}

// sealRaw seals a message as sent in the vault (it names people), in
// chunks of a field's bound; the subject's id.
func (a *App) sealRaw(ctx context.Context, raw []byte) (string, error) {
	rec := Record{}
	for i := 0; i*rawChunk < len(raw) && i < maxFields; i++ {
		rec[fmt.Sprintf("raw_%02d", i)] = string(raw[i*rawChunk : min(len(raw), (i+1)*rawChunk)])
	}
	return a.newSubject(ctx, rec)
}
