package api

import (
	"io"
	"net/http"
	"path/filepath"
	"strconv"

	"gdpr"
	"gdpr/httpx"
	"gdpr/importer"
	"gdpr/register"
)

// maxImport bounds an uploaded document.
const maxImport = 16 << 20

// ImportResult answers /api/v1/import: what the document held and what the
// import did (or, with dry_run, would do).
type ImportResult struct {
	File       string                `json:"file"`
	Format     string                `json:"format"`
	Activities int                   `json:"activities"`
	Measures   int                   `json:"measures"`
	Documents  int                   `json:"documents"`
	Skipped    []string              `json:"skipped"`
	DryRun     bool                  `json:"dry_run"`
	Summary    register.ApplySummary `json:"summary"`
}

// Header is the register's title and controller.
type Header struct {
	Title      string               `json:"title,omitempty"`
	Controller *register.Controller `json:"controller,omitempty"`
}

func (s *Server) importDoc(w http.ResponseWriter, r *http.Request, actor string) error {
	name := filepath.Base(r.URL.Query().Get("name"))
	if name == "." || name == "/" {
		name = "upload"
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImport))
	if err != nil {
		return gdpr.Errorf(gdpr.EINVALID, "%s: larger than %d MiB or unreadable", name, maxImport>>20)
	}
	res, err := importer.Parse(name, data)
	if err != nil {
		return err
	}
	dry := r.URL.Query().Get("dry_run") == "true"
	out := ImportResult{File: name, Format: string(res.Format), Activities: len(res.Register.Activities), Measures: len(res.Register.TOMs),
		Documents: len(res.Register.Documents), Skipped: res.Skipped, DryRun: dry}
	if out.Skipped == nil {
		out.Skipped = []string{}
	}
	if dry {
		out.Summary, err = s.Service.Plan(r.Context(), actor, res.Register)
	} else {
		out.Summary, err = s.Service.Apply(r.Context(), actor, res.Register)
	}
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) restore(w http.ResponseWriter, r *http.Request, actor string) error {
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return gdpr.FieldErrorf("version", "not a number")
	}
	if err := s.Service.RestoreRevision(r.Context(), actor, r.PathValue("entity"), r.PathValue("id"), version); err != nil {
		return err
	}
	items, _, err := s.Service.FindRevisions(r.Context(), register.RevisionFilter{Entity: r.PathValue("entity"), EntityID: r.PathValue("id"), Limit: 1})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, items[0])
	return nil
}

func (s *Server) getController(w http.ResponseWriter, r *http.Request, _ string) error {
	reg, err := s.Service.Register(r.Context(), false)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, Header{Title: reg.Title, Controller: reg.Controller})
	return nil
}

func (s *Server) putController(w http.ResponseWriter, r *http.Request, actor string) error {
	var h Header
	if err := httpx.Decode(w, r, &h); err != nil {
		return err
	}
	if h.Controller == nil {
		return gdpr.FieldErrorf("controller", "the controller is missing")
	}
	if _, err := s.Service.Apply(r.Context(), actor, &register.Register{Title: h.Title, Controller: h.Controller}); err != nil {
		return err
	}
	return s.getController(w, r, actor)
}
