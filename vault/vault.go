// Package vault keeps the personal data of people (subjects) so that it
// can be erased for good: every subject has a data key of its own
// (AES-256-GCM), stored only wrapped by a key-encryption key (KEK) that
// never lives in the database; values are stored sealed with the data
// key, and found again through blind indexes (keyed HMACs of normalised
// values) made with a key of their own. Erasure destroys the wrapped data
// key and the index entries (crypto-shredding): what copies of the sealed
// values remain, in the database's free pages or in backups, can no longer
// be opened. The package does no I/O; package store keeps its rows.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// KeySize is the size of every key here: AES-256 and HMAC-SHA-256.
const KeySize = 32

// KEK wraps and unwraps the subjects' data keys. Implementations keep the
// key outside the database (a file, the environment, later a KMS). ID
// names the key, so that a rotation knows which keys a data key was
// wrapped with.
type KEK interface {
	ID() string
	Wrap(dataKey []byte, subject string) ([]byte, error)
	Unwrap(wrapped []byte, subject string) ([]byte, error)
}

// LocalKEK is a KEK held in memory, read from a file or the environment
// (see package cli).
type LocalKEK struct {
	id   string
	aead cipher.AEAD
}

// NewLocalKEK makes a KEK of a 32-byte key. Its id is derived from the
// key (a fingerprint), so that the same key always has the same id and
// two keys never share one by accident.
func NewLocalKEK(key []byte) (*LocalKEK, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("a KEK has %d bytes, not %d", KeySize, len(key))
	}
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	fp := sha256.Sum256(append([]byte("gdpr-vault-kek\x00"), key...))
	return &LocalKEK{id: "k" + hex.EncodeToString(fp[:6]), aead: a}, nil
}

// ID implements KEK.
func (k *LocalKEK) ID() string { return k.id }

// Wrap implements KEK: the data key sealed, bound to its subject.
func (k *LocalKEK) Wrap(dataKey []byte, subject string) ([]byte, error) {
	return seal(k.aead, dataKey, wrapAAD(subject)), nil
}

// Unwrap implements KEK.
func (k *LocalKEK) Unwrap(wrapped []byte, subject string) ([]byte, error) {
	return open(k.aead, wrapped, wrapAAD(subject))
}

func wrapAAD(subject string) []byte { return []byte("gdpr-vault/dek/v1\x00" + subject) }

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// seal returns a random 12-byte nonce followed by the ciphertext. Nonces
// are random, never counters: two servers on one database never
// coordinate, and 2^32 values under one data key are far beyond a person.
func seal(a cipher.AEAD, plain, aad []byte) []byte {
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return a.Seal(nonce, nonce, plain, aad)
}

// ErrOpen is returned for a sealed value that does not open: another key,
// another subject or field, or changed bytes.
var ErrOpen = errors.New("vault: value does not open with this key")

func open(a cipher.AEAD, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < a.NonceSize()+a.Overhead() {
		return nil, ErrOpen
	}
	out, err := a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// NewDataKey returns a fresh random data key.
func NewDataKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return k
}

// Box seals and opens the values of one subject with its data key. The
// associated data binds each value to its subject and field, so that a
// value copied to another subject or field does not open.
type Box struct {
	subject string
	aead    cipher.AEAD
}

// NewBox returns the box of a subject's unwrapped data key.
func NewBox(subject string, dataKey []byte) (*Box, error) {
	if len(dataKey) != KeySize {
		return nil, fmt.Errorf("a data key has %d bytes, not %d", KeySize, len(dataKey))
	}
	a, err := newAEAD(dataKey)
	if err != nil {
		return nil, err
	}
	return &Box{subject: subject, aead: a}, nil
}

func (b *Box) aad(field string) []byte {
	return []byte("gdpr-vault/value/v1\x00" + b.subject + "\x00" + field)
}

// Seal returns the sealed value of a field.
func (b *Box) Seal(field, value string) []byte { return seal(b.aead, []byte(value), b.aad(field)) }

// Open returns the value of a field; ErrOpen when it does not open.
func (b *Box) Open(field string, sealed []byte) (string, error) {
	p, err := open(b.aead, sealed, b.aad(field))
	return string(p), err
}

// Indexer makes blind indexes: HMAC-SHA-256 of the kind and the
// normalised value under a key of its own, truncated to 16 bytes (no
// collision in any register's lifetime; a lookup checks the opened value
// anyway). Without the key the index tells nothing about a value, not
// even whether two subjects share it across key versions.
type Indexer struct {
	id  string
	key []byte
}

// NewIndexer makes an indexer of a 32-byte key; its id is the key's
// fingerprint.
func NewIndexer(key []byte) (*Indexer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("an index key has %d bytes, not %d", KeySize, len(key))
	}
	fp := sha256.Sum256(append([]byte("gdpr-vault-index\x00"), key...))
	return &Indexer{id: "i" + hex.EncodeToString(fp[:6]), key: append([]byte(nil), key...)}, nil
}

// ID names the index key.
func (x *Indexer) ID() string { return x.id }

// Hash returns the blind index of a value of a kind, after normalising
// it; the error says the value is not of its kind.
func (x *Indexer) Hash(k Kind, value string) ([]byte, error) {
	n, err := Normalise(k, value)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, x.key)
	m.Write([]byte(string(k) + "\x00" + n))
	return m.Sum(nil)[:16], nil
}

// Stored is a subject as the store keeps it: the wrapped data key (nil
// once shredded) with the id of the KEK that wrapped it, and the sealed
// values by field.
type Stored struct {
	ID         string
	KEKID      string
	WrappedKey []byte
	Values     map[string][]byte
	Shredded   bool
	Version    int
}

// IndexEntry is one blind-index row: the hash of a field's value of a
// kind under the index key KeyID.
type IndexEntry struct {
	KeyID string
	Kind  Kind
	Hash  []byte
	Field string
}

// Create is a new subject to store, with its index rows and who
// creates it (a group commit writes the creates of many callers).
type Create struct {
	Stored Stored
	Index  []IndexEntry
	Actor  string
}

// Rewrap is one data key wrapped anew: from the KEK From to To.
type Rewrap struct {
	ID, From, To string
	Wrapped      []byte
}
