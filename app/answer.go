package app

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/request"
	"gdpr/vault"
)

// AnswerStore keeps released answers.
type AnswerStore interface {
	SaveAnswer(ctx context.Context, id, kind string, sealed []byte, at time.Time) error
	FindAnswer(ctx context.Context, id string) (string, []byte, error)
}

// AnswerTTL is how long the link to a released answer is valid.
const AnswerTTL = 7 * 24 * time.Hour

const purposeAnswer = "answer"

// Answer is what a person downloads: the access report, the portable
// data, or the erasure's receipts, as staff released it.
type Answer struct {
	Kind     request.Kind      `json:"kind"`
	Lang     string            `json:"lang"`
	Released time.Time         `json:"released"`
	Access   *AccessReport     `json:"access,omitempty"`
	Portable *Portable         `json:"portable,omitempty"`
	Receipts []request.Receipt `json:"receipts,omitempty"`
}

// ReleaseAnswer releases the answer of a request to its person: it is
// compiled now (the systems searched again, the receipts read), sealed
// under the person's own key, the request marked answered, and the person
// mailed a link (valid AnswerTTL, single-use) to fetch it from the
// self-service page. Only to a person whose identity is established.
func (a *App) ReleaseAnswer(ctx context.Context, id string, version int, baseURL string) (*request.Request, error) {
	if _, err := a.require(ctx, auth.Subjects, audit.RequestUpdate, id); err != nil {
		return nil, err
	}
	as, ok := a.store.(AnswerStore)
	ts, ok2 := a.store.(TokenStore)
	if !ok || !ok2 {
		return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	r, err := a.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := r.Transition(request.Answered); err != nil {
		return nil, a.record(ctx, audit.RequestUpdate, id, err)
	}
	if a.mail == nil {
		return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.EINVALID, "", "request.nomail"))
	}
	ans := Answer{Kind: r.Kind, Lang: r.Lang, Released: a.now()}
	switch r.Kind {
	case request.Access, request.Copy:
		if ans.Access, err = a.RequestReport(ctx, id); err != nil {
			return nil, err
		}
		if len(ans.Access.Stale) > 0 {
			return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.ECONFLICT, "redaction", "request.redact.stale", len(ans.Access.Stale)))
		}
		// Staff's working list stays with staff.
		ans.Access.Redactions, ans.Access.Review = nil, nil
	case request.Portability:
		if ans.Portable, err = a.Portability(ctx, id); err != nil {
			return nil, err
		}
		if ans.Portable.Stale > 0 {
			return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.ECONFLICT, "redaction", "request.redact.stale", ans.Portable.Stale))
		}
	case request.Erasure, request.Restriction, request.Objection, request.Withdrawal, request.Rectification:
		if ans.Receipts, err = a.Receipts(ctx, id); err != nil {
			return nil, err
		}
		if len(ans.Receipts) == 0 {
			return nil, a.record(ctx, audit.RequestUpdate, id, gdpr.Keyed(gdpr.EINVALID, "", "request.answer.noerasure"))
		}
	}
	doc, err := json.Marshal(ans)
	if err != nil {
		return nil, err
	}
	sealed, err := a.sealFor(ctx, r.Requester, "answer:"+id, doc)
	if err != nil {
		return nil, err
	}
	if err := as.SaveAnswer(ctx, id, string(r.Kind), sealed, ans.Released); err != nil {
		return nil, err
	}
	token := newToken(32)
	expires := a.now().Add(AnswerTTL)
	if err := ts.CreateRequestToken(ctx, auth.HashSecret(token), id, purposeAnswer, expires); err != nil {
		return nil, err
	}
	l := langOf(r.Lang)
	link := strings.TrimSuffix(baseURL, "/") + "/privacy/answer?t=" + token + "&lang=" + string(l)
	if _, err := a.mailRequester(ctx, r, request.MailAnswer, map[string]string{"Link": link, "Until": mailDate(expires, langOf(r.Lang))}); err != nil {
		return nil, err
	}
	return a.StepRequest(ctx, id, r.Version, request.Answered)
}

// FetchAnswer spends an answer's link and returns the answer (the
// self-service page shows it). One answer for a link used, expired or
// unknown.
func (a *App) FetchAnswer(ctx context.Context, token string) (*Answer, error) {
	ctx = System(ctx, "portal")
	ts, ok := a.store.(TokenStore)
	as, ok2 := a.store.(AnswerStore)
	if !ok || !ok2 {
		return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	id, err := ts.UseRequestToken(ctx, auth.HashSecret(strings.TrimSpace(token)), purposeAnswer, a.now())
	if err != nil {
		return nil, err
	}
	r, err := a.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	_, sealed, err := as.FindAnswer(ctx, id)
	if err != nil {
		return nil, err
	}
	doc, err := a.openFor(ctx, r.Requester, "answer:"+id, sealed)
	if err != nil {
		return nil, err
	}
	var ans Answer
	if err := json.Unmarshal(doc, &ans); err != nil {
		return nil, err
	}
	a.audit(ctx, audit.Entry{Action: audit.RequestMail, Target: id, Outcome: audit.OK, Detail: "answer fetched"})
	return &ans, nil
}

// sealFor seals data under a subject's own data key (label binds it to
// its use): shredding the subject destroys it.
func (a *App) sealFor(ctx context.Context, subject, label string, data []byte) ([]byte, error) {
	box, err := a.subjectBox(ctx, subject)
	if err != nil {
		return nil, err
	}
	return box.Seal(label, string(data)), nil
}

// openFor opens what sealFor sealed.
func (a *App) openFor(ctx context.Context, subject, label string, sealed []byte) ([]byte, error) {
	box, err := a.subjectBox(ctx, subject)
	if err != nil {
		return nil, err
	}
	s, err := box.Open(label, sealed)
	return []byte(s), err
}

// subjectBox is the box of a subject's data key (ECONFLICT once it is
// shredded).
func (a *App) subjectBox(ctx context.Context, subject string) (*vault.Box, error) {
	vs, keys, err := a.vaultReady()
	if err != nil {
		return nil, err
	}
	v, err := vs.FindSubject(ctx, subject)
	if err != nil {
		return nil, err
	}
	if v.Shredded {
		return nil, gdpr.Keyed(gdpr.ECONFLICT, "", "conflict.shredded", subject)
	}
	return keys.box(v)
}
