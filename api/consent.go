package api

import (
	"net/http"
	"path/filepath"
	"time"

	"gdpr"
	"gdpr/app"
	"gdpr/consent"
	"gdpr/httpx"
	"gdpr/retention"
)

// PurposeWrite creates or changes a consent purpose.
type PurposeWrite struct {
	ID                 string   `json:"id" doc:"Stable id, lower-case letters, digits and hyphens."`
	Name               string   `json:"name"`
	Activity           string   `json:"activity" doc:"The register's activity (its legal basis must be consent)."`
	Lists              []string `json:"lists,omitempty" doc:"The lists a sign-up may choose among."`
	ConfirmWithinHours int      `json:"confirm_within_hours,omitempty" doc:"How long a double-opt-in link is valid (default 48); an unconfirmed sign-up expires then."`
	Keep               string   `json:"keep,omitempty" doc:"The rule the evidence is kept by after the consent ended, as written (\"3 Jahre nach Ende des Jahres des Widerrufs\", \"solange der Account besteht\")."`
	Closed             string   `json:"closed,omitempty" doc:"The day the account the consents belong to was closed (YYYY-MM-DD): the event of a keep rule on the account."`
	Version            int      `json:"version,omitempty" doc:"The version a change is made on (0 creates)."`
}

// TextWrite adds a consent text version.
type TextWrite struct {
	Lang   string `json:"lang" doc:"de or en."`
	Body   string `json:"body" doc:"The text as the form shows it."`
	Notice string `json:"notice,omitempty" doc:"The version of the privacy notice it refers to."`
}

// SignupWrite is a sign-up from the company's own backend.
type SignupWrite struct {
	Purpose string       `json:"purpose"`
	Email   string       `json:"email"`
	Name    string       `json:"name,omitempty"`
	Lang    string       `json:"lang,omitempty"`
	Lists   []string     `json:"lists,omitempty"`
	Fields  []string     `json:"fields,omitempty" doc:"The names of the fields the form asked."`
	FormURL string       `json:"form_url,omitempty"`
	IP      string       `json:"ip,omitempty" doc:"The sign-up's IP address (sealed under the person's key)."`
	UA      string       `json:"user_agent,omitempty"`
	Mode    consent.Mode `json:"mode,omitempty" doc:"double (default), confirmed or single; the last two are weak proof."`
}

// WithdrawalWrite withdraws a consent.
type WithdrawalWrite struct {
	Email   string `json:"email"`
	Purpose string `json:"purpose"`
	How     string `json:"how,omitempty" doc:"The channel (phone, letter, api); default staff."`
}

// Check is the answer to "may I mail this address for this purpose?".
type Check struct {
	Allowed bool          `json:"allowed"`
	State   consent.State `json:"state"`
}

func (s *Server) purposes(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.App.Purposes(r.Context())
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []consent.Purpose{}
	}
	httpx.JSON(w, http.StatusOK, ps)
	return nil
}

func (s *Server) savePurpose(w http.ResponseWriter, r *http.Request) error {
	var body PurposeWrite
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	if id := r.PathValue("id"); id != "" {
		body.ID = id
		v, err := ifMatch(r)
		if err != nil {
			return err
		}
		if v != 0 {
			body.Version = v
		}
		if body.Version == 0 {
			return gdpr.Keyed(gdpr.EPRECONDITION, "If-Match", "api.ifmatch.missing", "purpose")
		}
	}
	p := consent.Purpose{ID: body.ID, Name: body.Name, Activity: body.Activity, Lists: body.Lists,
		ConfirmWithin: time.Duration(body.ConfirmWithinHours) * time.Hour, Keep: body.Keep}
	if body.Closed != "" {
		t, err := retention.ParseEventDate(body.Closed)
		if err != nil {
			return gdpr.Keyed(gdpr.EINVALID, "closed", "consent.import.time", body.Closed)
		}
		p.Closed = &t
	}
	p, err := s.App.SavePurpose(r.Context(), p, body.Version)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if r.PathValue("id") == "" {
		status = http.StatusCreated
	}
	w.Header().Set("ETag", etag(p.Version))
	httpx.JSON(w, status, p)
	return nil
}

func (s *Server) purpose(w http.ResponseWriter, r *http.Request) error {
	p, err := s.App.Purpose(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(p.Version))
	httpx.JSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) consentTexts(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.App.ConsentTexts(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []consent.Text{}
	}
	httpx.JSON(w, http.StatusOK, ts)
	return nil
}

func (s *Server) addConsentText(w http.ResponseWriter, r *http.Request) error {
	var body TextWrite
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	t, err := s.App.AddConsentText(r.Context(), consent.Text{Purpose: r.PathValue("id"), Lang: body.Lang, Body: body.Body, Notice: body.Notice})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) consentForms(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.App.Forms(r.Context(), r.URL.Query().Get("purpose"))
	if err != nil {
		return err
	}
	if fs == nil {
		fs = []consent.Form{}
	}
	httpx.JSON(w, http.StatusOK, fs)
	return nil
}

func (s *Server) addConsentForm(w http.ResponseWriter, r *http.Request) error {
	var body consent.Form
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	f, err := s.App.AddForm(r.Context(), body)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, f)
	return nil
}

func (s *Server) consentCheck(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("email") == "" || q.Get("purpose") == "" {
		return gdpr.Keyed(gdpr.EINVALID, "email", "error.required")
	}
	st, err := s.App.MayMail(r.Context(), q.Get("email"), q.Get("purpose"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, Check{Allowed: st.Active, State: st})
	return nil
}

func (s *Server) consentSignup(w http.ResponseWriter, r *http.Request) error {
	var body SignupWrite
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	id, err := s.App.SignUp(r.Context(), app.Signup{Purpose: body.Purpose, Email: body.Email, Name: body.Name, Lang: body.Lang, Lists: body.Lists, Fields: body.Fields,
		FormURL: body.FormURL, IP: body.IP, UA: body.UA, Mode: body.Mode, Client: "api"}, s.PublicURL)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusAccepted, map[string]string{"signup": id})
	return nil
}

func (s *Server) consentWithdraw(w http.ResponseWriter, r *http.Request) error {
	var body WithdrawalWrite
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	st, err := s.App.Withdraw(r.Context(), body.Email, body.Purpose, body.How)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, st)
	return nil
}

// HookWrite is a webhook to add.
type HookWrite struct {
	URL      string         `json:"url"`
	Events   []consent.Kind `json:"events,omitempty"`
	Purposes []string       `json:"purposes,omitempty"`
}

func (s *Server) consentHooks(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.App.Hooks(r.Context())
	if err != nil {
		return err
	}
	if hs == nil {
		hs = []consent.Hook{}
	}
	httpx.JSON(w, http.StatusOK, hs)
	return nil
}

func (s *Server) addConsentHook(w http.ResponseWriter, r *http.Request) error {
	var body HookWrite
	if err := httpx.Decode(r, &body); err != nil {
		return err
	}
	h, err := s.App.AddHook(r.Context(), consent.Hook{URL: body.URL, Events: body.Events, Purposes: body.Purposes})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusCreated, h)
	return nil
}

func (s *Server) deleteConsentHook(w http.ResponseWriter, r *http.Request) error {
	if err := s.App.DeleteHook(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]string{"deleted": r.PathValue("id")})
	return nil
}

func (s *Server) consentJobs(w http.ResponseWriter, r *http.Request) error {
	js, err := s.App.ConsentJobs(r.Context(), r.URL.Query().Get("failed") == "true")
	if err != nil {
		return err
	}
	if js == nil {
		js = []consent.Job{}
	}
	httpx.JSON(w, http.StatusOK, js)
	return nil
}

func (s *Server) retryConsentJob(w http.ResponseWriter, r *http.Request) error {
	if err := s.App.RetryConsentJob(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]string{"retried": r.PathValue("id")})
	return nil
}

func (s *Server) importConsents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	name := filepath.Base(q.Get("name"))
	if name == "." || name == "/" {
		name = "upload.csv"
	}
	res, err := s.App.ImportConsents(r.Context(), q.Get("purpose"), r.Body, name, q.Get("source"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, res)
	return nil
}
