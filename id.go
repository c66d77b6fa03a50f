package gdpr

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// TimeID is an id that sorts by time: the moment (UTC, microseconds) and
// 48 random bits. The ledger's and the requests' events, the outbox's
// jobs and the webhooks' calls take one; ids that sort by time keep the
// indexes by id growing at their end.
func TimeID(at time.Time) string {
	b := make([]byte, 6)
	rand.Read(b)
	return at.UTC().Format("2006-01-02T15:04:05.000000Z") + "-" + hex.EncodeToString(b)
}
