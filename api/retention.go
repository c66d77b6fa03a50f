package api

import (
	"errors"
	"net/http"
	"time"

	"gdpr"
	"gdpr/export"
	"gdpr/httpx"
	"gdpr/register"
	"gdpr/retention"
)

// RetentionRequest is the body of /api/v1/retention/parse and /due.
type RetentionRequest struct {
	Text   string            `json:"text"`
	Topic  string            `json:"topic,omitempty"`
	Events map[string]string `json:"events,omitempty"` // event -> YYYY-MM-DD
}

// DueResponse is the answer of /api/v1/retention/due: the end of retention,
// or the events still needed.
type DueResponse struct {
	End     string   `json:"end,omitempty"`
	Pending []string `json:"pending,omitempty"`
	Rule    string   `json:"rule"`
}

func decodeRetention(w http.ResponseWriter, r *http.Request) (RetentionRequest, error) {
	var req RetentionRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		return req, err
	}
	if req.Text == "" {
		return req, gdpr.FieldErrorf("text", "the retention statement is empty")
	}
	return req, nil
}

func (s *Server) retentionParse(w http.ResponseWriter, r *http.Request, _ string) error {
	req, err := decodeRetention(w, r)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, export.DescribeRetention(retention.Parse(req.Text, retention.Context{Topic: req.Topic}), langOf(r)))
	return nil
}

func (s *Server) retentionDue(w http.ResponseWriter, r *http.Request, _ string) error {
	req, err := decodeRetention(w, r)
	if err != nil {
		return err
	}
	events := map[retention.Event]time.Time{}
	for name, val := range req.Events {
		if !retention.ValidEvent(retention.Event(name)) {
			return gdpr.FieldErrorf("events."+name, "unknown event %q", name)
		}
		t, err := retention.ParseEventDate(val)
		if err != nil {
			return gdpr.FieldErrorf("events."+name, "%v", err)
		}
		events[retention.Event(name)] = t
	}
	res := retention.Parse(req.Text, retention.Context{Topic: req.Topic})
	o, err := retention.Due(res, events, nil, s.Now())
	var de *retention.DueError
	if errors.As(err, &de) {
		return gdpr.FieldErrorf("text", "%s", de.Reason)
	}
	if err != nil {
		return err
	}
	out := DueResponse{Rule: export.RuleText(res.Rules[0], langOf(r))}
	if o.Known {
		out.End = o.End.Format("2006-01-02")
	}
	for _, p := range o.Pending {
		out.Pending = append(out.Pending, string(p))
	}
	httpx.JSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) retentionClasses(w http.ResponseWriter, r *http.Request, _ string) error {
	reg, err := s.Service.Register(r.Context(), false)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, export.DescribeClasses(retention.Classes(register.RetentionItems(reg)), langOf(r)))
	return nil
}
