package web

import (
	"encoding/base64"
	"io"
	"net/http"
	"path/filepath"
	"strconv"

	"gdpr"
	"gdpr/app"
	"gdpr/importer"
	"gdpr/register"
	"gdpr/session"
)

type importData struct {
	base
	File    string
	Format  importer.Format
	Counts  [3]int // activities, measures, documents
	Skipped []string
	Plan    *register.ApplySummary
	Error   string
	Data    string // the upload, base64, carried to the confirmation
}

func (h *Handler) importPage(w http.ResponseWriter, r *http.Request, id session.Identity) {
	h.render(w, r, http.StatusOK, "import.html", importData{base: h.base(r, id, "import")})
}

// importPost previews an upload (parse, then the exact comparison with the
// register, writing nothing) or, when confirmed, imports it. The
// confirmation carries the register state the preview showed: if the
// register changed since, the import is refused (409) and the user sees a
// new preview, never an import other than the one confirmed.
func (h *Handler) importPost(w http.ResponseWriter, r *http.Request, id session.Identity) {
	d := importData{base: h.base(r, id, "import")}
	var data []byte
	confirm := r.PostFormValue("confirm") == "1"
	var state int64
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
	} else {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			d.Error = gdpr.Localized(gdpr.Keyed(gdpr.EINVALID, "file", "ui.import.choose"), lang(r))
			h.render(w, r, http.StatusBadRequest, "import.html", d)
			return
		}
		defer f.Close()
		d.File = filepath.Base(hdr.Filename)
		if data, err = io.ReadAll(io.LimitReader(f, maxUpload+1)); err != nil || len(data) > maxUpload {
			d.Error = gdpr.Localized(gdpr.Keyed(gdpr.EINVALID, "file", "ui.import.toolarge", d.File, maxUpload>>20), lang(r))
			h.render(w, r, http.StatusRequestEntityTooLarge, "import.html", d)
			return
		}
	}
	files, sum, err := h.App.Import(r.Context(), []app.File{{Name: d.File, Data: data}}, app.ImportOptions{DryRun: !confirm, IfState: state})
	if err != nil {
		status := http.StatusUnprocessableEntity
		if gdpr.ErrorCode(err) == gdpr.ECONFLICT {
			status = http.StatusConflict
		} else if gdpr.ErrorCode(err) == gdpr.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		d.Error = gdpr.Localized(err, lang(r))
		h.render(w, r, status, "import.html", d)
		return
	}
	if confirm {
		http.Redirect(w, r, "/?done=imported&lang="+string(lang(r)), http.StatusSeeOther)
		return
	}
	fs := files[0]
	d.Format, d.Skipped = fs.Format, fs.Skipped
	d.Counts = [3]int{fs.Activities, fs.Measures, fs.Documents}
	d.Plan, d.Data = &sum, base64.StdEncoding.EncodeToString(data)
	h.render(w, r, http.StatusOK, "import.html", d)
}
