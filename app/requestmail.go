package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/locale"
	"gdpr/mail"
	"gdpr/register"
	"gdpr/request"
)

// RequestMailStore keeps the proof of the mails about requests.
type RequestMailStore interface {
	AddRequestMail(ctx context.Context, id string, m request.Mail) error
	RequestMails(ctx context.Context, id string) ([]request.Mail, error)
}

// rawChunk is how much of a sent message one vault field holds (a
// field's bound).
const rawChunk = maxFieldValue

// mailRequester writes to the person of a request in the request's
// language: the mail of kind from its template (an admin's, or the
// built-in one), data filling its fields.
func (a *App) mailRequester(ctx context.Context, r *request.Request, kind string, data map[string]string) (request.Mail, error) {
	return a.sendRequestMail(ctx, r, kind, r.Lang, "", data)
}

// sendRequestMail writes a mail about a request in a language to an
// address ("" for the requester's own): its template filled with data and
// the fields every mail has (Request, Controller, the person's Name and
// e-mail address as Person). The read of the person is recorded; the
// message as sent is sealed in the vault (it names the person) and its
// proof stored with the request.
func (a *App) sendRequestMail(ctx context.Context, r *request.Request, kind, lang, to string, data map[string]string) (request.Mail, error) {
	if a.mail == nil {
		return request.Mail{}, gdpr.Keyed(gdpr.EINVALID, "", "request.nomail")
	}
	ms, ok := a.store.(RequestMailStore)
	if !ok {
		return request.Mail{}, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	who, err := a.openSubject(ctx, r.Requester)
	if err != nil {
		return request.Mail{}, err
	}
	if who.Shredded || who.Record["email"] == "" && to == "" {
		return request.Mail{}, gdpr.Keyed(gdpr.EINVALID, "email", "request.noemail")
	}
	if to == "" {
		to = who.Record["email"]
	}
	if err := a.auditNow(ctx, audit.Entry{Action: audit.SubjectRead, Target: r.Requester, Outcome: audit.OK, Detail: "fields email (mail " + kind + ")"}); err != nil {
		return request.Mail{}, err
	}
	h, err := a.store.Header(ctx)
	if err != nil {
		return request.Mail{}, err
	}
	data["Request"], data["Name"], data["Person"], data["Controller"] = r.ID, strings.TrimSpace(who.Record["name"]), who.Record["email"], ""
	if h.Controller != nil {
		data["Controller"] = h.Controller.Name
	}
	subject, body, err := a.renderMail(ctx, kind, lang, data)
	if err != nil {
		return request.Mail{}, err
	}
	sent, err := a.mail.Send(ctx, mail.Message{To: to, Subject: subject, Text: body, Headers: map[string]string{"Auto-Submitted": "auto-generated"}})
	if err != nil {
		return request.Mail{}, a.record(ctx, audit.RequestMail, r.ID, err)
	}
	m := request.Mail{Kind: kind, MessageID: sent.MessageID, At: sent.At, Response: sent.Response}
	if m.RawSubject, err = a.sealRaw(ctx, sent.Raw); err != nil {
		return m, err
	}
	return m, ms.AddRequestMail(ctx, r.ID, m)
}

// Mails reports whether mails can be sent.
func (a *App) Mails() bool { return a.mail != nil }

// RequestMails lists the mails about a request (their proof, not their
// text).
func (a *App) RequestMails(ctx context.Context, id string) ([]request.Mail, error) {
	if _, err := a.require(ctx, auth.Read, audit.RequestRead, id); err != nil {
		return nil, err
	}
	ms, ok := a.store.(RequestMailStore)
	if !ok {
		return nil, nil
	}
	return ms.RequestMails(ctx, id)
}

// Acknowledge sends the requester the receipt of the request with its
// last day.
func (a *App) Acknowledge(ctx context.Context, id string) (request.Mail, error) {
	if _, err := a.require(ctx, auth.Write, audit.RequestMail, id); err != nil {
		return request.Mail{}, err
	}
	r, err := a.Request(ctx, id)
	if err != nil {
		return request.Mail{}, err
	}
	l := langOf(r.Lang)
	return a.mailRequester(ctx, r, request.MailAck, map[string]string{"Kind": locale.T(l, "value.request.kind."+string(r.Kind)), "Article": r.Kind.Article(),
		"Received": mailDate(r.Received, l), "LastDay": mailDate(r.Due, l)})
}

// mailDate is a civil date (or an instant's day in Berlin) in a mail's
// language.
func mailDate(d time.Time, l locale.Lang) string {
	if d.Location() != time.UTC {
		d = d.In(request.Berlin)
	}
	return register.DateOf(d).Text(l)
}

// RemindRequests mails the reminders due today: for each open request
// whose last day is one of the reminder days away, or has passed, one
// mail to the reminders' mailbox a day (a second run on the same day
// sends nothing). The mails name the request, its kind and its last day,
// never the person. Returns how many were sent.
func (a *App) RemindRequests(ctx context.Context) (int, error) {
	if _, err := a.require(ctx, auth.Write, audit.RequestMail, "reminders"); err != nil {
		return 0, err
	}
	if a.mail == nil || a.remindTo == "" {
		return 0, gdpr.Keyed(gdpr.EINVALID, "remind-to", "request.noremind")
	}
	ms, ok := a.store.(RequestMailStore)
	if !ok {
		return 0, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	rs, _, err := a.Requests(ctx, RequestFilter{Filter: request.Filter{Open: true, Limit: 1000}})
	if err != nil {
		return 0, err
	}
	now := a.now()
	today := now.In(request.Berlin).Format(time.DateOnly)
	sent := 0
	for _, r := range rs {
		if !r.Overdue && !slices.Contains(a.remindDays, r.DaysLeft) {
			continue
		}
		mails, err := ms.RequestMails(ctx, r.ID)
		if err != nil {
			return sent, err
		}
		if slices.ContainsFunc(mails, func(m request.Mail) bool {
			return m.Kind == request.MailReminder && m.At.In(request.Berlin).Format(time.DateOnly) == today
		}) {
			continue
		}
		l := locale.DE
		key := "mail.reminder.soon"
		if r.Overdue {
			key = "mail.reminder.overdue"
		}
		text := locale.T(l, key, locale.T(l, "value.request.kind."+string(r.Kind)), r.ID, mailDate(r.LastDay(), l), abs(r.DaysLeft),
			locale.T(l, "value.request.state."+string(r.State)))
		s, err := a.mail.Send(ctx, mail.Message{To: a.remindTo, Subject: locale.T(l, "mail.reminder.subject", r.ID, mailDate(r.LastDay(), l)), Text: text,
			Headers: map[string]string{"Auto-Submitted": "auto-generated"}})
		if err != nil {
			return sent, a.record(ctx, audit.RequestMail, r.ID, err)
		}
		if err := ms.AddRequestMail(ctx, r.ID, request.Mail{Kind: request.MailReminder, MessageID: s.MessageID, At: s.At, Response: s.Response}); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
