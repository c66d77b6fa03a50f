package app

import "time"

// TakeHashSlots takes every password-hashing slot until release is called.
func TakeHashSlots(a *App) (release func()) {
	for range cap(a.hashes) {
		a.hashes <- struct{}{}
	}
	return func() {
		for range cap(a.hashes) {
			<-a.hashes
		}
	}
}

// TokenWrites counts the batches of token use written so far.
func TokenWrites(a *App) int64 { return a.tokens.writes.Load() }

// TakeImportSlots takes every import slot until release is called.
func TakeImportSlots(a *App) (release func()) {
	for range cap(a.imports) {
		a.imports <- struct{}{}
	}
	return func() {
		for range cap(a.imports) {
			<-a.imports
		}
	}
}

// SetSlotWait sets how long an import or export waits for a slot.
func SetSlotWait(d time.Duration) (restore func()) {
	was := slotWait
	slotWait = d
	return func() { slotWait = was }
}
