package store

import (
	"strings"
	"testing"

	"gdpr"
	"gdpr/locale"
)

// TestConflictMessages: every conflict the store reports has its message
// in the catalogue, in German and English, for every kind of entry.
func TestConflictMessages(t *testing.T) {
	var errs []error
	for _, entity := range []string{activityKind.entity, measureKind.entity, "controller"} {
		errs = append(errs, staleVersion(entity, "x", 1, 2), staleVersion(entity, "x", 1, -1))
	}
	errs = append(errs, &codedError{gdpr.ECONFLICT, "m", "store.exists", nil}, &codedError{gdpr.ECONFLICT, "m", "store.race", nil},
		&codedError{gdpr.ECONFLICT, "m", "store.busy", nil}, &codedError{gdpr.EINVALID, "m", "store.dangling", nil})
	for _, err := range errs {
		de, en := gdpr.Localized(err, locale.DE), gdpr.Localized(err, locale.EN)
		if de == en || strings.Contains(de, "conflict.") || strings.Contains(de, "store.") || strings.Contains(de, "%!") {
			t.Errorf("%v: de %q, en %q", err, de, en)
		}
	}
}
