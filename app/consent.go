package app

import (
	"context"
	"crypto/rand"

	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
	"gdpr/consent"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/request"
	"gdpr/retention"
	"gdpr/suppression"
	"gdpr/vault"
)

// ConsentStore keeps the consent ledger.
type ConsentStore interface {
	SavePurpose(ctx context.Context, p *consent.Purpose, version int) error
	Purposes(ctx context.Context) ([]consent.Purpose, error)
	FindPurpose(ctx context.Context, id string) (consent.Purpose, error)
	AddText(ctx context.Context, t *consent.Text) error
	Texts(ctx context.Context, purpose string) ([]consent.Text, error)
	AppendConsent(ctx context.Context, a consent.Append) error
	FindConsentToken(ctx context.Context, hash, useFor string, now time.Time) (consent.Token, error)
	ConsentEvents(ctx context.Context, subject, purpose string) ([]consent.Event, error)
	ConsentState(ctx context.Context, keyID string, hash []byte, purpose string) (consent.State, bool, error)
	ConsentMails(ctx context.Context, signup string) ([]request.Mail, error)
	AddForm(ctx context.Context, f *consent.Form) error
	Forms(ctx context.Context, purpose string) ([]consent.Form, error)
	FindForm(ctx context.Context, id string) (consent.Form, error)
	ClaimConsentJobs(ctx context.Context, signup string, now time.Time, lease time.Duration, limit int) ([]consent.Job, error)
	FailConsentJob(ctx context.Context, id, errText string, next, now time.Time) error
	DropConsentJob(ctx context.Context, j consent.Job, action, outcome string) error
	RetryConsentJob(ctx context.Context, id string, now time.Time) error
	ConsentJobs(ctx context.Context, failed bool, limit int) ([]consent.Job, error)
	AddHook(ctx context.Context, h *consent.Hook) error
	Hooks(ctx context.Context) ([]consent.Hook, error)
	DeleteHook(ctx context.Context, id string) error
	ConsentStats(ctx context.Context, keyID string) (map[string]consent.Stats, error)
	EvidenceCandidates(ctx context.Context, purpose string, closed bool, after string, limit int) ([]string, error)
}

// Link uses of the ledger.
const (
	consentConfirm     = "confirm"
	consentUnsubscribe = "unsubscribe"
	// unsubscribeTTL: the unsubscribe link of a mail works as long as a
	// consent may last without a new sign-up.
	unsubscribeTTL = 5 * 365 * 24 * time.Hour
)

// consentAs checks the caller's permission for a step of the ledger
// (recording a denial) and returns the store.
func (a *App) consentAs(ctx context.Context, perm auth.Permission, action, target string) (ConsentStore, error) {
	if _, err := a.require(ctx, perm, action, target); err != nil {
		return nil, err
	}
	return a.consentStore()
}

func (a *App) consentStore() (ConsentStore, error) {
	cs, ok := a.store.(ConsentStore)
	if !ok {
		return nil, gdpr.Keyed(gdpr.EINTERNAL, "", "request.nostore")
	}
	return cs, nil
}

// SavePurpose creates (version 0) or changes a purpose. Its activity must
// be in the register and rest on consent (Art. 6(1)(a), 9(2)(a)): the
// ledger proves consents, not other grounds.
func (a *App) SavePurpose(ctx context.Context, p consent.Purpose, version int) (consent.Purpose, error) {
	cs, err := a.consentAs(ctx, auth.Write, audit.ConsentPurpose, p.ID)
	if err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, a.record(ctx, audit.ConsentPurpose, p.ID, err)
	}
	if _, err := consent.KeepRule(p.Keep); err != nil {
		return p, a.record(ctx, audit.ConsentPurpose, p.ID, err)
	}
	acts, err := a.activitiesByID(ctx)
	if err != nil {
		return p, err
	}
	act := acts[p.Activity]
	if act == nil {
		return p, a.record(ctx, audit.ConsentPurpose, p.ID, gdpr.Keyed(gdpr.EINVALID, "activity", "notfound.activity", p.Activity))
	}
	if !consentBased.MatchString(strings.Join(act.LegalBases, " ")) {
		return p, a.record(ctx, audit.ConsentPurpose, p.ID, gdpr.Keyed(gdpr.EINVALID, "activity", "consent.activity.basis", act.Name))
	}
	return p, a.record(ctx, audit.ConsentPurpose, p.ID, cs.SavePurpose(ctx, &p, version))
}

// Purposes lists the purposes.
func (a *App) Purposes(ctx context.Context) ([]consent.Purpose, error) {
	cs, err := a.consentAs(ctx, auth.Read, audit.ConsentPurpose, "")
	if err != nil {
		return nil, err
	}
	return cs.Purposes(ctx)
}

// Purpose is one purpose.
func (a *App) Purpose(ctx context.Context, id string) (consent.Purpose, error) {
	cs, err := a.consentAs(ctx, auth.Read, audit.ConsentPurpose, id)
	if err != nil {
		return consent.Purpose{}, err
	}
	return cs.FindPurpose(ctx, id)
}

// AddConsentText keeps a new version of a purpose's text.
func (a *App) AddConsentText(ctx context.Context, t consent.Text) (consent.Text, error) {
	cs, err := a.consentAs(ctx, auth.Write, audit.ConsentText, t.Purpose)
	if err != nil {
		return t, err
	}
	if _, err := cs.FindPurpose(ctx, t.Purpose); err != nil {
		return t, a.record(ctx, audit.ConsentText, t.Purpose, err)
	}
	if err := t.Validate(); err != nil {
		return t, a.record(ctx, audit.ConsentText, t.Purpose, err)
	}
	return t, a.record(ctx, audit.ConsentText, t.Purpose, cs.AddText(ctx, &t))
}

// ConsentTexts lists a purpose's text versions, newest first.
func (a *App) ConsentTexts(ctx context.Context, purpose string) ([]consent.Text, error) {
	cs, err := a.consentAs(ctx, auth.Read, audit.ConsentText, purpose)
	if err != nil {
		return nil, err
	}
	return cs.Texts(ctx, purpose)
}

// Signup is a sign-up as a form or the API sends it.
type Signup struct {
	Purpose string
	Email   string
	Name    string
	Lang    string
	Lists   []string
	// Fields are the names of the fields the form asked (email, name,
	// birthday…): part of the evidence, not their values.
	Fields  []string
	FormURL string
	IP, UA  string
	// Mode is how the sign-up is confirmed (double opt-in by default;
	// single and confirmed opt-in are kept, marked as weak proof).
	Mode consent.Mode
	// Client is the client's address for the rate limit (counted only).
	Client string
}

// Signup limits: per address and per client an hour.
const (
	signupsPerAddress = 5
	signupsPerClient  = 60
)

// SignUp records a sign-up and, for double opt-in, mails the link that
// confirms it: the person (a vault subject: the one who signed up for
// the purpose before, or a new one), the event with the text version the
// form showed, the form's URL, the fields and lists asked, the IP and the
// browser sealed under the person's key, a link to confirm (valid as the
// purpose says) and one to withdraw, all in one transaction with the
// event's digest in the log. The answer is the same whether the address
// was known. Returns the sign-up's id.
func (a *App) SignUp(ctx context.Context, s Signup, baseURL string) (string, error) {
	ctx = System(ctx, "consent")
	cs, err := a.consentStore()
	if err != nil {
		return "", err
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return "", err
	}
	email := strings.TrimSpace(s.Email)
	norm, err := vault.Normalise(vault.KindEmail, email)
	if err != nil || email == "" {
		return "", gdpr.Keyed(gdpr.EINVALID, "email", "request.portal.email")
	}
	if s.Mode == "" {
		s.Mode = consent.DOI
	}
	if !slices.Contains(consent.Modes, s.Mode) {
		return "", gdpr.Keyed(gdpr.EINVALID, "mode", "consent.mode", string(s.Mode))
	}
	if s.Mode == consent.DOI && a.mail == nil {
		return "", gdpr.Keyed(gdpr.EUNAVAILABLE, "", "request.portal.nomail")
	}
	now := a.now()
	if !a.portal.allow("sc:"+s.Client, signupsPerClient, now) || !a.portal.allow("se:"+auth.HashSecret(norm), signupsPerAddress, now) {
		return "", gdpr.Keyed(gdpr.ETHROTTLED, "", "request.portal.throttled")
	}
	p, err := cs.FindPurpose(ctx, s.Purpose)
	if err != nil {
		return "", gdpr.Keyed(gdpr.EINVALID, "purpose", "notfound.purpose", s.Purpose)
	}
	lists := consent.NormaliseList(s.Lists)
	for _, l := range lists {
		if !slices.Contains(p.Lists, l) {
			return "", gdpr.Keyed(gdpr.EINVALID, "lists", "consent.list", l)
		}
	}
	lang := string(langOf(s.Lang))
	text, err := a.currentText(ctx, cs, p.ID, lang)
	if err != nil {
		return "", err
	}
	if s.FormURL != "" {
		if u, err := url.Parse(s.FormURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || len(s.FormURL) > 2000 {
			return "", gdpr.Keyed(gdpr.EINVALID, "form_url", "consent.formurl")
		}
	}
	hash, _ := keys.Index.Hash(vault.KindEmail, email)
	// The person who signed up for the purpose before keeps one
	// timeline; anyone else is a new subject.
	var create *vault.Create
	var box *vault.Box
	subject := ""
	if st, ok, err := cs.ConsentState(ctx, keys.Index.ID(), hash, p.ID); err != nil {
		return "", err
	} else if ok {
		subject = st.Subject
		if box, err = a.subjectBox(ctx, subject); err != nil {
			subject = "" // shredded: a new person
		}
	}
	if subject == "" {
		rec := Record{"email": email}
		if n := strings.TrimSpace(s.Name); n != "" {
			rec["name"] = n
		}
		if create, box, err = a.prepareSubject(ctx, rec); err != nil {
			return "", err
		}
		subject = create.Stored.ID
	}
	signup := sortedID("u-", now) // no secret: the links are the tokens
	ev := &consent.Event{Purpose: p.ID, Subject: subject, Kind: consent.Given, Mode: s.Mode, Signup: signup, TextVersion: text.Version, TextHash: text.Hash,
		FormURL: s.FormURL, Fields: consent.NormaliseList(s.Fields), Lists: lists}
	ev.IPSealed, ev.IPHash = sealSalted(box, "ip:"+signup, s.IP)
	ev.UASealed, ev.UAHash = sealSalted(box, "ua:"+signup, s.UA)
	ev.AddrSealed, ev.AddrHash = sealSalted(box, "addr:"+signup, email)
	confirm, unsub := newToken(32), newToken(32)
	tokens := []consent.Token{{Hash: auth.HashSecret(unsub), UseFor: consentUnsubscribe, Signup: signup, Purpose: p.ID, Subject: subject, Expires: now.Add(unsubscribeTTL)}}
	if s.Mode == consent.DOI {
		tokens = append(tokens, consent.Token{Hash: auth.HashSecret(confirm), UseFor: consentConfirm, Signup: signup, Purpose: p.ID, Subject: subject, Expires: now.Add(p.ConfirmWithin)})
	}
	// A new person has no events before this one.
	var prior []consent.Event
	if create == nil {
		if prior, err = cs.ConsentEvents(ctx, subject, p.ID); err != nil {
			return "", err
		}
	}
	state := consent.Fold(append(prior, *ev))
	jobs, err := a.hookJobs(ctx, cs, box, ev, email)
	if err != nil {
		return "", err
	}
	if s.Mode == consent.DOI {
		base := strings.TrimSuffix(baseURL, "/")
		link := base + "/consent/confirm?t=" + confirm + "&lang=" + lang
		unsubURL := base + "/consent/unsubscribe?t=" + unsub + "&lang=" + lang
		m := mailJob{To: email, Lang: lang, Unsubscribe: unsubURL, Data: map[string]string{"Purpose": p.Name, "Link": link, "Until": mailMoment(now.Add(p.ConfirmWithin), langOf(lang)), "Unsubscribe": unsubURL,
			"Name": strings.TrimSpace(s.Name), "Request": signup, "Person": email}}
		body, _ := json.Marshal(m)
		jobs = append(jobs, consent.Job{Kind: consent.JobMail, Target: request.MailConsentConfirm, Signup: signup, Subject: subject, Purpose: p.ID,
			Sealed: box.Seal(jobLabel(consent.JobMail, request.MailConsentConfirm, signup), string(body))})
	}
	p0, _ := auth.PrincipalFrom(ctx)
	if err := a.grouped(ctx, groupReq{append: &consent.Append{Create: create, Event: ev, State: state, Keys: stateKeys(keys, email), Tokens: tokens, Jobs: jobs, Actor: p0.Actor}}); err != nil {
		return "", err
	}
	if len(jobs) == 0 {
		return signup, nil
	}
	// The sign-up stands whatever its mail does (it expires unconfirmed);
	// without a job runner the caller learns that the mail failed.
	return signup, a.kickConsent(ctx, signup)
}

// currentText is the newest text of a purpose in a language (or in the
// other one, when it has none in this).
func (a *App) currentText(ctx context.Context, cs ConsentStore, purpose, lang string) (consent.Text, error) {
	ts, err := cs.Texts(ctx, purpose)
	if err != nil {
		return consent.Text{}, err
	}
	for _, t := range ts {
		if t.Lang == lang {
			return t, nil
		}
	}
	if len(ts) > 0 {
		return ts[0], nil
	}
	return consent.Text{}, gdpr.Keyed(gdpr.EINVALID, "purpose", "consent.notext", purpose)
}

// stateKeys are the blind indexes of an address the state is kept under:
// the current index key's (and the older one's, while a re-index runs).
func stateKeys(keys VaultKeys, email string) []consent.StateKey {
	var out []consent.StateKey
	for _, ix := range []*vault.Indexer{keys.Index, keys.OlderIndex} {
		if ix == nil {
			continue
		}
		if h, err := ix.Hash(vault.KindEmail, email); err == nil {
			out = append(out, consent.StateKey{KeyID: ix.ID(), Hash: h})
		}
	}
	return out
}

// sealSalted seals a value of an event under the person's key with a
// random salt, and returns its salted hash for the digest ("" for none).
func sealSalted(box *vault.Box, label, v string) ([]byte, string) {
	if v = strings.TrimSpace(v); v == "" || box == nil {
		return nil, ""
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	salted := consent.Salted(salt, v)
	return box.Seal(label, salted), consent.SaltedHash(salted)
}

// newToken is a random link token of n bytes, URL-safe; only its hash
// is ever stored.
func newToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func mailMoment(t time.Time, l locale.Lang) string {
	return t.In(request.Berlin).Format("02.01.2006 15:04")
}

// controllerName is the register's controller, for the mails.
func (a *App) controllerName(ctx context.Context) string {
	h, err := a.store.Header(ctx)
	if err != nil || h.Controller == nil {
		return ""
	}
	return h.Controller.Name
}

// ConfirmSignup spends a confirmation link: the double opt-in is
// confirmed with the IP, the browser and the time of the click, and the
// mail that carried the link (its Message-ID and the SHA-256 of the
// message as sent). One answer for a link used, expired or unknown.
func (a *App) ConfirmSignup(ctx context.Context, token, ip, ua string) (consent.State, error) {
	ctx = System(ctx, "consent")
	return a.consentStep(ctx, consentConfirm, token, consent.Confirmed, ip, ua, "link")
}

// Unsubscribe spends an unsubscribe link (the mail's link, or the
// one-click POST a mail client sends): the consent is withdrawn and the
// address goes on the suppression list for the purpose's activity.
func (a *App) Unsubscribe(ctx context.Context, token, ip, ua, how string) (consent.State, error) {
	ctx = System(ctx, "consent")
	return a.consentStep(ctx, consentUnsubscribe, token, consent.Withdrawn, ip, ua, how)
}

func (a *App) consentStep(ctx context.Context, use, token string, kind consent.Kind, ip, ua, source string) (consent.State, error) {
	cs, err := a.consentStore()
	if err != nil {
		return consent.State{}, err
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return consent.State{}, err
	}
	hash := auth.HashSecret(strings.TrimSpace(token))
	t, err := cs.FindConsentToken(ctx, hash, use, a.now())
	if err != nil {
		return consent.State{}, err
	}
	prior, err := cs.ConsentEvents(ctx, t.Subject, t.Purpose)
	if err != nil {
		return consent.State{}, err
	}
	box, err := a.subjectBox(ctx, t.Subject)
	if err != nil {
		return consent.State{}, gdpr.Keyed(gdpr.ENOTFOUND, "", "request.link")
	}
	who, err := a.openSubject(ctx, t.Subject)
	if err != nil {
		return consent.State{}, err
	}
	ev := &consent.Event{Purpose: t.Purpose, Subject: t.Subject, Kind: kind, Signup: t.Signup, Source: source}
	ev.IPSealed, ev.IPHash = sealSalted(box, "ip:"+t.Signup+":"+string(kind), ip)
	ev.UASealed, ev.UAHash = sealSalted(box, "ua:"+t.Signup+":"+string(kind), ua)
	if kind == consent.Confirmed {
		if ms, err := cs.ConsentMails(ctx, t.Signup); err == nil {
			for _, m := range ms {
				if m.Kind == request.MailConsentConfirm {
					ev.MailID, ev.MailHash = m.MessageID, m.Hash
				}
			}
		}
	}
	state := consent.Fold(append(prior, *ev))
	spend := hash
	if use == consentUnsubscribe {
		// The unsubscribe link stays usable: a second click withdraws
		// nothing more, and says so the same way.
		spend = ""
	}
	jobs, err := a.hookJobs(ctx, cs, box, ev, who.Record["email"])
	if err != nil {
		return consent.State{}, err
	}
	if err := cs.AppendConsent(ctx, consent.Append{Event: ev, State: state, Keys: stateKeys(keys, who.Record["email"]), Use: spend, Jobs: jobs}); err != nil {
		return consent.State{}, err
	}
	a.kickHooks(ctx, jobs)
	if kind == consent.Withdrawn {
		if err := a.suppressConsent(ctx, cs, t.Purpose, who.Record["email"], t.Signup); err != nil {
			return state, err
		}
	}
	return state, nil
}

// suppressConsent puts a withdrawn address on the suppression list for
// the purpose's activity.
func (a *App) suppressConsent(ctx context.Context, cs ConsentStore, purpose, email, signup string) error {
	ss, ok := a.store.(SuppressionStore)
	if !ok {
		return nil
	}
	p, err := cs.FindPurpose(ctx, purpose)
	if err != nil {
		return err
	}
	var es []suppression.Entry
	for _, k := range stateKeys(a.vault, email) {
		es = append(es, suppression.Entry{KeyID: k.KeyID, Hash: k.Hash, Kind: vault.KindEmail, Scope: p.Activity, Reason: suppression.Withdrawal, Request: signup})
	}
	return ss.AddSuppressions(ctx, es)
}

// MayMail answers "may I mail this address for purpose P?": yes when its
// consent is active and the address is not on the suppression list for
// the purpose's activity. An index lookup by the address's blind index;
// no personal data is read or logged.
func (a *App) MayMail(ctx context.Context, email, purpose string) (consent.State, error) {
	cs, err := a.consentAs(ctx, auth.Read, audit.ConsentCheck, purpose)
	if err != nil {
		return consent.State{}, err
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return consent.State{}, err
	}
	h, err := keys.Index.Hash(vault.KindEmail, email)
	if err != nil {
		return consent.State{}, gdpr.Keyed(gdpr.EINVALID, "email", "request.portal.email")
	}
	// The state row notes the suppression list's latest entry for the
	// purpose's activity (store: suppressed_at): one indexed row.
	st, _, err := cs.ConsentState(ctx, keys.Index.ID(), h, purpose)
	return st, err
}

// AddForm registers a sign-up form for a purpose: its id (to put into the
// form), the origins its pages come from, the mode, the fields it asks.
func (a *App) AddForm(ctx context.Context, f consent.Form) (consent.Form, error) {
	cs, err := a.consentAs(ctx, auth.Write, audit.ConsentPurpose, f.Purpose)
	if err != nil {
		return f, err
	}
	if _, err := cs.FindPurpose(ctx, f.Purpose); err != nil {
		return f, a.record(ctx, audit.ConsentPurpose, f.Purpose, gdpr.Keyed(gdpr.EINVALID, "purpose", "notfound.purpose", f.Purpose))
	}
	if err := f.Validate(); err != nil {
		return f, a.record(ctx, audit.ConsentPurpose, f.Purpose, err)
	}
	f.ID = "f-" + newToken(9)
	return f, a.record(ctx, audit.ConsentPurpose, f.Purpose, cs.AddForm(ctx, &f))
}

// Forms lists the sign-up forms of a purpose ("" for all).
func (a *App) Forms(ctx context.Context, purpose string) ([]consent.Form, error) {
	cs, err := a.consentAs(ctx, auth.Read, audit.ConsentPurpose, purpose)
	if err != nil {
		return nil, err
	}
	return cs.Forms(ctx, purpose)
}

// FormSignup is a sign-up posted to a form of a website.
type FormSignup struct {
	Form   string
	Origin string // the browser's Origin header ("" from a server)
	Signup
}

// SignUpByForm checks a post against its form — known, from an allowed
// origin — and records the sign-up with the form's purpose, mode and
// fields. Returns the sign-up and the form (for where to go next).
func (a *App) SignUpByForm(ctx context.Context, fs FormSignup, baseURL string) (string, consent.Form, error) {
	cs, err := a.consentStore()
	if err != nil {
		return "", consent.Form{}, err
	}
	f, err := cs.FindForm(ctx, strings.TrimSpace(fs.Form))
	if err != nil {
		return "", f, gdpr.Keyed(gdpr.EINVALID, "form", "consent.form")
	}
	if !f.Allows(fs.Origin) {
		return "", f, gdpr.Keyed(gdpr.EFORBIDDEN, "origin", "consent.origin.denied")
	}
	s := fs.Signup
	s.Purpose, s.Mode, s.Fields = f.Purpose, f.Mode, f.Fields
	if s.Lang == "" {
		s.Lang = f.Lang
	}
	id, err := a.SignUp(ctx, s, baseURL)
	return id, f, err
}

// OriginAllowed tells whether any sign-up form names an origin (a
// browser's CORS question, asked before the form is known).
func (a *App) OriginAllowed(ctx context.Context, origin string) (bool, error) {
	cs, err := a.consentStore()
	if err != nil {
		return false, err
	}
	fs, err := cs.Forms(ctx, "")
	if err != nil {
		return false, err
	}
	for _, f := range fs {
		if origin != "" && f.Allows(origin) {
			return true, nil
		}
	}
	return false, nil
}

// Withdraw withdraws an address's consent to a purpose on the company's
// side (staff who took a call, the API of the company's mailer): as easy
// as giving it (Art. 7(3)); the address goes on the suppression list.
// how says by which channel (recorded as the event's source).
func (a *App) Withdraw(ctx context.Context, email, purpose, how string) (consent.State, error) {
	cs, err := a.consentAs(ctx, auth.Write, audit.ConsentEvent, purpose)
	if err != nil {
		return consent.State{}, err
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return consent.State{}, err
	}
	h, err := keys.Index.Hash(vault.KindEmail, email)
	if err != nil {
		return consent.State{}, gdpr.Keyed(gdpr.EINVALID, "email", "request.portal.email")
	}
	st, ok, err := cs.ConsentState(ctx, keys.Index.ID(), h, purpose)
	if err != nil {
		return st, err
	}
	if !ok {
		return st, a.record(ctx, audit.ConsentEvent, purpose, gdpr.Keyed(gdpr.ENOTFOUND, "email", "consent.unknown", purpose))
	}
	prior, err := cs.ConsentEvents(ctx, st.Subject, purpose)
	if err != nil {
		return st, err
	}
	if len(prior) == 0 {
		return st, gdpr.Keyed(gdpr.ENOTFOUND, "email", "consent.unknown", purpose)
	}
	if how = strings.TrimSpace(how); how == "" {
		how = "staff"
	}
	ev := &consent.Event{Purpose: purpose, Subject: st.Subject, Kind: consent.Withdrawn, Signup: prior[len(prior)-1].Signup, Source: how}
	state := consent.Fold(append(prior, *ev))
	var jobs []consent.Job
	if box, err := a.subjectBox(ctx, st.Subject); err == nil {
		if jobs, err = a.hookJobs(ctx, cs, box, ev, email); err != nil {
			return state, err
		}
	}
	if err := cs.AppendConsent(ctx, consent.Append{Event: ev, State: state, Keys: stateKeys(keys, email), Jobs: jobs}); err != nil {
		return state, err
	}
	a.kickHooks(ctx, jobs)
	return state, a.suppressConsent(ctx, cs, purpose, email, ev.Signup)
}

// ConsentEvidence compiles the evidence of an address's consent to a
// purpose: the purpose, the person's timeline with each event's inclusion
// proof in the tamper-evident log, the values it sealed opened (while the
// person's key exists), the text versions shown, the mails sent — signed
// as a whole with the log's key. It reads personal data: the caller
// needs access to people, and the read is recorded.
func (a *App) ConsentEvidence(ctx context.Context, email, purpose string) ([]byte, consent.Evidence, error) {
	var ev consent.Evidence
	cs, err := a.consentAs(ctx, auth.Subjects, audit.SubjectRead, purpose)
	if err != nil {
		return nil, ev, err
	}
	ls, err := a.logStore()
	if err != nil {
		return nil, ev, err
	}
	_, keys, err := a.vaultReady()
	if err != nil {
		return nil, ev, err
	}
	if keys.LogKey == "" {
		return nil, ev, gdpr.Keyed(gdpr.EINVALID, "", "store.logunsigned")
	}
	signer, err := note.NewSigner(keys.LogKey)
	if err != nil {
		return nil, ev, err
	}
	// By the address (its state by blind index), or by the person's id:
	// an erased person's address finds nothing any more, their events
	// stay and are proven by id.
	subject := strings.TrimSpace(email)
	if !strings.HasPrefix(subject, "s-") || strings.Contains(subject, "@") {
		h, err := keys.Index.Hash(vault.KindEmail, email)
		if err != nil {
			return nil, ev, gdpr.Keyed(gdpr.EINVALID, "email", "request.portal.email")
		}
		st, ok, err := cs.ConsentState(ctx, keys.Index.ID(), h, purpose)
		if err != nil {
			return nil, ev, err
		}
		if !ok {
			return nil, ev, gdpr.Keyed(gdpr.ENOTFOUND, "email", "consent.unknown", purpose)
		}
		subject = st.Subject
	}
	p, err := cs.FindPurpose(ctx, purpose)
	if err != nil {
		return nil, ev, err
	}
	events, err := cs.ConsentEvents(ctx, subject, purpose)
	if err != nil {
		return nil, ev, err
	}
	if len(events) == 0 {
		return nil, ev, gdpr.Keyed(gdpr.ENOTFOUND, "email", "consent.unknown", purpose)
	}
	box, _ := a.subjectBox(ctx, subject) // nil once shredded: the sealed values stay closed
	open := func(label string, sealed []byte) string {
		if box == nil || sealed == nil {
			return ""
		}
		s, err := box.Open(label, sealed)
		if err != nil {
			return ""
		}
		return s
	}
	ev = consent.Evidence{Format: consent.EvidenceFormat, Controller: a.controllerName(ctx), Made: a.now().UTC(), Purpose: p, Subject: subject, State: consent.Fold(events)}
	texts, err := cs.Texts(ctx, purpose)
	if err != nil {
		return nil, ev, err
	}
	signups := map[string]bool{}
	for _, e := range events {
		suffix := ""
		if e.Kind != consent.Given && e.Kind != consent.Imported {
			suffix = ":" + string(e.Kind)
		}
		x := consent.EvidenceEvent{Event: e, IP: open("ip:"+e.Signup+suffix, e.IPSealed), UA: open("ua:"+e.Signup+suffix, e.UASealed), Addr: open("addr:"+e.Signup, e.AddrSealed)}
		if x.Proof, err = ls.ProveEntry(ctx, e.AuditID); err != nil {
			return nil, ev, err
		}
		ev.Events = append(ev.Events, x)
		for _, t := range texts {
			if t.Version == e.TextVersion && t.Hash == e.TextHash && !slices.ContainsFunc(ev.Texts, func(y consent.Text) bool { return y.Hash == t.Hash && y.Version == t.Version }) {
				ev.Texts = append(ev.Texts, t)
			}
		}
		if !signups[e.Signup] {
			signups[e.Signup] = true
			ms, err := cs.ConsentMails(ctx, e.Signup)
			if err != nil {
				return nil, ev, err
			}
			for _, m := range ms {
				raw := open("mail:"+e.Signup+":"+m.MessageID, m.Sealed)
				ev.Mails = append(ev.Mails, consent.EvidenceMail{Kind: m.Kind, MessageID: m.MessageID, At: m.At, Response: m.Response, Hash: m.Hash, Raw: raw})
			}
		}
	}
	if err := a.auditNow(ctx, audit.Entry{Action: audit.SubjectRead, Target: subject, Outcome: audit.OK, Detail: "consent evidence " + purpose}); err != nil {
		return nil, ev, err
	}
	b, err := consent.SignEvidence(ev, signer)
	return b, ev, err
}

// ExpireSignups ends the double-opt-in sign-ups whose link ran out
// unconfirmed: an expiry event each, and a person who signed up only
// then is erased (the key shredded: the address and the IPs no longer
// open; the events stay and still verify). The sweep runs it; returns
// how many it ended.
func (a *App) ExpireSignups(ctx context.Context) (int, error) {
	cs, err := a.consentAs(ctx, auth.Write, audit.ConsentEvent, "expire")
	if err != nil {
		return 0, err
	}
	xs, ok := a.store.(interface {
		ExpiredSignups(ctx context.Context, now time.Time, limit int) ([]consent.Token, error)
	})
	if !ok {
		return 0, nil
	}
	n := 0
	for {
		ts, err := xs.ExpiredSignups(ctx, a.now(), 500)
		if err != nil || len(ts) == 0 {
			return n, err
		}
		for _, t := range ts {
			prior, err := cs.ConsentEvents(ctx, t.Subject, "")
			if err != nil {
				return n, err
			}
			mine := prior[:0:0]
			for _, e := range prior {
				if e.Purpose == t.Purpose {
					mine = append(mine, e)
				}
			}
			ev := &consent.Event{Purpose: t.Purpose, Subject: t.Subject, Kind: consent.Expired, Signup: t.Signup, Source: "unconfirmed"}
			state := consent.Fold(append(mine, *ev))
			// The state index is kept by the address; its hash is read
			// from the vault while the person exists.
			var keys []consent.StateKey
			if who, err := a.openSubject(ctx, t.Subject); err == nil && !who.Shredded {
				keys = stateKeys(a.vault, who.Record["email"])
			}
			if err := cs.AppendConsent(ctx, consent.Append{Event: ev, State: state, Keys: keys}); err != nil {
				return n, err
			}
			n++
			// Only this sign-up ever: nothing else keeps the person.
			if !slices.ContainsFunc(prior, func(e consent.Event) bool { return e.Signup != t.Signup }) {
				if err := a.ShredSubject(ctx, t.Subject); err != nil && gdpr.ErrorCode(err) != gdpr.ECONFLICT {
					return n, err
				}
			}
		}
	}
}

// WriteEvidencePDF writes the evidence printable (German or English): the
// ten facts a consent's proof rests on (seed 003's list: the address, the
// sign-up's id, the mode, the form's URL, the IPs of the sign-up and of the
// click, both times, the fields and lists asked, the subscriber's id),
// the text version shown, the confirmation mail as sent, the timeline with
// the log entries that prove it, and the log's checkpoint.
func (a *App) WriteEvidencePDF(w io.Writer, ev consent.Evidence, l locale.Lang) error {
	t := func(key string, args ...any) string { return locale.T(l, key, args...) }
	dash := func(s string) []string {
		if strings.TrimSpace(s) == "" {
			return []string{"–"}
		}
		return []string{s}
	}
	when := func(x time.Time) string { return locale.Time(l, x) }
	// The latest sign-up and its confirmation.
	var given, confirmed *consent.EvidenceEvent
	for i := range ev.Events {
		x := &ev.Events[i]
		switch x.Event.Kind {
		case consent.Given, consent.Imported:
			given, confirmed = x, nil
		case consent.Confirmed:
			if given != nil && x.Event.Signup == given.Event.Signup {
				confirmed = x
			}
		}
	}
	doc := &export.Access{Title: t("consent.pdf.title", ev.Purpose.Name), Controller: ev.Controller, Lang: l, AsOf: t("export.asof", when(ev.Made)),
		Intro: t("consent.pdf.intro")}
	var rows []export.Row
	if given != nil {
		g := given.Event
		mode := t("value.consent.mode." + string(g.Mode))
		if g.Mode.Weak() {
			mode += " – " + t("consent.pdf.weak")
		}
		lists := strings.Join(append(append([]string{}, g.Fields...), g.Lists...), ", ")
		rows = []export.Row{
			{Label: t("consent.pdf.email"), Values: dash(consent.Unsalt(given.Addr))},
			{Label: t("consent.pdf.signup"), Values: dash(g.Signup)},
			{Label: t("consent.pdf.mode"), Values: dash(mode)},
			{Label: t("consent.pdf.url"), Values: dash(g.FormURL)},
			{Label: t("consent.pdf.ip.signup"), Values: dash(consent.Unsalt(given.IP))},
			{Label: t("consent.pdf.at.signup"), Values: dash(when(g.At))},
			{Label: t("consent.pdf.fields"), Values: dash(lists)},
			{Label: t("consent.pdf.subscriber"), Values: dash(ev.Subject)},
		}
		ipc, atc := "", ""
		if confirmed != nil {
			ipc, atc = consent.Unsalt(confirmed.IP), when(confirmed.Event.At)
		}
		rows = slices.Insert(rows, 5, export.Row{Label: t("consent.pdf.ip.confirm"), Values: dash(ipc)})
		rows = slices.Insert(rows, 7, export.Row{Label: t("consent.pdf.at.confirm"), Values: dash(atc)})
		rows = append(rows, export.Row{Label: t("consent.pdf.text"), Values: dash(t("consent.pdf.textref", g.TextVersion, g.TextHash))})
	}
	rows = append(rows, export.Row{Label: t("consent.pdf.state"), Values: dash(t(stateKey(ev.State)))})
	doc.Sections = append(doc.Sections, export.AccessSection{Heading: t("consent.pdf.facts"), Rows: rows})
	var tl []export.Row
	for _, x := range ev.Events {
		e := x.Event
		v := when(e.At)
		if ip := consent.Unsalt(x.IP); ip != "" {
			v += " · IP " + ip
		}
		if e.Source != "" {
			v += " · " + e.Source
		}
		tl = append(tl, export.Row{Label: t("value.consent.kind." + string(e.Kind)), Values: []string{v, t("consent.pdf.proof", x.Proof.Index, e.AuditID)}, Text: true})
	}
	doc.Sections = append(doc.Sections, export.AccessSection{Heading: t("consent.pdf.timeline"), Rows: tl})
	for _, x := range ev.Texts {
		doc.Sections = append(doc.Sections, export.AccessSection{Heading: t("consent.pdf.textversion", x.Version, x.Lang), Text: x.Body + "\n\nSHA-256 " + x.Hash})
	}
	for _, m := range ev.Mails {
		body := m.Raw
		if body == "" {
			body = t("consent.pdf.mail.closed")
		}
		doc.Sections = append(doc.Sections, export.AccessSection{Heading: t("consent.pdf.mail", when(m.At)),
			Text: "Message-ID " + m.MessageID + "\n" + m.Response + "\nSHA-256 " + m.Hash + "\n\n" + body})
	}
	cp := ""
	if n := len(ev.Events); n > 0 {
		cp = ev.Events[n-1].Proof.Checkpoint
	}
	doc.Sections = append(doc.Sections, export.AccessSection{Heading: t("consent.pdf.verify"), Text: t("consent.pdf.verify.text")})
	return export.WriteAccessPDF(w, doc, export.Options{Lang: l, Now: ev.Made, Checkpoint: cp})
}

// stateKey is the catalogue key of a state in words.
func stateKey(st consent.State) string {
	switch {
	case st.Active && st.Weak:
		return "cli.consent.weak"
	case st.Active:
		return "cli.consent.yes"
	case st.Pending:
		return "cli.consent.pending"
	}
	return "cli.consent.no"
}

// PurposeStats is a purpose with its numbers, for the staff's page.
type PurposeStats struct {
	consent.Purpose
	consent.Stats
}

// ConsentStats lists the purposes with their numbers: sign-ups,
// confirmation rate, withdrawals, people active now.
func (a *App) ConsentStats(ctx context.Context) ([]PurposeStats, error) {
	cs, err := a.consentAs(ctx, auth.Read, audit.ConsentPurpose, "")
	if err != nil {
		return nil, err
	}
	ps, err := cs.Purposes(ctx)
	if err != nil {
		return nil, err
	}
	keyID := ""
	if a.vault.Index != nil {
		keyID = a.vault.Index.ID()
	}
	st, err := cs.ConsentStats(ctx, keyID)
	if err != nil {
		return nil, err
	}
	out := make([]PurposeStats, len(ps))
	for i, p := range ps {
		out[i] = PurposeStats{Purpose: p, Stats: st[p.ID]}
	}
	return out, nil
}

// RestsOnConsent tells whether an activity's legal basis is consent
// (Art. 6(1)(a), 9(2)(a)): only such an activity can carry a purpose.
func RestsOnConsent(act *register.Activity) bool {
	return act != nil && consentBased.MatchString(strings.Join(act.LegalBases, " "))
}

// EndEvidence erases the people whose consent evidence has run out: for
// every purpose with a keep rule, the people with a withdrawal (or all,
// once the purpose's account is closed) whose every purpose's rule has
// ended; their key is shredded (the address, the IPs, the mails no longer
// open; the events stay and still verify) and the state and links by
// their address are dropped. A person with a consent in use, or with a
// purpose that has no rule, is kept. The sweep runs it; returns how many
// it erased.
func (a *App) EndEvidence(ctx context.Context) (int, error) {
	cs, err := a.consentAs(ctx, auth.Write, audit.ConsentEvent, "evidence")
	if err != nil {
		return 0, err
	}
	ps, err := cs.Purposes(ctx)
	if err != nil {
		return 0, err
	}
	byID := map[string]consent.Purpose{}
	rules := map[string]*retention.Rule{}
	for _, p := range ps {
		byID[p.ID] = p
		if r, err := consent.KeepRule(p.Keep); err == nil && r != nil {
			rules[p.ID] = r
		}
	}
	today := a.now()
	n := 0
	for _, p := range ps {
		if rules[p.ID] == nil {
			continue
		}
		after := ""
		for {
			ids, err := cs.EvidenceCandidates(ctx, p.ID, p.Closed != nil, after, 500)
			if err != nil || len(ids) == 0 {
				if err != nil {
					return n, err
				}
				break
			}
			after = ids[len(ids)-1]
			for _, subject := range ids {
				events, err := cs.ConsentEvents(ctx, subject, "")
				if err != nil {
					return n, err
				}
				if !evidenceEnded(events, byID, rules, today) {
					continue
				}
				// Shredding drops the state and links by the address too.
				if err := a.ShredSubject(ctx, subject); err != nil && gdpr.ErrorCode(err) != gdpr.ECONFLICT {
					return n, err
				}
				n++
			}
		}
	}
	return n, nil
}

// evidenceEnded tells whether every purpose a person's events name has
// a keep rule that has ended by today.
func evidenceEnded(events []consent.Event, purposes map[string]consent.Purpose, rules map[string]*retention.Rule, today time.Time) bool {
	by := map[string][]consent.Event{}
	for _, e := range events {
		by[e.Purpose] = append(by[e.Purpose], e)
	}
	// Days in Berlin, as the retention rules count them.
	day := register.DateOf(today.In(retention.Berlin))
	for id, es := range by {
		end, ok := consent.EvidenceEnd(rules[id], purposes[id], es, today)
		if !ok || !register.DateOf(end.In(retention.Berlin)).Before(day) {
			return false
		}
	}
	return len(by) > 0
}
