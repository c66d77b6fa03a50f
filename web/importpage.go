package web

import (
	"encoding/base64"
	"io"
	"net/http"
	"path/filepath"
	"strconv"

	"gdpr"
	"gdpr/app"
	"gdpr/export"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/session"
)

// maxReviewed is how many created or changed entries a preview lists
// one by one, each with its tick box; an import changing more is
// confirmed as a whole (the page says so), so that a preview page stays
// a size a browser shows.
const maxReviewed = 500

// maxUnchangedListed bounds the names of unchanged entries listed.
const maxUnchangedListed = 200

type importData struct {
	base
	File      string
	Summary   string
	Skipped   []string
	Plan      *register.ApplySummary
	Counts    string // "Würde anlegen: …"
	Items     []previewItem
	Unchanged []previewItem
	// MoreUnchanged counts the unchanged entries not listed.
	MoreUnchanged int
	// Selectable is set when every created or changed entry is listed
	// with a tick box; TooMany when there are more than maxReviewed.
	Selectable bool
	TooMany    int
	Error      string
	Data       string // the upload, base64, carried to the confirmation
}

// previewItem is one entry of the preview: what it is, what the import
// does to it, and the field changes in the page's language.
type previewItem struct {
	Key, Kind, Name, ID, Action string
	Rows                        []export.ChangeRow
}

func (h *Handler) importPage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.render(w, r, http.StatusOK, "import.html", importData{base: h.base(r, id, "import")})
}

// importPost previews an upload (parse, then the exact comparison with the
// register, writing nothing) or, when confirmed, imports it. The
// confirmation carries the register state the preview showed: if the
// register changed since, the import is refused (409) and the user sees a
// new preview, never an import other than the one confirmed. Entries the
// user unticked in the preview are left as stored.
func (h *Handler) importPost(w http.ResponseWriter, r *http.Request, id session.Identity) {
	l := lang(r)
	d := importData{base: h.base(r, id, "import")}
	var data []byte
	confirm := r.PostFormValue("confirm") == "1"
	var state int64
	o := app.ImportOptions{DryRun: !confirm, Details: !confirm}
	if confirm {
		var err error
		data, err = base64.StdEncoding.DecodeString(r.PostFormValue("data"))
		d.File = filepath.Base(r.PostFormValue("file"))
		if err != nil {
			h.problem(w, r, gdpr.Keyed(gdpr.EINVALID, "file", "ui.import.damaged"))
			return
		}
		if state, err = strconv.ParseInt(r.PostFormValue("state"), 10, 64); err != nil {
			h.problem(w, r, gdpr.Keyed(gdpr.EINVALID, "state", "ui.import.damaged"))
			return
		}
		o.IfState = state
		if r.PostFormValue("selective") == "1" {
			o.Selective, o.Take = true, map[string]bool{}
			for _, k := range r.PostForm["take"] {
				o.Take[k] = true
			}
		}
	} else {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			d.Error = gdpr.Localized(gdpr.Keyed(gdpr.EINVALID, "file", "ui.import.choose"), l)
			h.render(w, r, http.StatusBadRequest, "import.html", d)
			return
		}
		defer f.Close()
		d.File = filepath.Base(hdr.Filename)
		if data, err = io.ReadAll(io.LimitReader(f, maxUpload+1)); err != nil || len(data) > maxUpload {
			d.Error = gdpr.Localized(gdpr.Keyed(gdpr.EINVALID, "file", "ui.import.toolarge", d.File, maxUpload>>20), l)
			h.render(w, r, http.StatusRequestEntityTooLarge, "import.html", d)
			return
		}
	}
	files, sum, err := h.App.Import(r.Context(), []app.File{{Name: d.File, Data: data}}, o)
	if err != nil {
		status := http.StatusUnprocessableEntity
		if gdpr.ErrorCode(err) == gdpr.ECONFLICT {
			status = http.StatusConflict
		} else if gdpr.ErrorCode(err) == gdpr.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		d.Error = gdpr.Localized(err, l)
		h.render(w, r, status, "import.html", d)
		return
	}
	if confirm {
		http.Redirect(w, r, "/?done=imported&lang="+string(l), http.StatusSeeOther)
		return
	}
	fs := files[0]
	d.Summary, d.Skipped = fs.Summary(l), fs.Skipped
	d.Plan, d.Data = &sum, base64.StdEncoding.EncodeToString(data)
	d.Counts = locale.T(l, "cli.import.planned", sum.Created, sum.Updated, sum.Unchanged)
	titles, err := h.App.MeasureTitles(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The import's own measures name its references too.
	all := map[string]string{}
	for k, v := range titles {
		all[k] = v
	}
	for _, it := range sum.Items {
		if it.Entity == "measure" && it.Name != "" {
			all[it.ID] = it.Name
		}
	}
	changed := sum.Created + sum.Updated
	d.Selectable = changed <= maxReviewed
	if !d.Selectable {
		d.TooMany = changed
	}
	for _, it := range sum.Items {
		p := previewItem{Key: app.EntryKey(it.Entity, it.ID), Kind: locale.T(l, "value.entity."+it.Entity), Name: it.Name, ID: it.ID, Action: it.Action}
		if p.Name == "" {
			p.Name = p.Kind
		}
		if it.Action == register.PlanUnchanged {
			if len(d.Unchanged) < maxUnchangedListed {
				d.Unchanged = append(d.Unchanged, p)
			} else {
				d.MoreUnchanged++
			}
			continue
		}
		if len(d.Items) >= maxReviewed {
			continue
		}
		if it.Action == register.ActionUpdate {
			p.Rows = export.ChangeRows(it.Entity, it.Changes, all, l)
		}
		d.Items = append(d.Items, p)
	}
	h.render(w, r, http.StatusOK, "import.html", d)
}
