package logscrub

import (
	"strings"
	"testing"
)

// TestForms: the forms of issue 10 that leaked, one class a row, and
// others of each class (README, "What counts as an address").
func TestForms(t *testing.T) {
	cases := []struct{ in, want string }{
		// Non-ASCII local parts and IDN domains.
		{`from hans@müller.de ok`, `from x@x ok`},
		{`to=<info@bäckerei-müller.de>, relay`, `to=<x@x>, relay`},
		{`björn.schmidt@example.de wrote`, `x@x wrote`},
		{`Ærøskøbing: søren@østerbro.dk`, `Ærøskøbing: x@x`},
		{`用户@例子.广告 and иван@пример.рф`, `x@x and x@x`},
		{`punycode a@xn--mller-kva.xn--p1ai end`, `punycode x@x end`},
		{`quote «anna@example.org» end`, `quote «x@x» end`},
		// Address literals.
		{`mail from frank@[192.0.2.36] ok`, `mail from x@x ok`},
		{`rcpt eve@[IPv6:2001:db8::1]`, `rcpt x@x`},
		{`bad literal a@[999.1.1.1] stays`, `bad literal a@[999.1.1.1] stays`},
		// URL-encoded separators, once and twice.
		{`GET /?ip=2001%3Adb8%3A%3A1&x=1`, `GET /?ip=0&x=1`},
		{`GET /?v4=192%2E0%2E2%2E22 HTTP/1.1`, `GET /?v4=0 HTTP/1.1`},
		{`GET /?v4=192%252E0%252E2%252E22`, `GET /?v4=0`},
		{`GET /?v6=2001%3adb8%3a%3a2 mixed 2001:db8%3A%3A3`, `GET /?v6=0 mixed 0`},
		{`GET /?m=dave%2540example.com`, `GET /?m=x@x`},
		{`GET /?m=erika%40example.org`, `GET /?m=x@x`},
		// JSON escapes and HTML entities of '@'.
		{`{"email":"carol\u0040example.com"}`, `{"email":"x@x"}`},
		{`{"email":"carol\U0040example.com"}`, `{"email":"x@x"}`},
		{`dave&#64;example.com and erin&#x40;example.org and fred&#064;example.net and gina&commat;example.de`, `x@x and x@x and x@x and x@x`},
		// Reverse DNS.
		{`query: 52.18.12.91.in-addr.arpa IN PTR`, `query: 0.in-addr.arpa IN PTR`},
		{`zone 113.0.203.IN-ADDR.ARPA and 12.91.in-addr.arpa`, `zone 0.IN-ADDR.ARPA and 0.in-addr.arpa`},
		{`query: b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa IN PTR`, `query: 0.ip6.arpa IN PTR`},
		// Addresses written into host names.
		{`client 91-12-18-52.dyn.example.net connected`, `client 0.dyn.example.net connected`},
		{`ip-10-0-12-7.ec2.internal and ec2-52-18-12-91.compute-1.amazonaws.com`, `ip-0.ec2.internal and ec2-0.compute-1.amazonaws.com`},
		{`dslb-178-005-123-045.178.005.pools.vodafone-ip.de`, `dslb-0.178.005.pools.vodafone-ip.de`},
		{`from p5B0C1234.dip0.t-ipconnect.de ([91.12.18.52])`, `from p0.dip0.t-ipconnect.de ([0])`},
		{`host 5b0c1234.customer.example.com`, `host 0.customer.example.com`},
		// Read as the rules read them though they may be no address.
		{`release-1-2-3-4.tar.gz abcdef12.example.com`, `release-0.tar.gz 0.example.com`},
	}
	for _, c := range cases {
		if got, _ := scrub(t, Options{}, c.in); got != c.want {
			t.Errorf("\n in  %s\n got %s\n want %s", c.in, got, c.want)
		}
	}
}

// TestFormsInModes: an address in any form becomes what the mode makes of
// it, written plainly.
func TestFormsInModes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`91-12-18-52.dyn.example.net`, `91.12.18.0.dyn.example.net`},
		{`52.18.12.91.in-addr.arpa`, `91.12.18.0.in-addr.arpa`},
		{`p5B0C1234.dip0.t-ipconnect.de`, `p91.12.18.0.dip0.t-ipconnect.de`},
		{`?ip=192%2E0%2E2%2E22`, `?ip=192.0.2.0`},
	} {
		if got, _ := scrub(t, Options{Mode: Truncate, V4Mask: 8, V6Mask: 80}, c.in); got != c.want {
			t.Errorf("truncate %q = %q, want %q", c.in, got, c.want)
		}
	}
	_, c := scrub(t, Options{}, `52.18.12.91.in-addr.arpa b.a.ip6.arpa 1-2-3-4.x.de carol\u0040example.com`)
	if c.IPv4 != 2 || c.IPv6 != 1 || c.Emails != 1 {
		t.Errorf("counts %+v", c)
	}
}

// TestFormLookAlikes: what only resembles these forms survives.
func TestFormLookAlikes(t *testing.T) {
	for _, in := range []string{
		`a=1&amp;b=2 &#38; &lt; &#x26; \u00e4 \n \\u0040 in text`,
		`GET /a%2Fb%20c%3Fd?x=1&y=2 HTTP/1.1`,
		`time 12%3A34%3A56 and 1%2E5 and ab%2Ecd`,
		`release 2024-11-23.log and v1-2-3-4 and 1-2-3-4 without a host`,
		`file app.5b0c1234.js and deadbeef.example.com and abcdef12`,
		`zone example.arpa and in-addr.arpa alone`,
		`user@localhost, @handle, a@b, user@[not-an-ip]`,
		`Mozilla/5.0 Chrome/124.0.0.0 Safari/537.36`,
		`Ærøskøbing og München: ganz normaler Text`,
		`1-2-300-4.example.com and 1-2-3.example.com`,
		`sha256:9f86d081884c7d65 deadbeef.tar.gz build-12345678.log Chrome/124-0-0-0`,
	} {
		got, c := scrub(t, Options{}, in)
		if got != in {
			t.Errorf("changed: %q -> %q (%+v)", in, got, c)
		}
	}
}

// FuzzForms: no e-mail address or IPv4 address built into one of the
// forms survives in the output, whatever surrounds it.
func FuzzForms(f *testing.F) {
	f.Add("x ", " y", 0)
	f.Add("\u00e4", ".", 3)
	f.Fuzz(func(t *testing.T, before, after string, form int) {
		forms := []struct{ text, secret string }{
			{"hans@müller.de", "müller.de"},
			{"frank@[192.0.2.36]", "frank"},
			{"192%2E0%2E2%2E22", "192%2E0%2E2%2E22"},
			{"2001%3Adb8%3A%3A1", "2001%3Adb8"},
			{"dave%2540example.com", "example.com"},
			{`carol\u0040example.com`, "example.com"},
			{"erin&#x40;example.org", "example.org"},
			{"52.18.12.91.in-addr.arpa", "52.18.12.91"},
			{"91-12-18-52.dyn.example.net", "91-12-18-52"},
			{"p5B0C1234.dip0.t-ipconnect.de", "5B0C1234"},
		}
		fm := forms[(form%len(forms)+len(forms))%len(forms)]
		// A separator keeps the form a token of its own: letters or
		// digits right beside it would make it part of a longer word.
		in := before + " " + fm.text + " " + after
		sc, _ := New(Options{})
		var c Counts
		out := string(sc.Line(nil, []byte(in), &c))
		if strings.Count(out, fm.secret) > strings.Count(before+" "+after, fm.secret) {
			t.Fatalf("%q -> %q keeps %q", in, out, fm.secret)
		}
	})
}

// TestFormGate: wherever dotForms finds a form, the gate before it lets
// it look, for every dot of lines built from the bytes the forms are made
// of.
func TestFormGate(t *testing.T) {
	// Pieces of the forms, joined at random.
	pieces := []string{"1", "12", "255", "7", "-", ".", "p", "ip", "5B0C1234", "a1b2c3d4", "in-addr", "IN-ADDR", "arpa", "ip6", "dyn", "de", "x", "f", " ", "_"}
	rng := uint64(7)
	found := 0
	known := []string{
		"ip-10-0-12-255.ec2.internal", "host 91-12-18-52.dyn.example.net",
		"p5B0C1234.dip0.t-ipconnect.de", "52.18.12.91.in-addr.arpa", "a.0-0-0-0.dyn.example.de",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	}
	for k := range 50000 + len(known) {
		var line []byte
		if k < len(known) {
			line = []byte(known[k])
		} else {
			for range 1 + rng%16 {
				rng = rng*6364136223846793005 + 1442695040888963407
				line = append(line, pieces[(rng>>33)%uint64(len(pieces))]...)
			}
		}
		s := newScanner(line)
		for i, c := range line {
			if c != '.' {
				continue
			}
			for _, lo := range []int{0, i / 2} {
				st := i
				for st > lo && isHex(line[st-1]) {
					st--
				}
				if _, ok := s.dotForms(i, lo); ok {
					found++
					if !formGate(line, i, st, lo) {
						t.Fatalf("formGate(%q, %d, %d) shuts out a form", line, i, lo)
					}
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("no line held a form: the test tests nothing")
	}
}
