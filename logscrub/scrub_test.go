package logscrub

import (
	"testing"
)

func scrub(t *testing.T, o Options, in string) (string, Counts) {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	var c Counts
	return string(s.Line(nil, []byte(in), &c)), c
}

func TestZero(t *testing.T) {
	cases := []struct{ in, want string }{
		// The seed's promise: IPs become 0, e-mail addresses x@x.
		{`203.0.113.7 - - [10/Oct/2024:13:55:36 +0200] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 Chrome/124.0.0.0 Safari/537.36"`,
			`0 - - [10/Oct/2024:13:55:36 +0200] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 Chrome/124.0.0.0 Safari/537.36"`},
		{`2001:db8::1 - - "GET /?mail=erika.muster%40example.org HTTP/1.1" 200`, `0 - - "GET /?mail=x@x HTTP/1.1" 200`},
		{`[2001:db8::1]:443 and 1.2.3.4:8080`, `[0]:443 and 0:8080`},
		{`fe80::1%eth0 link-local`, `0%eth0 link-local`},
		{`::ffff:192.0.2.1 mapped`, `0 mapped`},
		{`2001:0DB8:0000:0000:0000:0000:0000:0001 full upper`, `0 full upper`},
		{`client 192.0.2.9#53124: query: example.org IN A`, `client 0#53124: query: example.org IN A`},
		{`connect from mail.example.org[198.51.100.23]`, `connect from mail.example.org[0]`},
		{`helo=<[IPv6:2001:db8::25]>`, `helo=<[IPv6:0]>`},
		{`from=<Erika.Muster@Example.ORG>, to=<bob@example.com>, dsn=2.0.0, status=sent`, `from=<x@x>, to=<x@x>, dsn=2.0.0, status=sent`},
		{`sasl_username=erika@example.org reject 5.7.1`, `sasl_username=x@x reject 5.7.1`},
		{`mailto:info@allegro-it.de`, `mailto:x@x`},
		{`X-Forwarded-For: 203.0.113.7, 198.51.100.2, 2001:db8::7`, `X-Forwarded-For: 0, 0, 0`},
		{`allow 10.0.0.0/8 and 2001:db8::/32`, `allow 0/8 and 0/32`},
		{`GET http://192.0.2.1:8080/path?x=1`, `GET http://0:8080/path?x=1`},
		{`seen at 1.2.3.4.`, `seen at 0.`},
		{`::1 localhost`, `0 localhost`},
		{`GET /lookup/203.0.113.7 and dsn=2.0.0/198.51.100.1`, `GET /lookup/0 and dsn=2.0.0/0`},
		// Truly ambiguous: a valid IPv6 address that could be a C++ name.
		{`cafe::beef and a::b`, `0 and 0`},
	}
	for _, c := range cases {
		if got, _ := scrub(t, Options{}, c.in); got != c.want {
			t.Errorf("\n in  %s\n got %s\n want %s", c.in, got, c.want)
		}
	}
}

// TestLookAlikes: what looks like an address but is none survives byte for
// byte.
func TestLookAlikes(t *testing.T) {
	for _, in := range []string{
		`Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0.0.0 Safari/537.36`,
		`App/2.10.3.4 (build 7)`,
		`download tool-2.10.3.4.tar.gz`,
		`dsn=2.0.0 status=sent (250 2.0.0 Ok)`,
		`550 5.7.1 rejected`,
		`2024-03-15T12:34:56+01:00 12:34:56.789`,
		`lease 00:1a:2b:3c:4d:5e eth0`,
		`std::string and Foo::Bar::baz() and ns::Type`,
		`invalid 999.1.1.1 and 1.2.3.256 and 1.2.3 and 1.2.3.4.5`,
		`sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 deadbeef::cafe`,
		`version 1.2.3.4-beta`,
		"bytes \xff\xfe\x00 invalid utf-8 \xc3(",
		`user@localhost and @mention and a@b`,
		`OID 1.3.6.1.2.1.1.1.0`,
	} {
		got, c := scrub(t, Options{}, in)
		if got != in {
			t.Errorf("changed: %q -> %q (%+v)", in, got, c)
		}
	}
}

func TestCounts(t *testing.T) {
	_, c := scrub(t, Options{}, `1.2.3.4 2001:db8::1 a@b.de 5.6.7.8 x%40example.org`)
	if c.IPv4 != 2 || c.IPv6 != 1 || c.Emails != 2 {
		t.Errorf("counts %+v", c)
	}
}

func TestTruncate(t *testing.T) {
	got, _ := scrub(t, Options{Mode: Truncate, V4Mask: 8, V6Mask: 80}, `192.168.17.42 2001:db8:aa:bb:cc::1 fe80::1%eth0`)
	if got != `192.168.17.0 2001:db8:aa:: fe80::%eth0` {
		t.Errorf("got %s", got)
	}
}

func TestPseudonym(t *testing.T) {
	o := Options{Mode: Pseudonym, Key: []byte("0123456789abcdef-day-2026-11-23")}
	a, _ := scrub(t, o, `192.0.2.1 192.0.2.1 192.0.2.2 2001:db8::1`)
	b, _ := scrub(t, Options{Mode: Pseudonym, Key: []byte("0123456789abcdef-day-2026-11-24")}, `192.0.2.1`)
	var f [4]string
	n := 0
	start := 0
	for i := 0; i <= len(a); i++ {
		if i == len(a) || a[i] == ' ' {
			f[n] = a[start:i]
			n++
			start = i + 1
		}
	}
	if f[0] != f[1] || f[0] == f[2] || f[0] == "192.0.2.1" || f[0][:2] < "24" || f[3][:9] != "2001:db8:" || b == f[0] {
		t.Errorf("pseudonyms %q, other day %q", a, b)
	}
	if _, err := New(Options{Mode: Pseudonym}); err == nil {
		t.Error("no key accepted")
	}
}

// TestJSONLines: string values of JSON lines are anonymised, the JSON stays
// valid and keys and numbers are untouched.
func TestJSONLines(t *testing.T) {
	in := `{"time":"2026-11-23T07:00:00Z","remote_addr":"203.0.113.7","xff":"198.51.100.2, 2001:db8::7","user":"erika@example.org","status":401,"ua":"curl/8.5.0","bytes":512}`
	want := `{"time":"2026-11-23T07:00:00Z","remote_addr":"0","xff":"0, 0","user":"x@x","status":401,"ua":"curl/8.5.0","bytes":512}`
	if got, _ := scrub(t, Options{}, in); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}
