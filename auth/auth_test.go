package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gdpr"
	"gdpr/auth"
)

func TestPasswords(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery staple")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q %v", h, err)
	}
	h2, _ := auth.HashPassword("correct horse battery staple")
	if h == h2 {
		t.Error("no salt")
	}
	if !auth.VerifyPassword(h, "correct horse battery staple") || auth.VerifyPassword(h, "correct horse battery stapl") {
		t.Error("verify")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$YQ$YQ", "$argon2id$v=19$m=0,t=1,p=1$YQ$YQ", "$argon2id$v=19$x$YQ$YQ", "$argon2id$v=19$m=1,t=1,p=1$!!$YQ"} {
		if auth.VerifyPassword(bad, "x") {
			t.Errorf("accepted %q", bad)
		}
	}
	if auth.VerifyMissing("x") {
		t.Error("VerifyMissing true")
	}
	if auth.CheckPassword("short") == nil || auth.CheckPassword("a long test password") != nil {
		t.Error("password rules")
	}
}

func TestRoles(t *testing.T) {
	cases := []struct {
		role auth.Role
		p    auth.Permission
		want bool
	}{
		{auth.Admin, auth.Manage, true}, {auth.Admin, auth.Write, true}, {auth.Admin, auth.Read, true},
		{auth.Editor, auth.Manage, false}, {auth.Editor, auth.Write, true}, {auth.Editor, auth.Read, true},
		{auth.Auditor, auth.Manage, false}, {auth.Auditor, auth.Write, false}, {auth.Auditor, auth.Read, true},
		{"", auth.Read, false},
	}
	for _, c := range cases {
		if got := c.role.Allows(c.p); got != c.want {
			t.Errorf("%s allows %d = %v", c.role, c.p, got)
		}
	}
	if _, err := auth.ParseRole("root"); err == nil {
		t.Error("root accepted")
	}
	for _, n := range []string{"", "a b", "ä", strings.Repeat("x", 65)} {
		if auth.ValidName(n) == nil {
			t.Errorf("name %q accepted", n)
		}
	}
}

func TestSecrets(t *testing.T) {
	a, _ := auth.NewSecret(auth.TokenPrefix)
	b, _ := auth.NewSecret(auth.TokenPrefix)
	if a == b || !strings.HasPrefix(a, "gdpr_") || len(a) != 5+64 {
		t.Errorf("secrets %q %q", a, b)
	}
	if auth.HashSecret(a) == a || len(auth.HashSecret(a)) != 64 {
		t.Error("hash")
	}
}

func TestBackoff(t *testing.T) {
	b := auth.Backoff{Free: 5, Base: time.Minute, Max: 15 * time.Minute, ForgetAfter: 24 * time.Hour}
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{{0, 0}, {4, 0}, {5, time.Minute}, {6, 2 * time.Minute}, {7, 4 * time.Minute}, {9, 15 * time.Minute}, {500, 15 * time.Minute}} {
		if got := b.Wait(tc.failures); got != tc.want {
			t.Errorf("Wait(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	c := auth.Counter{Failures: 5, LastFailure: now.Add(-30 * time.Second)}
	if _, until := b.Next(c, now); !until.Equal(now.Add(30 * time.Second)) {
		t.Errorf("until = %v, want 30 s from now", until)
	}
	if _, until := b.Next(c, now.Add(time.Minute)); !until.IsZero() {
		t.Errorf("still refused after the wait: %v", until)
	}
	if c2, until := b.Next(auth.Counter{Failures: 50, LastFailure: now.Add(-25 * time.Hour)}, now); !until.IsZero() || c2.Failures != 0 {
		t.Errorf("old failures not forgotten: %+v %v", c2, until)
	}
}

func TestLoginKeys(t *testing.T) {
	keys := auth.LoginKeys("Erika", "203.0.113.5", "")
	if len(keys) != 2 || keys[0].String() != "pair:erika|203.0.113.5" || keys[1].String() != "user:erika" {
		t.Fatalf("keys = %v", keys)
	}
	// A known browser is counted apart from the user's key: someone
	// guessing elsewhere does not lock it out.
	keys = auth.LoginKeys("erika", "203.0.113.5", "abc")
	if len(keys) != 1 || keys[0].Kind != auth.ThrottleDevice {
		t.Fatalf("device keys = %v", keys)
	}
}

func TestPasswordRules(t *testing.T) {
	for _, tc := range []struct {
		pw, key string
	}{
		{"short", "password.short"},
		{"            ", "password.weak.repeat"},
		{"password1234", "password.weak.dictionary"},
		{"Passwort1234", "password.weak.dictionary"},
		{"erikaerika12", ""}, // any weakness: the user's own name repeated
		{"abcdefghijkl", "password.weak.sequence"},
		{"qwertzuiop12", ""},
		{strings.Repeat("x", 1025), "password.long"},
		{"Sommer2026!!", ""},
	} {
		err := auth.CheckPassword(tc.pw, "erika")
		var ge *gdpr.Error
		if !errors.As(err, &ge) || ge.Code != gdpr.EINVALID {
			t.Errorf("%q accepted (%v)", tc.pw, err)
			continue
		}
		if tc.key != "" && ge.Key != tc.key {
			t.Errorf("%q: key %q, want %q", tc.pw, ge.Key, tc.key)
		}
		if ge.Field != "password" {
			t.Errorf("%q: field %q", tc.pw, ge.Field)
		}
	}
	for _, good := range []string{"correct horse battery staple", "Datenschutz-Bollwerk im Hinterhof", "7f#kP2!vQz9@Lm", strings.Repeat("Zq9!x", 40)} {
		if err := auth.CheckPassword(good, "erika"); err != nil {
			t.Errorf("%q refused: %v", good, err)
		}
	}
}
