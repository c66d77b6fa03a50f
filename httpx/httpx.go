// Package httpx holds the small HTTP helpers every handler uses: JSON
// responses, the one mapping of error codes to status codes, security
// headers and request logging without personal data.
package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"gdpr"
)

// MaxBody bounds request bodies; register entries are small.
const MaxBody = 1 << 20

// StatusOf maps an error code to an HTTP status.
func StatusOf(code string) int {
	switch code {
	case gdpr.EINVALID:
		return http.StatusBadRequest
	case gdpr.ENOTFOUND:
		return http.StatusNotFound
	case gdpr.ECONFLICT:
		return http.StatusConflict
	case gdpr.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case gdpr.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// Error writes err as JSON. Internal errors are logged (they may carry SQL or
// paths) and answered with a generic message.
func Error(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := gdpr.ErrorCode(err)
	var body ErrorBody
	body.Error.Code = code
	body.Error.Message = gdpr.ErrorMessage(err)
	var ge *gdpr.Error
	if errors.As(err, &ge) {
		body.Error.Field = ge.Field
	}
	if code == gdpr.EINTERNAL {
		log.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	if code == gdpr.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gdpr"`)
	}
	JSON(w, StatusOf(code), body)
}

// Decode reads a JSON body strictly into v: unknown fields and trailing data
// are errors, the size is bounded.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return gdpr.Errorf(gdpr.EINVALID, "invalid JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return gdpr.Errorf(gdpr.EINVALID, "invalid JSON body: more than one value")
	}
	return nil
}

// Page reads limit and offset; the default limit is 100, at most 1000.
func Page(r *http.Request) (limit, offset int, err error) {
	limit, offset = 100, 0
	if s := r.URL.Query().Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 1000 {
			return 0, 0, gdpr.Errorf(gdpr.EINVALID, "limit: want 1 to 1000")
		}
	}
	if s := r.URL.Query().Get("offset"); s != "" {
		if offset, err = strconv.Atoi(s); err != nil || offset < 0 {
			return 0, 0, gdpr.Errorf(gdpr.EINVALID, "offset: want a number from 0")
		}
	}
	return limit, offset, nil
}

// SecurityHeaders sets the headers every response carries: no inline
// script or style, no framing, no MIME sniffing, no referrer.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }

// Log logs each request with its route pattern, not its URL: paths and
// queries may carry search terms or names, the pattern never does.
func Log(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("http", "method", r.Method, "route", r.Pattern, "status", rec.status, "ms", time.Since(start).Milliseconds())
	})
}
