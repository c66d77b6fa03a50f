package web

import (
	"net/url"
	"strings"
	"testing"
)

// browserView is how a browser reads a Location header: it drops tab, CR
// and LF, and treats a backslash as a slash.
func browserView(loc string) string {
	loc = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(loc)
	return strings.ReplaceAll(loc, `\`, "/")
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/activities?q=x":    "/activities?q=x",
		"/":                  "/",
		"":                   "/",
		"/\t/evil.example":   "/",
		"//evil.example":     "/",
		"/\\evil.example":    "/",
		"https://evil":       "/",
		"/%2F%2Fevil":        "/", // decodes to //evil: refused, whoever decodes it
		"/ok#frag":           "/ok#frag",
		"/x\x7f":             "/",
		"/a b":               "/",
		"relative/path":      "/",
		"/@evil.example":     "/@evil.example",
		"/javascript:alert1": "/javascript:alert1",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzLocalPath: whatever comes in, the redirect stays on this site as a
// browser resolves it.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/\t/evil.example", "//x", "/\\x", "/a?b#c", "http://x/", "/%09/x", "/\u2028/x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://gdpr.example/activities")
	f.Fuzz(func(t *testing.T, in string) {
		out := localPath(in)
		u, err := url.Parse(browserView(out))
		if err != nil {
			t.Fatalf("localPath(%q) = %q: %v", in, out, err)
		}
		if got := base.ResolveReference(u); got.Host != base.Host || got.Scheme != base.Scheme {
			t.Fatalf("localPath(%q) = %q leads to %s", in, out, got)
		}
	})
}
