package export

import (
	"embed"
	"html/template"
	"io"
)

//go:embed templates/*.html
var templates embed.FS

var htmlTmpl = template.Must(template.ParseFS(templates, "templates/register.html"))

func writeHTML(w io.Writer, v *view) error { return htmlTmpl.Execute(w, v) }
