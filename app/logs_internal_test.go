package app

import (
	"testing"

	"gdpr/logscrub"
)

// TestGatherAttacks: waiting batches join the one in hand, in order, until
// the channel is empty or the row is full.
func TestGatherAttacks(t *testing.T) {
	line := func(s string) logscrub.Attack { return logscrub.Attack{Detector: "sshd", Line: []byte(s)} }
	ch := make(chan []logscrub.Attack, 4)
	ch <- []logscrub.Attack{line("b"), line("c")}
	ch <- []logscrub.Attack{line("d")}
	got := gatherAttacks(ch, []logscrub.Attack{line("a")})
	if len(got) != 4 || string(got[0].Line) != "a" || string(got[3].Line) != "d" || len(ch) != 0 {
		t.Fatalf("gathered %d lines, %d batches left", len(got), len(ch))
	}
	big := make([]logscrub.Attack, 64000)
	ch <- []logscrub.Attack{line("e")}
	if got := gatherAttacks(ch, big); len(got) != 64000 || len(ch) != 1 {
		t.Fatalf("a full row took more: %d lines, %d batches left", len(got), len(ch))
	}
	close(ch)
	<-ch
	if got := gatherAttacks(ch, []logscrub.Attack{line("f")}); len(got) != 1 {
		t.Fatalf("closed channel: %d lines", len(got))
	}
}
