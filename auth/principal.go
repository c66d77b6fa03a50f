package auth

import (
	"context"

	"gdpr"
)

// Principal is who acts: a signed-in user, an API token, the command line
// or the server itself. It travels in the request's context from the
// adapter that authenticated it (session, token, CLI) down to the store,
// which records its Actor in revisions and audit entries of the same
// transaction. A later issue adds the tenant.
type Principal struct {
	// Actor names the principal in revisions and audit entries:
	// "user:NAME", "token:NAME", "cli:LOGIN", "system:JOB".
	Actor string
	Role  Role
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx, or false when there is none.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.Actor != ""
}

// Require returns the principal of ctx when it may do what perm asks.
// Returns EUNAUTHORIZED without a principal and EFORBIDDEN when the role
// lacks the permission.
func Require(ctx context.Context, perm Permission) (Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return p, gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "auth.required")
	}
	if !p.Role.Allows(perm) {
		return p, gdpr.Keyed(gdpr.EFORBIDDEN, "", "auth.role", gdpr.Keyed(gdpr.EFORBIDDEN, "", "value.role."+string(p.Role)))
	}
	return p, nil
}
