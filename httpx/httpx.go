// Package httpx holds the small HTTP helpers every handler uses: JSON
// responses, the one mapping of error codes to status codes, body limits,
// the client's address behind trusted proxies, security headers and
// request logging without personal data.
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
	"gdpr/locale"
)

// MaxBody bounds JSON request bodies; register entries are small.
const MaxBody = 1 << 20

// MaxForm bounds the bodies of HTML forms other than uploads.
const MaxForm = 64 << 10

// StatusOf maps an error code to an HTTP status, once for the JSON API and
// the pages.
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
	case gdpr.ETHROTTLED:
		return http.StatusTooManyRequests
	case gdpr.EPRECONDITION:
		return http.StatusPreconditionRequired
	case gdpr.EUNAVAILABLE:
		return http.StatusBadGateway
	case "too_large":
		return http.StatusRequestEntityTooLarge
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

// ErrorBody is the JSON shape of every API error. Current carries the
// stored entry with a conflict (409), so that a client can show what
// changed and try again with its version.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
	Current any `json:"current,omitempty"`
}

// retryAfter is what a throttled answer carries.
type retryAfter interface{ RetryAt() time.Time }

// Error writes err as JSON in lang. Internal errors are logged (they may
// carry SQL or paths) and answered with a generic message.
func Error(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, lang locale.Lang) {
	ErrorWith(w, r, log, err, lang, nil)
}

// ErrorWith is Error with the current version of the entry a conflict was
// about.
func ErrorWith(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, lang locale.Lang, current any) {
	code := Code(err)
	var body ErrorBody
	body.Error.Code = code
	body.Error.Message = gdpr.Localized(err, lang)
	if code == "too_large" {
		body.Error.Message = locale.T(lang, "error.toolarge")
	}
	var ge *gdpr.Error
	if errors.As(err, &ge) {
		body.Error.Field = ge.Field
	}
	if code == gdpr.EINTERNAL {
		log.Error("request failed", "method", Method(r.Method), "route", r.Pattern, "err", err)
	}
	if code == gdpr.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gdpr"`)
	}
	SetRetryAfter(w, err)
	if code == gdpr.ECONFLICT {
		body.Current = current
	}
	JSON(w, StatusOf(code), body)
}

// SetRetryAfter sets Retry-After for a throttled error that says until
// when.
func SetRetryAfter(w http.ResponseWriter, err error) {
	var ra retryAfter
	if errors.As(err, &ra) {
		secs := int(time.Until(ra.RetryAt()).Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
}

// Code is gdpr.ErrorCode, with bodies over their limit as "too_large"
// (413).
func Code(err error) string {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return "too_large"
	}
	return gdpr.ErrorCode(err)
}

// Decode reads a JSON body strictly into v: unknown fields and trailing data
// are errors. The size is bounded by the route (Limit).
func Decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return gdpr.Keyed(gdpr.EINVALID, "", "api.json", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return gdpr.Keyed(gdpr.EINVALID, "", "api.json.many")
	}
	return nil
}

// Limit bounds a request's body to n bytes before anything reads it:
// a declared length over n is refused at once (false; the caller answers
// 413 without reading), a body that turns out longer fails its reader with
// *http.MaxBytesError. Multipart bodies go to temporary files only within
// this bound.
func Limit(w http.ResponseWriter, r *http.Request, n int64) bool {
	if r.ContentLength > n {
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, n)
	return true
}

// TooLarge is the error of a body over its route's limit.
var TooLarge error = &http.MaxBytesError{}

// Page reads limit and offset; the default limit is 100, at most 1000.
func Page(r *http.Request) (limit, offset int, err error) {
	limit, offset = 100, 0
	if s := r.URL.Query().Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 1000 {
			return 0, 0, gdpr.Keyed(gdpr.EINVALID, "limit", "api.limit")
		}
	}
	if s := r.URL.Query().Get("offset"); s != "" {
		if offset, err = strconv.Atoi(s); err != nil || offset < 0 {
			return 0, 0, gdpr.Keyed(gdpr.EINVALID, "offset", "api.offset")
		}
	}
	return limit, offset, nil
}

// SecurityHeaders sets the headers every response carries: no inline
// script or style (the pages' one script is a static file that only
// filters lists), no framing, no MIME sniffing, no referrer.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// Method maps a request method to a fixed set of names, for logs and
// metric labels: a client chooses the method, and every new label value
// is memory that a metrics registry never frees (2,000 requests with
// made-up 100 KB methods grew the server by 360 MiB).
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// Route is the request's route pattern for logs and metrics, "unmatched"
// for none: patterns are ours, URLs are the client's.
func Route(r *http.Request) string {
	if r.Pattern == "" {
		return "unmatched"
	}
	return r.Pattern
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Log logs each request with its route pattern, not its URL: paths and
// queries may carry search terms or names, the pattern never does; the
// method is one of a fixed set.
func Log(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("http", "method", Method(r.Method), "route", Route(r), "status", rec.status, "ms", time.Since(start).Milliseconds())
	})
}
