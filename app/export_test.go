package app

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
