// Package gdpr holds what every layer of the engine shares: the error type
// with its stable codes. Domain rules live in sub-packages (register, period,
// ...); adapters (store, api, web, cli) translate these codes exactly once.
package gdpr

import (
	"errors"
	"fmt"
	"io/fs"

	"gdpr/locale"
)

// Error codes. They are part of the public contract: the JSON API returns
// them verbatim and the CLI maps them to exit codes.
const (
	EINVALID      = "invalid"               // input fails validation
	ENOTFOUND     = "not_found"             // the entity does not exist
	ECONFLICT     = "conflict"              // the entity exists already or changed meanwhile
	EUNAUTHORIZED = "unauthorized"          // no or bad credentials
	EFORBIDDEN    = "forbidden"             // credentials lack the role
	ETHROTTLED    = "throttled"             // too many attempts or too much at once; try later
	EPRECONDITION = "precondition_required" // a write must name the version it was made from
	EINTERNAL     = "internal"              // a bug or an unavailable dependency
	EUNAVAILABLE  = "unavailable"           // a company system the engine reaches did not answer
)

// Error is an application error with a stable code and a message that is
// safe to show to the user. Field names the offending input field, if any.
// Key and Args, when set, name the message in the catalogue (package
// locale) so that each adapter shows it in the user's language; Message is
// then its English text, for logs and callers without a language.
type Error struct {
	Code    string
	Field   string
	Message string
	Key     string
	Args    []any
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// ErrorCode implements the coder interface used by ErrorCode.
func (e *Error) ErrorCode() string { return e.Code }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Keyed returns an *Error whose message is the catalogue entry key,
// formatted with args; Message holds its English text.
func Keyed(code, field, key string, args ...any) *Error {
	return &Error{Code: code, Field: field, Key: key, Args: args, Message: locale.T(locale.EN, key, args...)}
}

// MessageKey names the catalogue entry of the error's message.
func (e *Error) MessageKey() (string, []any) { return e.Key, e.Args }

// keyer is an error whose message has a catalogue entry: *Error, and the
// store's translated driver errors.
type keyer interface{ MessageKey() (string, []any) }

// localizer is an error that renders itself in a language (the
// importer's, which names file, line and field).
type localizer interface{ Localize(locale.Lang) string }

// Localized returns the user-facing message of err in lang: the
// catalogue's text for keyed errors, else as ErrorMessage.
func Localized(err error, lang locale.Lang) string {
	if ErrorCode(err) != EINTERNAL {
		var lz localizer
		if errors.As(err, &lz) {
			return lz.Localize(lang)
		}
		var k keyer
		if errors.As(err, &k) {
			if key, args := k.MessageKey(); key != "" {
				return locale.T(lang, key, LocalArgs(lang, args)...)
			}
		}
	}
	if ErrorCode(err) == EINTERNAL {
		return locale.T(lang, "error.internal")
	}
	return ErrorMessage(err)
}

// FieldErrorf returns an EINVALID *Error that names the offending field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

type coder interface{ ErrorCode() string }

// ErrorCode returns the code of the first error in err's chain that carries
// one; any other non-nil error is EINTERNAL, nil is "".
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var c coder
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors are
// never shown verbatim: they may carry paths, SQL or other details.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if ErrorCode(err) == EINTERNAL {
		return "Internal error."
	}
	return err.Error()
}

// LocalArgs returns args with each coded error replaced by its message in lang,
// so that a message that quotes another error (an unreadable workbook,
// a rule in a field) is in one language.
func LocalArgs(lang locale.Lang, args []any) []any {
	var out []any
	for i, a := range args {
		if err, ok := a.(error); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			// A quoted error without a code (a library's, a date's) is
			// quoted as it is; the message quoting it is the user-facing
			// one.
			if k := osKey(err); k != "" {
				out[i] = locale.T(lang, k)
			} else if ErrorCode(err) == EINTERNAL {
				out[i] = err.Error()
			} else {
				out[i] = Localized(err, lang)
			}
		}
	}
	if out == nil {
		return args
	}
	return out
}

// osKey names the catalogue text of the file errors a user meets (a file
// named on the command line that is not there, not readable).
func osKey(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "error.file.notexist"
	case errors.Is(err, fs.ErrPermission):
		return "error.file.permission"
	case errors.Is(err, fs.ErrExist):
		return "error.file.exist"
	}
	return ""
}
