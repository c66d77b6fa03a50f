package app

import (
	"context"
	"errors"
	"time"

	"gdpr"
	"gdpr/auth"
	"gdpr/register"
	"gdpr/retention"
)

// ParseRetention reads a retention statement into rules with warnings.
func (a *App) ParseRetention(text, topic string) (retention.Result, error) {
	if text == "" {
		return retention.Result{}, gdpr.Keyed(gdpr.EINVALID, "text", "retention.empty")
	}
	return retention.Parse(text, retention.Context{Topic: topic}), nil
}

// Events reads event dates given as NAME → YYYY-MM-DD (or DD.MM.YYYY,
// or with a time). Field errors name "events.NAME".
func Events(in map[string]string) (map[retention.Event]time.Time, error) {
	out := make(map[retention.Event]time.Time, len(in))
	for name, val := range in {
		if !retention.ValidEvent(retention.Event(name)) {
			return nil, gdpr.Keyed(gdpr.EINVALID, "events."+name, "retention.event.unknown", name)
		}
		t, err := retention.ParseEventDate(val)
		if err != nil {
			return nil, gdpr.Keyed(gdpr.EINVALID, "events."+name, "cli.wrap", name, err)
		}
		out[retention.Event(name)] = t
	}
	return out, nil
}

// RetentionDue computes the last day data may be kept under a statement
// for the given events. The outcome is known (End; Latest when a branch
// of "whichever comes first" is still pending and may end earlier), or
// lists the pending events. A statement that is no executable rule is
// EINVALID, with the reason.
func (a *App) RetentionDue(text, topic string, events map[retention.Event]time.Time) (retention.Result, retention.Outcome, error) {
	res, err := a.ParseRetention(text, topic)
	if err != nil {
		return res, retention.Outcome{}, err
	}
	o, err := retention.Due(res, events, nil, a.now())
	var de *retention.DueError
	if errors.As(err, &de) {
		switch de.Key {
		case "due.notrule":
			// The warning by its rule's name, in the message's language.
			code, _ := de.Arg.(string)
			return res, o, gdpr.Keyed(gdpr.EINVALID, "text", de.Key, gdpr.Keyed(gdpr.EINVALID, "", "rule."+register.RetentionCodePrefix+code))
		case "due.many":
			return res, o, gdpr.Keyed(gdpr.EINVALID, "text", de.Key, de.Arg)
		}
		return res, o, gdpr.Keyed(gdpr.EINVALID, "text", de.Key)
	}
	return res, o, err
}

// RetentionClasses returns the deletion-class matrix of the register.
func (a *App) RetentionClasses(ctx context.Context) (retention.Matrix, error) {
	if _, err := auth.Require(ctx, auth.Read); err != nil {
		return retention.Matrix{}, err
	}
	reg, err := a.store.Register(ctx, false)
	if err != nil {
		return retention.Matrix{}, err
	}
	return retention.Classes(register.RetentionItems(reg)), nil
}
