package api

import (
	"net/http"
	"strconv"

	"gdpr"
	"gdpr/app"
	"gdpr/httpx"
	"gdpr/vault"
)

// SubjectWrite is the body of a create or change: the person's fields.
type SubjectWrite struct {
	Record app.Record `json:"record"`
}

// SubjectRef answers a write: the subject's id and version.
type SubjectRef struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// LookupRequest asks for the subjects whose field of a kind has a value.
// It is a POST, so that the value never stands in a URL (and so in no
// access log of a proxy).
type LookupRequest struct {
	Kind  vault.Kind `json:"kind" doc:"email, phone, iban or id (customer_id, employee_id)"`
	Value string     `json:"value"`
}

// LookupAnswer lists the ids found.
type LookupAnswer struct {
	IDs []string `json:"ids"`
}

func (s *Server) createSubject(w http.ResponseWriter, r *http.Request) error {
	var body SubjectWrite
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	id, err := s.App.CreateSubject(r.Context(), body.Record)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(1))
	w.Header().Set("Location", "/api/v1/subjects/"+id)
	httpx.JSON(w, http.StatusCreated, SubjectRef{ID: id, Version: 1})
	return nil
}

func (s *Server) getSubject(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.App.GetSubject(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(sub.Version))
	// People's data is never kept by a cache on the way.
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, sub)
	return nil
}

func (s *Server) updateSubject(w http.ResponseWriter, r *http.Request) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	if version == 0 {
		return gdpr.Keyed(gdpr.EPRECONDITION, "If-Match", "api.ifmatch.missing", "subject")
	}
	var body SubjectWrite
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.App.UpdateSubject(r.Context(), id, version, body.Record); err != nil {
		return err
	}
	w.Header().Set("ETag", etag(version+1))
	httpx.JSON(w, http.StatusOK, SubjectRef{ID: id, Version: version + 1})
	return nil
}

func (s *Server) shredSubject(w http.ResponseWriter, r *http.Request) error {
	if err := s.App.ShredSubject(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) lookupSubjects(w http.ResponseWriter, r *http.Request) error {
	var body LookupRequest
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	ids, err := s.App.LookupSubjects(r.Context(), body.Kind, body.Value)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Total-Count", strconv.Itoa(len(ids)))
	httpx.JSON(w, http.StatusOK, LookupAnswer{IDs: ids})
	return nil
}
