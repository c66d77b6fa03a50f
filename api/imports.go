package api

import (
	"io"
	"net/http"
	"path/filepath"
	"strconv"

	"gdpr"
	"gdpr/app"
	"gdpr/httpx"
	"gdpr/register"
)

// ImportResult answers /api/v1/import: what the document held and what the
// import did (or, with dry_run, would do).
type ImportResult struct {
	app.FileSummary
	DryRun  bool                  `json:"dry_run"`
	Summary register.ApplySummary `json:"summary"`
}

func (s *Server) importDoc(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	name := filepath.Base(q.Get("name"))
	if name == "." || name == "/" {
		name = "upload"
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err // over the route's limit: 413
	}
	var ifState int64
	if v := q.Get("if_state"); v != "" {
		if ifState, err = strconv.ParseInt(v, 10, 64); err != nil {
			return gdpr.Keyed(gdpr.EINVALID, "if_state", "api.number", "if_state")
		}
	}
	dry := q.Get("dry_run") == "true"
	files, sum, err := s.App.Import(r.Context(), []app.File{{Name: name, Data: data}}, app.ImportOptions{DryRun: dry, Details: q.Get("details") == "true", IfState: ifState})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, ImportResult{FileSummary: files[0], DryRun: dry, Summary: sum})
	return nil
}

func (s *Server) restore(w http.ResponseWriter, r *http.Request) error {
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "version", "api.number", "version")
	}
	rev, err := s.App.Restore(r.Context(), r.PathValue("entity"), r.PathValue("id"), version)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, rev)
	return nil
}

func (s *Server) getController(w http.ResponseWriter, r *http.Request) error {
	h, err := s.App.Header(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(h.Version))
	httpx.JSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) putController(w http.ResponseWriter, r *http.Request) error {
	var h register.Header
	if err := httpx.Decode(r, &h); err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	if version == 0 {
		version = h.Version
	}
	if version == 0 {
		// A register without controller yet has version 0: the first
		// PUT creates it, and names that with If-Match: "0".
		if r.Header.Get("If-Match") != `"0"` {
			if cur, err := s.App.Header(r.Context()); err != nil || cur.Version != 0 {
				return gdpr.Keyed(gdpr.EPRECONDITION, "If-Match", "api.ifmatch.missing", "controller")
			}
		}
	}
	out, err := s.App.UpdateHeader(r.Context(), h, version, false)
	if err != nil {
		if gdpr.ErrorCode(err) == gdpr.ECONFLICT {
			if cur, gerr := s.App.Header(r.Context()); gerr == nil {
				return &conflictError{err: err, current: cur, etag: etag(cur.Version)}
			}
		}
		return err
	}
	w.Header().Set("ETag", etag(out.Version))
	httpx.JSON(w, http.StatusOK, out)
	return nil
}
