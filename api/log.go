package api

import (
	"net/http"
	"strconv"

	"gdpr/app"
	"gdpr/httpx"
)

// VerifyRequest names checkpoints kept outside the store (saved with
// gdpr audit checkpoint, copied from a PDF export), each the signed text.
type VerifyRequest struct {
	Checkpoints []string `json:"checkpoints,omitempty" doc:"Signed checkpoints saved earlier; the log must still give their roots."`
}

// maxVerifyBody bounds the checkpoints a check is given: a few hundred
// bytes each.
const maxVerifyBody = 256 << 10

func (s *Server) verifyLog(w http.ResponseWriter, r *http.Request) error {
	var body VerifyRequest
	if r.ContentLength != 0 {
		if err := httpx.Decode(r, &body); err != nil {
			return err
		}
	}
	var ex []app.Exported
	for i, c := range body.Checkpoints {
		ex = append(ex, app.Exported{Source: "checkpoints[" + strconv.Itoa(i) + "]", Signed: c})
	}
	res, err := s.App.VerifyLog(r.Context(), ex)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) logCheckpoint(w http.ResponseWriter, r *http.Request) error {
	h, err := s.App.LogHead(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) proveEntry(w http.ResponseWriter, r *http.Request) error {
	p, err := s.App.ProveEntry(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, p)
	return nil
}
