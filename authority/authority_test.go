package authority

import (
	"strings"
	"testing"

	"gdpr/holiday"
)

func TestEveryLand(t *testing.T) {
	for _, s := range holiday.States {
		a, ok := Of(s)
		if !ok || a.Name == "" || !strings.HasPrefix(a.Web, "https://") {
			t.Errorf("%s: %+v", s, a)
		}
	}
	if _, ok := Of("XX"); ok {
		t.Error("XX")
	}
}
