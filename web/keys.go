package web

import (
	"net/http"
	"slices"
	"strings"

	"gdpr"
	"gdpr/app"
	"gdpr/locale"
	"gdpr/session"
	"gdpr/vault"
)

// keysData is the admins' page of the vault: keys, counts, and a search
// for a person (an erasure request starts here).
type keysData struct {
	base
	Status app.VaultStatus
	Kinds  []option
	Kind   string
	// Searched is set after a search; Found are the people found, each
	// with its fields (the reads are audited).
	Searched bool
	Found    []foundSubject
	Error    string
}

type foundSubject struct {
	ID       string
	Shredded bool
	Fields   []fieldValue
}

type fieldValue struct{ Name, Value string }

// fieldLabel names a record's field in the page's language where the
// catalogue knows it; a field an application made up keeps its name.
func fieldLabel(l locale.Lang, f string) string {
	if locale.Has("vault.field." + f) {
		return locale.T(l, "vault.field."+f)
	}
	return f
}

func (h *Handler) keysPage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.renderKeys(w, r, id, http.StatusOK, keysData{})
}

func (h *Handler) renderKeys(w http.ResponseWriter, r *http.Request, id session.Identity, status int, d keysData) {
	l := lang(r)
	d.base = h.base(r, id, "keys")
	st, err := h.App.VaultStatus(r.Context())
	if err != nil {
		h.problem(w, r, err)
		return
	}
	d.Status = st
	for _, k := range vault.Kinds {
		d.Kinds = append(d.Kinds, option{string(k), locale.T(l, "vault.kind."+string(k))})
	}
	h.render(w, r, status, "keys.html", d)
}

// searchSubject finds people by a value sent in the form's body (never in
// the URL) and opens their records: each is a read of personal data and
// is recorded as one.
func (h *Handler) searchSubject(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	d := keysData{Searched: true, Kind: r.PostFormValue("kind")}
	ids, err := h.App.LookupSubjects(r.Context(), vault.Kind(d.Kind), strings.TrimSpace(r.PostFormValue("value")))
	if err != nil {
		if gdpr.ErrorCode(err) == gdpr.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		d.Error = gdpr.Localized(err, l)
		h.renderKeys(w, r, id, http.StatusUnprocessableEntity, d)
		return
	}
	for _, sid := range ids {
		s, err := h.App.GetSubject(r.Context(), sid)
		if err != nil {
			h.problem(w, r, err)
			return
		}
		f := foundSubject{ID: s.ID, Shredded: s.Shredded}
		names := make([]string, 0, len(s.Record))
		for k := range s.Record {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			f.Fields = append(f.Fields, fieldValue{fieldLabel(l, k), s.Record[k]})
		}
		d.Found = append(d.Found, f)
	}
	h.renderKeys(w, r, id, http.StatusOK, d)
}

func (h *Handler) confirmShred(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	sid := r.PathValue("id")
	h.render(w, r, http.StatusOK, "confirm.html", confirmData{base: h.base(r, id, "keys"),
		Heading: locale.T(l, "ui.shred.heading"), Question: locale.T(l, "ui.shred.question", sid),
		Action: "/keys/subjects/" + sid + "/shred", Back: "/keys?lang=" + string(l), Button: locale.T(l, "ui.shred.button"),
		Note: locale.T(l, "ui.shred.note")})
}

func (h *Handler) shred(w http.ResponseWriter, r *http.Request, id session.Identity) {
	if err := h.App.ShredSubject(r.Context(), r.PathValue("id")); err != nil {
		h.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/keys?done=shredded&lang="+string(lang(r)), http.StatusSeeOther)
}
