package export

import (
	"gdpr/locale"
	"gdpr/register"
	"time"
)

// FindingView is a lint finding with its message in one language: the shape
// of `gdpr check --format json` and of the API's findings.
type FindingView struct {
	register.Finding
	Message string `json:"message"`
	// Rule names the rule in a few words ("Rechtsgrundlage fehlt"),
	// Citation the legal reference in the language's citation form.
	Rule     string `json:"rule"`
	Citation string `json:"citation"`
}

// Describe adds the catalogue message to each finding; never nil.
func Describe(fs []register.Finding, lang locale.Lang) []FindingView {
	out := make([]FindingView, len(fs))
	for i, f := range fs {
		args := make([]any, len(f.Args))
		for j, a := range f.Args {
			args[j] = a
			// A day is an argument in ISO form (stable data, also in
			// JSON); German text writes it 15.01.2026.
			if d, err := time.Parse("2006-01-02", a); err == nil && lang == locale.DE {
				args[j] = d.Format("02.01.2006")
			}
		}
		out[i] = FindingView{Finding: f, Message: locale.T(lang, "finding."+f.Code, args...), Rule: locale.T(lang, "rule."+f.Code),
			Citation: locale.Cite(lang, f.Ref)}
	}
	return out
}
