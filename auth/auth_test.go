package auth_test

import (
	"strings"
	"testing"
	"time"

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
	if auth.CheckPassword("short") == nil || auth.CheckPassword("twelve chars") != nil {
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

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	th := auth.NewThrottle(func() time.Time { return now })
	for range 4 {
		th.Fail("user:erika", "ip:10.0.0.1")
	}
	if b, _ := th.Blocked("user:erika"); b {
		t.Fatal("blocked after 4")
	}
	th.Fail("user:erika", "ip:10.0.0.1")
	if b, until := th.Blocked("user:other", "ip:10.0.0.1"); !b || !until.Equal(now.Add(15*time.Minute)) {
		t.Fatalf("not blocked by ip after 5: %v %v", b, until)
	}
	now = now.Add(16 * time.Minute)
	if b, _ := th.Blocked("user:erika"); b {
		t.Fatal("still blocked after the window")
	}
	th.Fail("user:erika")
	th.Succeed("user:erika")
	if b, _ := th.Blocked("user:erika"); b {
		t.Fatal("blocked after success")
	}
}
