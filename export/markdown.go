package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

func writeMarkdown(w io.Writer, v *view) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "# %s\n\n%s  \n", v.Title, v.Subtitle)
	if v.DocTitle != "" {
		fmt.Fprintf(b, "%s  \n", mdEscape(v.DocTitle))
	}
	fmt.Fprintf(b, "%s\n\n", v.AsOf)
	fmt.Fprintf(b, "## %s\n\n", v.Labels["controller"])
	mdTable(b, v.Controller)
	fmt.Fprintf(b, "## %s\n\n", v.Labels["activities"])
	for _, a := range v.Activities {
		fmt.Fprintf(b, "- [%d. %s](#%s)\n", a.Number, mdEscape(a.Name), a.ID)
	}
	b.WriteString("\n")
	for _, a := range v.Activities {
		fmt.Fprintf(b, "### <a id=\"%s\"></a>%d. %s\n\n", a.ID, a.Number, mdEscape(a.Name))
		mdTable(b, a.Rows())
	}
	if len(v.Categories) > 0 {
		fmt.Fprintf(b, "## %s\n\n%s\n\n", v.TOMTitle, v.TOMSubtitle)
		for _, c := range v.Categories {
			fmt.Fprintf(b, "### %s\n\n", c.Label)
			for _, m := range c.Measures {
				fmt.Fprintf(b, "- **%s**", mdEscape(m.Title))
				if m.Description != "" && m.Description != m.Title {
					fmt.Fprintf(b, "  \n  %s", mdEscape(strings.ReplaceAll(m.Description, "\n", " ")))
				}
				for _, r := range m.Rows {
					fmt.Fprintf(b, "  \n  *%s:* %s", r.Label, mdEscape(strings.Join(r.Values, "; ")))
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
	}
	if len(v.Documents) > 0 {
		fmt.Fprintf(b, "## %s\n\n", v.DocsTitle)
		for _, d := range v.Documents {
			fmt.Fprintf(b, "- %s\n", mdEscape(d))
		}
		b.WriteString("\n")
	}
	return b.Flush()
}

func mdTable(b *bufio.Writer, rows []row) {
	b.WriteString("| | |\n|---|---|\n")
	for _, r := range rows {
		val := make([]string, len(r.Values))
		for i, x := range r.Values {
			val[i] = mdEscape(x)
		}
		s := strings.Join(val, "<br>")
		if r.Missing {
			s = "**" + s + "**"
		}
		fmt.Fprintf(b, "| **%s** | %s |\n", mdEscape(r.Label), s)
	}
	b.WriteString("\n")
}

var mdEscaper = strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;", "*", "\\*", "_", "\\_", "`", "\\`", "[", "\\[", "]", "\\]", "\n", " ")

func mdEscape(s string) string { return mdEscaper.Replace(s) }
