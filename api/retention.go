package api

import (
	"net/http"

	"gdpr/app"
	"gdpr/export"
	"gdpr/httpx"
)

// RetentionRequest is the body of /api/v1/retention/parse and /due.
type RetentionRequest struct {
	Text   string            `json:"text"`
	Topic  string            `json:"topic,omitempty"`
	Events map[string]string `json:"events,omitempty"` // event -> YYYY-MM-DD
}

// DueResponse is the answer of /api/v1/retention/due: the end of
// retention, or the events still needed. Latest marks an end that a
// pending branch of "whichever comes first" may still bring forward.
type DueResponse struct {
	End     string   `json:"end,omitempty"`
	Latest  bool     `json:"latest,omitempty"`
	Pending []string `json:"pending,omitempty"`
	Rule    string   `json:"rule"`
}

func (s *Server) retentionParse(w http.ResponseWriter, r *http.Request) error {
	var req RetentionRequest
	if err := httpx.Decode(r, &req); err != nil {
		return err
	}
	res, err := s.App.ParseRetention(req.Text, req.Topic)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, export.DescribeRetention(res, langOf(r)))
	return nil
}

func (s *Server) retentionDue(w http.ResponseWriter, r *http.Request) error {
	var req RetentionRequest
	if err := httpx.Decode(r, &req); err != nil {
		return err
	}
	events, err := app.Events(req.Events)
	if err != nil {
		return err
	}
	res, o, err := s.App.RetentionDue(req.Text, req.Topic, events)
	if err != nil {
		return err
	}
	out := DueResponse{Rule: export.RuleText(res.Rules[0], langOf(r)), Latest: o.Latest}
	if o.Known {
		out.End = o.End.Format("2006-01-02")
	}
	for _, p := range o.Pending {
		out.Pending = append(out.Pending, string(p))
	}
	httpx.JSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) retentionClasses(w http.ResponseWriter, r *http.Request) error {
	m, err := s.App.RetentionClasses(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, export.DescribeClasses(m, langOf(r)))
	return nil
}
