package web

import (
	"net/http"
	"slices"
	"strings"

	"gdpr"
	"gdpr/app"
	"gdpr/audit"
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
	Log      logView
	// Checked is set after "check now": the findings, in the page's
	// language.
	Checked  bool
	CheckOK  bool
	Problems []string
}

// logView is the log's part of the page, its times in the page's
// language.
type logView struct {
	Size                                 int64
	Checkpoint                           string // the signed text, to copy
	SignedSize                           int64
	SignedAt, Rotation, Backup, Verified string // "" when none
	VerifyOK                             bool
}

type foundSubject struct {
	ID       string
	Shredded bool
	Fields   []fieldValue
	// Named are the places of the register that name the person.
	Named []namedAt
}

type namedAt struct{ Label, Link string }

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
	ls, err := h.App.LogStatus(r.Context())
	if err != nil {
		h.problem(w, r, err)
		return
	}
	d.Log = logView{Size: ls.Head.Size, Checkpoint: ls.Head.Checkpoint}
	if ls.Signed != nil {
		d.Log.SignedSize, d.Log.SignedAt = ls.Signed.Size, locale.Time(l, ls.Signed.Time)
	}
	if e := ls.LastRotation; e != nil {
		d.Log.Rotation = locale.Time(l, e.At)
	}
	if e := ls.LastBackup; e != nil {
		d.Log.Backup = locale.Time(l, e.At)
	}
	if e := ls.LastVerify; e != nil {
		d.Log.Verified, d.Log.VerifyOK = locale.Time(l, e.At), e.Outcome == audit.OK
	}
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
	refs, err := h.App.PeopleRefs(r.Context(), ids)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	for i, f := range d.Found {
		for _, ref := range refs[f.ID] {
			n := namedAt{Label: locale.T(l, "ui.keys.named."+ref.Role, ref.Name), Link: "/controller?lang=" + string(l)}
			if ref.Entity == "activity" {
				n.Link = "/activities/" + ref.ID + "?lang=" + string(l)
			}
			d.Found[i].Named = append(d.Found[i].Named, n)
		}
	}
	h.renderKeys(w, r, id, http.StatusOK, d)
}

// verifyLog checks the log now and shows what it found.
func (h *Handler) verifyLog(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	res, err := h.App.VerifyLog(r.Context(), nil)
	if err != nil {
		if gdpr.ErrorCode(err) == gdpr.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		h.renderKeys(w, r, id, http.StatusUnprocessableEntity, keysData{Checked: true, Error: gdpr.Localized(err, l)})
		return
	}
	d := keysData{Checked: true, CheckOK: res.OK()}
	for _, p := range res.Problems {
		d.Problems = append(d.Problems, app.ProblemText(l, p))
	}
	if res.Count > len(res.Problems) {
		d.Problems = append(d.Problems, locale.T(l, "cli.audit.more", res.Count-len(res.Problems)))
	}
	for _, c := range res.SchemaChanges {
		d.Problems = append(d.Problems, locale.T(l, "cli.audit.schemanote", locale.Time(l, c.At), c.Detail))
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
