package api

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"gdpr"

	"gdpr/app"
	"gdpr/export"
	"gdpr/httpx"
	"gdpr/locale"
	"gdpr/register"
	"gdpr/retention"
	"gdpr/run"
	"gdpr/sweep"
)

// ScanRequest steers a scan.
type ScanRequest struct {
	Sample int  `json:"sample,omitempty" doc:"Values read per column (default 100, at most 1000)."`
	Write  bool `json:"write,omitempty" doc:"Add the tables found and not yet mapped to the system in the register, as a draft: all of them, or with accept or reject given, the accepted ones."`
	// Accept and Reject decide on the scan's proposals: a table not yet
	// mapped, or a column of a mapped table.
	Accept []app.ScanRef `json:"accept,omitempty" doc:"Proposals to add (with write): {table} or {table, column}."`
	Reject []app.ScanRef `json:"reject,omitempty" doc:"Proposals judged to hold no personal data (with write): remembered, not proposed again."`
}

func (s *Server) systemSchema(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.App.SystemSchema(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, sc)
	return nil
}

func (s *Server) systemScan(w http.ResponseWriter, r *http.Request) error {
	var body ScanRequest
	if r.ContentLength != 0 {
		if err := httpx.Decode(r, &body); err != nil {
			return err
		}
	}
	lang := locale.DE
	if l, ok := locale.Parse(r.URL.Query().Get("lang")); ok {
		lang = l
	}
	res, err := s.App.ScanSystem(r.Context(), r.PathValue("id"), app.ScanOptions{Sample: body.Sample, Write: body.Write, Accept: body.Accept, Reject: body.Reject, Lang: lang})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, res)
	return nil
}

// LiveRequest steers a live check.
type LiveRequest struct {
	Scan bool `json:"scan,omitempty" doc:"Sample the unmapped tables too, for personal data no activity declares."`
}

// LiveResult is what a live check found, with messages.
type LiveResult struct {
	Items  []export.FindingView      `json:"items"`
	Counts map[register.Severity]int `json:"counts"`
}

func (s *Server) checkLive(w http.ResponseWriter, r *http.Request) error {
	var body LiveRequest
	if r.ContentLength != 0 {
		if err := httpx.Decode(r, &body); err != nil {
			return err
		}
	}
	fs, err := s.App.LiveCheck(r.Context(), app.LiveOptions{Scan: body.Scan})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, LiveResult{Items: export.Describe(fs, langOf(r)), Counts: register.CountBySeverity(fs)})
	return nil
}

// SweepRequest steers a sweep.
type SweepRequest struct {
	System string `json:"system,omitempty" doc:"One system only."`
	DryRun bool   `json:"dry_run,omitempty" doc:"Count what would be changed, change nothing (editor role); a sweep needs the admin role."`
	Batch  int    `json:"batch,omitempty" doc:"Rows a batch (default 1000, at most 5000)."`
	// Background answers 202 with the run at once; GET /api/v1/runs/{id}
	// follows it.
	Background bool `json:"background,omitempty" doc:"Answer 202 with the run at once and sweep in the background; GET /api/v1/runs/{id} shows its progress. 409 while a sweep runs."`
}

func (s *Server) sweep(w http.ResponseWriter, r *http.Request) error {
	var body SweepRequest
	if r.ContentLength != 0 {
		if err := httpx.Decode(r, &body); err != nil {
			return err
		}
	}
	o := app.SweepOptions{System: body.System, DryRun: body.DryRun, Batch: body.Batch}
	if body.Background && !body.DryRun {
		rn, err := s.App.StartSweep(r.Context(), o)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/runs/"+rn.ID)
		httpx.JSON(w, http.StatusAccepted, rn)
		return nil
	}
	res, err := s.App.Sweep(r.Context(), o)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, res)
	return nil
}

// sweepProtocol answers the deletion protocol of ?from= to ?to=
// (YYYY-MM-DD; default this year up to today) as ?format=pdf or csv.
func (s *Server) sweepProtocol(w http.ResponseWriter, r *http.Request) error {
	today := register.DateOf(s.App.Now().In(retention.Berlin))
	from, to := register.Date{Year: today.Year, Month: 1, Day: 1}, today
	var err error
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = register.ParseDate(v); err != nil {
			return gdpr.Keyed(gdpr.EINVALID, "from", "cli.wrap", "from", err)
		}
	}
	if v := r.URL.Query().Get("to"); v != "" {
		if to, err = register.ParseDate(v); err != nil {
			return gdpr.Keyed(gdpr.EINVALID, "to", "cli.wrap", "to", err)
		}
	}
	return s.download(w, r, "loeschprotokoll", func(ctx context.Context, w io.Writer, f export.Format, l locale.Lang) error {
		return s.App.WriteSweepProtocol(ctx, w, f, from, to, l)
	})
}

// HoldRequest places a legal hold.
type HoldRequest struct {
	System string `json:"system" doc:"The system's id."`
	Table  string `json:"table" doc:"A table the system maps."`
	Column string `json:"column" doc:"The column whose value names the rows to keep."`
	Value  string `json:"value" doc:"The value (a customer number, an e-mail address): sealed in the vault, never answered."`
	Reason string `json:"reason"`
	Until  string `json:"until,omitempty" doc:"Last day (YYYY-MM-DD); none: until lifted."`
}

func (s *Server) holds(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.App.Holds(r.Context(), r.URL.Query().Get("system"), r.URL.Query().Get("lifted") == "true")
	if err != nil {
		return err
	}
	if hs == nil {
		hs = []sweep.Hold{}
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": hs})
	return nil
}

func (s *Server) addHold(w http.ResponseWriter, r *http.Request) error {
	var body HoldRequest
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	n := app.NewHold{System: body.System, Table: body.Table, Column: body.Column, Value: body.Value, Reason: body.Reason}
	if body.Until != "" {
		d, err := register.ParseDate(body.Until)
		if err != nil {
			return gdpr.Keyed(gdpr.EINVALID, "until", "cli.wrap", "until", err)
		}
		n.Until = &d
	}
	h, err := s.App.AddHold(r.Context(), n)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, h)
	return nil
}

func (s *Server) liftHold(w http.ResponseWriter, r *http.Request) error {
	if err := s.App.LiftHold(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := run.Filter{Kind: run.Kind(q.Get("kind")), System: q.Get("system")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return gdpr.Keyed(gdpr.EINVALID, "limit", "api.limit")
		}
		f.Limit = n
	}
	if f.Kind != "" && f.Kind != run.Sweep && f.Kind != run.Scan {
		return gdpr.Keyed(gdpr.EINVALID, "kind", "invalid.runkind", string(f.Kind))
	}
	rs, err := s.App.Runs(r.Context(), f)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []run.Run{}
	}
	httpx.JSON(w, http.StatusOK, rs)
	return nil
}

func (s *Server) runByID(w http.ResponseWriter, r *http.Request) error {
	rn, err := s.App.Run(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, rn)
	return nil
}
