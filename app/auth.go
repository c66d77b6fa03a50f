package app

import (
	"context"
	"strings"
	"time"

	"gdpr"
	"gdpr/audit"
	"gdpr/auth"
)

// ThrottledError refuses an attempt until a time: too many failures
// (ETHROTTLED, with the catalogue's message). Adapters answer 429 with
// Retry-After.
type ThrottledError struct {
	Until time.Time
	err   *gdpr.Error
}

func (e *ThrottledError) Error() string     { return e.err.Error() }
func (e *ThrottledError) ErrorCode() string { return gdpr.ETHROTTLED }
func (e *ThrottledError) Unwrap() error     { return e.err }

func throttled(until, now time.Time) error {
	minutes := int(until.Sub(now).Minutes()) + 1
	return &ThrottledError{Until: until, err: gdpr.Keyed(gdpr.ETHROTTLED, "", "ui.login.throttled", minutes)}
}

// hashWait is how long a sign-in waits for a free hashing slot.
const hashWait = 10 * time.Second

// hashSlot waits for one of the bounded password-hashing slots.
func (a *App) hashSlot(ctx context.Context) (func(), error) {
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case a.hashes <- struct{}{}:
		return func() { <-a.hashes }, nil
	case <-t.C:
		return nil, gdpr.Keyed(gdpr.ETHROTTLED, "", "ui.login.busy")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// LoginRequest is a sign-in attempt.
type LoginRequest struct {
	Name, Password string
	// Addr is the client's address (as the server knows it: the peer, or
	// the address a trusted proxy names).
	Addr string
	// Device is the value of the browser's device cookie, if it sent one.
	Device string
}

// LoginResult is a signed-in session: the secrets for the cookies (the
// store keeps only their hashes).
type LoginResult struct {
	User      auth.User
	SessionID string
	CSRF      string
	Expires   time.Time
	// Device is the device cookie to set (new, or the one presented).
	Device string
}

// maxLoginName bounds what of a typed login name is looked at: names are
// at most 64 characters (auth.ValidName), anything longer is no user.
const maxLoginName = 64

// Login checks a name and password. The attempt is counted against the
// throttle before the password is hashed, and hashes run in bounded
// slots: a burst of guesses costs a few hashes, not one each. An unknown
// name takes as long as a wrong password. Returns EUNAUTHORIZED for a
// wrong name or password, a *ThrottledError when the throttle refuses,
// ETHROTTLED when the hashing slots stay busy.
func (a *App) Login(ctx context.Context, req LoginRequest) (LoginResult, error) {
	name := strings.TrimSpace(req.Name)
	if len(name) > maxLoginName {
		name = audit.Clip(name, maxLoginName)
	}
	// The attempt's audit entries name what was typed (clipped): there is
	// no signed-in principal yet.
	actx := auth.WithPrincipal(ctx, auth.Principal{Actor: "login:" + name})
	var device string
	if req.Device != "" && name != "" {
		h := auth.HashSecret(req.Device)
		ok, err := a.store.KnownDevice(actx, h, name)
		if err != nil {
			return LoginResult{}, err
		}
		if ok {
			device = h
		}
	}
	keys := auth.LoginKeys(name, req.Addr, device)
	att, err := a.store.ReserveAttempt(actx, keys, a.policy, audit.Login)
	if err != nil {
		if gdpr.ErrorCode(err) == gdpr.ECONFLICT {
			// Another attempt on the same keys won the race: this one
			// counts as refused rather than unchecked.
			return LoginResult{}, throttled(a.now().Add(time.Second), a.now())
		}
		return LoginResult{}, err
	}
	if !att.Allowed() {
		return LoginResult{}, throttled(att.Until, a.now())
	}
	release, err := a.hashSlot(ctx)
	if err != nil {
		return LoginResult{}, err
	}
	u, hash, err := a.store.FindUser(actx, name)
	ok := false
	switch {
	case err == nil && !u.Disabled:
		ok = auth.VerifyPassword(hash, req.Password)
	case err == nil || gdpr.ErrorCode(err) == gdpr.ENOTFOUND:
		auth.VerifyMissing(req.Password)
	default:
		release()
		return LoginResult{}, err
	}
	release()
	if !ok {
		a.audit(actx, audit.Entry{Action: audit.Login, Target: "session", Outcome: audit.Failed, Detail: "wrong name or password"})
		return LoginResult{}, gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "ui.login.failed")
	}
	res := LoginResult{User: u, Expires: a.now().Add(auth.SessionTTL), Device: req.Device}
	if res.SessionID, err = auth.NewSecret(""); err != nil {
		return LoginResult{}, err
	}
	if res.CSRF, err = auth.NewSecret(""); err != nil {
		return LoginResult{}, err
	}
	if device == "" {
		if res.Device, err = auth.NewSecret(""); err != nil {
			return LoginResult{}, err
		}
	}
	uctx := auth.WithPrincipal(ctx, auth.Principal{Actor: "user:" + u.Name, Role: u.Role})
	err = a.store.StartSession(uctx, auth.NewSession{IDHash: auth.HashSecret(res.SessionID), User: u.Name, CSRF: res.CSRF,
		Expires: res.Expires, Device: auth.HashSecret(res.Device), Clear: keys})
	return res, err
}

// Logout ends the session with that cookie value and records it.
func (a *App) Logout(ctx context.Context, sessionID string) error {
	if _, ok := auth.PrincipalFrom(ctx); !ok {
		return gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "auth.signedout")
	}
	return a.store.EndSession(ctx, auth.HashSecret(sessionID))
}

// IdentifySession returns the live session of a cookie value, or
// EUNAUTHORIZED.
func (a *App) IdentifySession(ctx context.Context, cookie string) (auth.Session, error) {
	if cookie == "" {
		return auth.Session{}, gdpr.Keyed(gdpr.EUNAUTHORIZED, "", "auth.signedout")
	}
	return a.store.FindSession(ctx, auth.HashSecret(cookie))
}

// IdentifyToken returns the token of a secret, or EUNAUTHORIZED. The use
// is recorded off the request path, at most once a minute per token.
func (a *App) IdentifyToken(ctx context.Context, secret string) (auth.Token, error) {
	t, err := a.store.FindToken(ctx, auth.HashSecret(secret))
	if err != nil {
		return t, err
	}
	a.tokens.seen(t.Name)
	return t, nil
}

// userName is the login name of a signed-in user's principal.
func userName(p auth.Principal) (string, bool) { return strings.CutPrefix(p.Actor, "user:") }

// ChangePassword replaces the signed-in user's password: the current one
// is checked under its own throttle (a stolen session must not become a
// way to guess it), the new one must meet the password rules. The user's
// other sessions end; keepSession (the cookie value of this one) stays.
// Field errors name "current", "new" or "repeat".
func (a *App) ChangePassword(ctx context.Context, current, next, repeat, keepSession string) error {
	p, err := a.require(ctx, auth.Read, audit.PasswordChange, "")
	if err != nil {
		return err
	}
	name, ok := userName(p)
	if !ok {
		return a.record(ctx, audit.PasswordChange, "", gdpr.Keyed(gdpr.EFORBIDDEN, "", "auth.password.user"))
	}
	if next != repeat {
		return a.record(ctx, audit.PasswordChange, name, gdpr.Keyed(gdpr.EINVALID, "repeat", "ui.account.differ"))
	}
	if err := auth.CheckPassword(next, name); err != nil {
		var ge *gdpr.Error
		if e, ok := err.(*gdpr.Error); ok {
			ge = &gdpr.Error{Code: e.Code, Field: "new", Message: e.Message, Key: e.Key, Args: e.Args}
			err = ge
		}
		return a.record(ctx, audit.PasswordChange, name, err)
	}
	keys := []auth.ThrottleKey{{Kind: auth.ThrottleVerify, Key: name}}
	att, err := a.store.ReserveAttempt(ctx, keys, a.policy, audit.PasswordChange)
	if err != nil {
		return err
	}
	if !att.Allowed() {
		return throttled(att.Until, a.now())
	}
	release, err := a.hashSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	_, hash, err := a.store.FindUser(ctx, name)
	if err != nil {
		return err
	}
	if !auth.VerifyPassword(hash, current) {
		return a.record(ctx, audit.PasswordChange, name, gdpr.Keyed(gdpr.EINVALID, "current", "ui.account.wrong"))
	}
	newHash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	return a.store.SetPassword(ctx, name, newHash, auth.HashSecret(keepSession))
}

// AddUser creates a user with a role and a password that meets the rules.
func (a *App) AddUser(ctx context.Context, name string, role auth.Role, password string) error {
	if _, err := a.require(ctx, auth.Manage, audit.UserCreate, name); err != nil {
		return err
	}
	if err := auth.ValidName(name); err != nil {
		return a.record(ctx, audit.UserCreate, name, err)
	}
	if err := auth.CheckPassword(password, name); err != nil {
		return a.record(ctx, audit.UserCreate, name, err)
	}
	release, err := a.hashSlot(ctx)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	release()
	if err != nil {
		return err
	}
	return a.record(ctx, audit.UserCreate, name, a.store.CreateUser(ctx, name, role, hash))
}

// DisableUser disables (or enables) a user; disabling ends its sessions.
func (a *App) DisableUser(ctx context.Context, name string, disabled bool) error {
	if _, err := a.require(ctx, auth.Manage, audit.UserDisable, name); err != nil {
		return err
	}
	return a.record(ctx, audit.UserDisable, name, a.store.SetUserDisabled(ctx, name, disabled))
}

// CreateToken creates an API token and returns its secret, which is
// shown once and stored only as a hash.
func (a *App) CreateToken(ctx context.Context, name string, role auth.Role) (string, error) {
	if _, err := a.require(ctx, auth.Manage, audit.TokenCreate, name); err != nil {
		return "", err
	}
	if err := auth.ValidName(name); err != nil {
		return "", a.record(ctx, audit.TokenCreate, name, err)
	}
	secret, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		return "", err
	}
	return secret, a.record(ctx, audit.TokenCreate, name, a.store.CreateToken(ctx, name, role, auth.HashSecret(secret)))
}

// RevokeToken revokes an API token.
func (a *App) RevokeToken(ctx context.Context, name string) error {
	if _, err := a.require(ctx, auth.Manage, audit.TokenRevoke, name); err != nil {
		return err
	}
	return a.record(ctx, audit.TokenRevoke, name, a.store.RevokeToken(ctx, name))
}

// Users lists the users.
func (a *App) Users(ctx context.Context) ([]auth.User, error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return nil, err
	}
	return a.store.ListUsers(ctx)
}

// Tokens lists the API tokens (never their secrets).
func (a *App) Tokens(ctx context.Context) ([]auth.Token, error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return nil, err
	}
	return a.store.ListTokens(ctx)
}

// CountUsers counts the enabled users (the start-up hint needs no
// principal).
func (a *App) CountUsers(ctx context.Context) (int, error) { return a.store.CountUsers(ctx) }

// AuditLog lists audit entries, newest first.
func (a *App) AuditLog(ctx context.Context, f audit.Filter) ([]audit.Entry, int, error) {
	if _, err := auth.Require(ctx, auth.Manage); err != nil {
		return nil, 0, err
	}
	return a.store.FindAudit(ctx, f)
}

// Purge removes expired sessions, device cookies and throttle counters
// (the server runs it hourly).
func (a *App) Purge(ctx context.Context) (int64, error) {
	return a.store.DeleteExpired(ctx, auth.DefaultPolicy[auth.ThrottlePair].ForgetAfter)
}

// RetryAt is when the attempt may be made again (Retry-After).
func (e *ThrottledError) RetryAt() time.Time { return e.Until }
