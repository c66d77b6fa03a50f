package web

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gdpr"
	"gdpr/app"
	"gdpr/consent"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/session"
)

// The staff's pages of the consent ledger: the purposes with their
// numbers, a purpose's text versions with what each changed, a person's
// timeline and evidence, the webhooks and the jobs that failed.

type consentsData struct {
	base
	Purposes   []app.PurposeStats
	Activities []*register.Activity
	Hooks      []consent.Hook
	Failed     []consent.Job
	Events     []consent.Kind
	// Secret is a new webhook's, shown once.
	Secret, SecretHook string
	Error, Field       string
	// Form is what the purpose form was sent with, after an error.
	Form consent.Purpose
	// Person is a timeline looked up (Email, Purpose), with its evidence.
	Person   *consent.Evidence
	Email    string
	Lookup   string
	Weak     bool
	Timeline []timelineRow
}

type timelineRow struct {
	consent.EvidenceEvent
	When, IPText, UAText string
}

type purposeData struct {
	base
	P app.PurposeStats
	// Imported is what an import just did.
	Imported *app.ConsentImport
	Texts    []textVersion
	Forms    []consent.Form
	Error    string
	Field    string
	Body     string
	Notice   string
	TLang    string
}

type textVersion struct {
	consent.Text
	When string
	// Diff is what the version changed against the one before it in its
	// language (nil for the first).
	Diff []consent.Part
}

func (h *Handler) consentsPage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.consentsRender(w, r, id, http.StatusOK, consentsData{})
}

func (h *Handler) consentsRender(w http.ResponseWriter, r *http.Request, id session.Identity, status int, d consentsData) {
	ctx := r.Context()
	d.base = h.base(r, id, "consents")
	var err error
	if d.Purposes, err = h.App.ConsentStats(ctx); err != nil {
		h.problem(w, r, err)
		return
	}
	acts, _, err := h.App.Activities(ctx, register.Filter{})
	if err != nil {
		h.problem(w, r, err)
		return
	}
	for _, a := range acts {
		if app.RestsOnConsent(a) {
			d.Activities = append(d.Activities, a)
		}
	}
	if d.IsAdmin {
		if d.Hooks, err = h.App.Hooks(ctx); err != nil {
			h.problem(w, r, err)
			return
		}
		if d.Failed, err = h.App.ConsentJobs(ctx, true); err != nil {
			h.problem(w, r, err)
			return
		}
	}
	d.Events = consent.HookEvents
	if d.Form.ConfirmWithin == 0 {
		d.Form.ConfirmWithin = consent.DefaultConfirmWithin
	}
	h.render(w, r, status, "consents.html", d)
}

// errField is the field an error names ("" for none).
func errField(err error) string {
	var ge *gdpr.Error
	if errors.As(err, &ge) {
		return ge.Field
	}
	return ""
}

func (h *Handler) savePurposeForm(w http.ResponseWriter, r *http.Request, id session.Identity) {
	hours, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("confirm_hours")))
	p := consent.Purpose{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")), Activity: r.PostFormValue("activity"),
		Lists: splitList(r.PostFormValue("lists")), ConfirmWithin: time.Duration(hours) * time.Hour, Keep: strings.TrimSpace(r.PostFormValue("keep"))}
	if _, err := h.App.SavePurpose(r.Context(), p, 0); err != nil {
		status := http.StatusUnprocessableEntity
		if gdpr.ErrorCode(err) == gdpr.ECONFLICT {
			status = http.StatusConflict
		} else if gdpr.ErrorCode(err) != gdpr.EINVALID {
			h.problem(w, r, err)
			return
		}
		h.consentsRender(w, r, id, status, consentsData{Error: gdpr.Localized(err, lang(r)), Field: errField(err), Form: p})
		return
	}
	http.Redirect(w, r, "/consents/"+p.ID+"?done=saved&lang="+string(lang(r)), http.StatusSeeOther)
}

// splitList reads a list typed one per line or comma-separated.
func splitList(s string) []string {
	return consent.NormaliseList(strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }))
}

func (h *Handler) purposePage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.purposeRender(w, r, id, http.StatusOK, purposeData{TLang: "de"})
}

func (h *Handler) purposeRender(w http.ResponseWriter, r *http.Request, id session.Identity, status int, d purposeData) {
	ctx, l := r.Context(), lang(r)
	all, err := h.App.ConsentStats(ctx)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	found := false
	for _, p := range all {
		if p.ID == r.PathValue("id") {
			d.P, found = p, true
		}
	}
	if !found {
		h.problem(w, r, gdpr.Keyed(gdpr.ENOTFOUND, "", "notfound.purpose", r.PathValue("id")))
		return
	}
	ts, err := h.App.ConsentTexts(ctx, d.P.ID)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	// Newest first; each against the next older one of its language.
	for i, t := range ts {
		v := textVersion{Text: t, When: momentText(t.Created, l)}
		for _, older := range ts[i+1:] {
			if older.Lang == t.Lang {
				v.Diff = consent.DiffText(older.Body, t.Body)
				break
			}
		}
		d.Texts = append(d.Texts, v)
	}
	if d.Forms, err = h.App.Forms(ctx, d.P.ID); err != nil {
		h.problem(w, r, err)
		return
	}
	d.base = h.base(r, id, "consents")
	h.render(w, r, status, "consent_purpose.html", d)
}

func (h *Handler) addTextForm(w http.ResponseWriter, r *http.Request, id session.Identity) {
	t := consent.Text{Purpose: r.PathValue("id"), Lang: r.PostFormValue("text_lang"), Body: r.PostFormValue("body"), Notice: strings.TrimSpace(r.PostFormValue("notice"))}
	if _, err := h.App.AddConsentText(r.Context(), t); err != nil {
		if c := gdpr.ErrorCode(err); c != gdpr.EINVALID && c != gdpr.ECONFLICT {
			h.problem(w, r, err)
			return
		}
		h.purposeRender(w, r, id, http.StatusUnprocessableEntity, purposeData{Error: gdpr.Localized(err, lang(r)), Field: errField(err), Body: t.Body, Notice: t.Notice, TLang: t.Lang})
		return
	}
	http.Redirect(w, r, "/consents/"+t.Purpose+"?done=saved&lang="+string(lang(r)), http.StatusSeeOther)
}

// consentPerson shows a person's timeline for a purpose: a POST, so that
// the address is in no URL, no log, no browser history.
func (h *Handler) consentPerson(w http.ResponseWriter, r *http.Request, id session.Identity) {
	email, purpose := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("purpose")
	_, ev, err := h.App.ConsentEvidence(r.Context(), email, purpose)
	if err != nil {
		if c := gdpr.ErrorCode(err); c != gdpr.EINVALID && c != gdpr.ENOTFOUND {
			h.problem(w, r, err)
			return
		}
		h.consentsRender(w, r, id, http.StatusUnprocessableEntity, consentsData{Error: gdpr.Localized(err, lang(r)), Field: "email", Email: email, Lookup: purpose})
		return
	}
	d := consentsData{Person: &ev, Email: email, Lookup: purpose}
	for _, e := range ev.Events {
		d.Timeline = append(d.Timeline, timelineRow{EvidenceEvent: e, When: momentText(e.Event.At, lang(r)), IPText: consent.Unsalt(e.IP), UAText: consent.Unsalt(e.UA)})
		if e.Event.Mode.Weak() && e.Event.Mode != "" {
			d.Weak = true
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	h.consentsRender(w, r, id, http.StatusOK, d)
}

// consentEvidence downloads the evidence of a person's consent: the PDF
// to print, or the signed JSON file that gdpr consent verify checks.
func (h *Handler) consentEvidence(w http.ResponseWriter, r *http.Request, id session.Identity) {
	email, purpose := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("purpose")
	file, ev, err := h.App.ConsentEvidence(r.Context(), email, purpose)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	name := "nachweis-" + purpose
	if lang(r) == locale.EN {
		name = "evidence-" + purpose
	}
	if r.PostFormValue("format") == "json" {
		attachment(w, "application/json", name+".json")
		w.Write(file)
		return
	}
	attachment(w, "application/pdf", name+".pdf")
	if err := h.App.WriteEvidencePDF(w, ev, lang(r)); err != nil {
		h.Log.Error("evidence pdf", "code", gdpr.ErrorCode(err))
	}
}

// addHookForm registers a webhook and shows its secret once.
func (h *Handler) addHookForm(w http.ResponseWriter, r *http.Request, id session.Identity) {
	var events []consent.Kind
	for _, e := range r.PostForm["events"] {
		events = append(events, consent.Kind(e))
	}
	hk, err := h.App.AddHook(r.Context(), consent.Hook{URL: strings.TrimSpace(r.PostFormValue("url")), Events: events, Purposes: splitList(r.PostFormValue("purposes"))})
	if err != nil {
		if gdpr.ErrorCode(err) != gdpr.EINVALID {
			h.problem(w, r, err)
			return
		}
		h.consentsRender(w, r, id, http.StatusUnprocessableEntity, consentsData{Error: gdpr.Localized(err, lang(r)), Field: errField(err)})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.consentsRender(w, r, id, http.StatusOK, consentsData{Secret: hk.Secret, SecretHook: hk.ID})
}

// importConsentsForm takes over a file of consents another tool kept.
func (h *Handler) importConsentsForm(w http.ResponseWriter, r *http.Request, id session.Identity) {
	purpose, l := r.PathValue("id"), lang(r)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		h.purposeRender(w, r, id, http.StatusBadRequest, purposeData{Error: gdpr.Localized(gdpr.Keyed(gdpr.EINVALID, "file", "ui.import.choose"), l), Field: "file", TLang: "de"})
		return
	}
	defer f.Close()
	res, err := h.App.ImportConsents(r.Context(), purpose, io.LimitReader(f, maxUpload), filepath.Base(hdr.Filename), r.PostFormValue("source"))
	if err != nil {
		if c := gdpr.ErrorCode(err); c != gdpr.EINVALID {
			h.problem(w, r, err)
			return
		}
		h.purposeRender(w, r, id, http.StatusUnprocessableEntity, purposeData{Error: gdpr.Localized(err, l), Field: "file", TLang: "de"})
		return
	}
	h.purposeRender(w, r, id, http.StatusOK, purposeData{Imported: &res, TLang: "de"})
}

// attachment heads a download of people's data: never cached, saved
// under its name.
func attachment(w http.ResponseWriter, contentType, filename string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
}
