package web

import (
	"encoding/base64"
	"io"
	"net/http"
	"path/filepath"

	"gdpr"
	"gdpr/importer"
	"gdpr/register"
	"gdpr/session"
)

// maxUpload bounds an uploaded register.
const maxUpload = 16 << 20

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

// importPost previews an upload (parse, then an exact dry run of the
// import) or, when confirmed, imports it. Nothing is written before the
// user has seen the preview.
func (h *Handler) importPost(w http.ResponseWriter, r *http.Request, id session.Identity) {
	d := importData{base: h.base(r, id, "import")}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload*2)
	var data []byte
	confirm := r.PostFormValue("confirm") == "1"
	if confirm {
		var err error
		data, err = base64.StdEncoding.DecodeString(r.PostFormValue("data"))
		d.File = filepath.Base(r.PostFormValue("file"))
		if err != nil {
			h.problem(w, r, gdpr.Errorf(gdpr.EINVALID, "the upload was damaged; please upload the file again"))
			return
		}
	} else {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			d.Error = gdpr.Errorf(gdpr.EINVALID, "choose a file to import").Error()
			h.render(w, r, http.StatusBadRequest, "import.html", d)
			return
		}
		defer f.Close()
		d.File = filepath.Base(hdr.Filename)
		if data, err = io.ReadAll(io.LimitReader(f, maxUpload+1)); err != nil || len(data) > maxUpload {
			d.Error = gdpr.Errorf(gdpr.EINVALID, "%s: larger than %d MiB", d.File, maxUpload>>20).Error()
			h.render(w, r, http.StatusBadRequest, "import.html", d)
			return
		}
	}
	res, err := importer.Parse(d.File, data)
	if err != nil {
		d.Error = gdpr.ErrorMessage(err)
		h.render(w, r, http.StatusUnprocessableEntity, "import.html", d)
		return
	}
	reg := res.Register
	d.Format, d.Skipped = res.Format, res.Skipped
	d.Counts = [3]int{len(reg.Activities), len(reg.TOMs), len(reg.Documents)}
	if confirm {
		if _, err := h.Store.Apply(r.Context(), id.Actor, reg); err != nil {
			h.problem(w, r, err)
			return
		}
		http.Redirect(w, r, "/?done=imported&lang="+string(lang(r)), http.StatusSeeOther)
		return
	}
	plan, err := h.Store.Plan(r.Context(), id.Actor, reg)
	if err != nil {
		d.Error = gdpr.ErrorMessage(err)
		h.render(w, r, http.StatusUnprocessableEntity, "import.html", d)
		return
	}
	d.Plan, d.Data = &plan, base64.StdEncoding.EncodeToString(data)
	h.render(w, r, http.StatusOK, "import.html", d)
}
