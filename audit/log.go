package audit

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// The tamper-evident log. Every audit entry and every revision is a leaf
// of one RFC 6962 Merkle tree (tlog, the tree of Go's checksum database).
// A leaf names its row (kind and key) and commits to the row's content
// by a SHA-256 digest of a canonical encoding; the leaf, not the row, is
// hashed into the tree. So that a later redaction of a row (a revision
// whose personal values an erasure replaces) can be recorded as a leaf of
// its own without rewriting the tree, and so that a check can name the
// row whose content no longer matches.
//
// After every transaction that adds leaves, the store signs the tree head
// as a checkpoint (a signed note, Ed25519, with a key kept outside the
// database). A checkpoint copied out of the database (gdpr audit
// checkpoint, every PDF export) pins the tree: whoever rewrites history
// must change the root, and cannot sign a new one.

// Leaf kinds. A redaction records that the engine replaced a
// revision's content (people written in the clear, now in the vault):
// the digest before (Prior) and after.
const (
	LeafAudit     = "audit"
	LeafRevision  = "revision"
	LeafRedaction = "redaction"
)

// Leaf is one leaf of the log: the row it stands for and the digest of
// the row's content.
type Leaf struct {
	Kind   string // LeafAudit, LeafRevision or LeafRedaction
	Ref    string // the audit id, or "entity/entity id/version"
	Digest [sha256.Size]byte
	Prior  [sha256.Size]byte // a redaction's digest before
}

// Text is the leaf's bytes in the tree: readable, one line per field, so
// that an auditor can see what a proof proves.
func (l Leaf) Text() []byte {
	t := l.Kind + "\n" + l.Ref + "\n" + hex.EncodeToString(l.Digest[:]) + "\n"
	if l.Kind == LeafRedaction {
		t += hex.EncodeToString(l.Prior[:]) + "\n"
	}
	return []byte(t)
}

// Hash is the leaf's RFC 6962 record hash.
func (l Leaf) Hash() tlog.Hash { return tlog.RecordHash(l.Text()) }

// ParseLeaf reads a leaf's text back.
func ParseLeaf(text []byte) (Leaf, error) {
	parts := strings.Split(string(text), "\n")
	want := 4
	if parts[0] == LeafRedaction {
		want = 5
	}
	if len(parts) != want || parts[want-1] != "" {
		return Leaf{}, errors.New("leaf: wrong number of lines")
	}
	var l Leaf
	l.Kind, l.Ref = parts[0], parts[1]
	for i, into := range [][]byte{l.Digest[:], l.Prior[:]}[:want-3] {
		d, err := hex.DecodeString(parts[2+i])
		if err != nil || len(d) != sha256.Size || hex.EncodeToString(d) != parts[2+i] {
			return Leaf{}, errors.New("leaf: bad digest")
		}
		copy(into, d)
	}
	return l, nil
}

// digest is SHA-256 over the fields, each prefixed with its length, so
// that no two field lists encode alike.
func digest(fields ...string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, f := range fields {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// Row is an audit row as stored: the fields exactly as the database holds
// them, At formatted.
type Row struct {
	ID, At, Actor, Action, Target, Outcome, Detail string
}

// Leaf is the row's leaf.
func (r Row) Leaf() Leaf {
	return Leaf{Kind: LeafAudit, Ref: r.ID, Digest: digest("audit", r.ID, r.At, r.Actor, r.Action, r.Target, r.Outcome, r.Detail)}
}

// RevisionRow is a revision as stored.
type RevisionRow struct {
	Entity, EntityID                     string
	Version                              int64
	Action, Actor, At, Changes, Snapshot string
}

// RevisionRef is the leaf reference of a revision.
func RevisionRef(entity, id string, version int64) string {
	return entity + "/" + id + "/" + strconv.FormatInt(version, 10)
}

// Leaf is the revision's leaf.
func (r RevisionRow) Leaf() Leaf {
	return Leaf{Kind: LeafRevision, Ref: RevisionRef(r.Entity, r.EntityID, r.Version),
		Digest: digest("revision", r.Entity, r.EntityID, strconv.FormatInt(r.Version, 10), r.Action, r.Actor, r.At, r.Changes, r.Snapshot)}
}

// Head is the log's size and its newest signed checkpoint ("" while the
// store has no log key).
type Head struct {
	Size       int64  `json:"size"`
	Checkpoint string `json:"checkpoint"`
}

// Origin is the first line of every checkpoint of this engine's log.
const Origin = "gdpr audit log"

// Checkpoint is a signed tree head: the size of the tree, its root, when
// it was signed, and the fingerprint of the database triggers that keep
// the log's tables append-only (so that dropping and re-creating one is
// seen even when no row changed).
type Checkpoint struct {
	Size   int64
	Hash   tlog.Hash
	Time   time.Time
	Schema string
}

// Text is the checkpoint's note text (C2SP checkpoint: origin, size,
// base64 root, then extension lines).
func (c Checkpoint) Text() string {
	return fmt.Sprintf("%s\n%d\n%s\ntime %s\nschema %s\n", Origin, c.Size,
		base64.StdEncoding.EncodeToString(c.Hash[:]), c.Time.UTC().Format(time.RFC3339Nano), c.Schema)
}

// ParseCheckpoint reads a checkpoint's note text.
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[0] != Origin || lines[len(lines)-1] != "" {
		return Checkpoint{}, errors.New("checkpoint: not a checkpoint of this log")
	}
	var c Checkpoint
	var err error
	if c.Size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || c.Size < 0 || strconv.FormatInt(c.Size, 10) != lines[1] {
		return Checkpoint{}, errors.New("checkpoint: bad size")
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return Checkpoint{}, errors.New("checkpoint: bad root hash")
	}
	copy(c.Hash[:], h)
	for _, l := range lines[3 : len(lines)-1] {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "time":
			if c.Time, err = time.Parse(time.RFC3339Nano, v); err != nil {
				return Checkpoint{}, errors.New("checkpoint: bad time")
			}
		case "schema":
			c.Schema = v
		}
	}
	return c, nil
}

// Sign signs c with the log key.
func Sign(c Checkpoint, s note.Signer) (string, error) {
	msg, err := note.Sign(&note.Note{Text: c.Text()}, s)
	if err != nil {
		return "", fmt.Errorf("sign checkpoint: %w", err)
	}
	return string(msg), nil
}

// Open checks a signed checkpoint against the log's public key and
// returns it.
func Open(signed string, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open([]byte(signed), note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	return ParseCheckpoint(n.Text)
}

// KeyName is the name of the log's key in its notes.
const KeyName = "gdpr-audit-log"

// KeyPair is a new log key: note's text forms of the private key (for
// log.key) and of the public one (log.pub, for auditors), and the
// public key's verifier.
type KeyPair struct {
	Private, Public string
	Verifier        note.Verifier
}

// GenerateKey makes a new log key pair.
func GenerateKey(rand io.Reader) (KeyPair, error) {
	private, public, err := note.GenerateKey(rand, KeyName)
	if err != nil {
		return KeyPair{}, fmt.Errorf("log key: %w", err)
	}
	v, err := note.NewVerifier(public)
	if err != nil {
		return KeyPair{}, fmt.Errorf("log key: %w", err)
	}
	return KeyPair{private, public, v}, nil
}

// Root folds leaf hashes into the RFC 6962 tree head as they stream by:
// it holds one hash per complete subtree (at most 64), so checking a log
// of any length needs constant memory.
type Root struct {
	n     int64
	stack []tlog.Hash // complete subtrees, largest first
}

// Add appends the next leaf's hash and returns the hashes the tree
// gains with it: the leaf's, then each subtree it completes, level by
// level. They are tlog's stored hashes of the leaf (StoredHashes), in
// their order, which is how the store keeps them for proofs.
func (r *Root) Add(h tlog.Hash) []tlog.Hash {
	out := []tlog.Hash{h}
	r.stack = append(r.stack, h)
	for s := r.n; s&1 == 1; s >>= 1 {
		k := len(r.stack)
		r.stack[k-2] = tlog.NodeHash(r.stack[k-2], r.stack[k-1])
		r.stack = r.stack[:k-1]
		out = append(out, r.stack[k-2])
	}
	r.n++
	return out
}

// Frontier is the state of r in bytes (size, then the subtree hashes),
// kept with the log so that an append reads one row, not the tree.
func (r *Root) Frontier() []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(r.n))
	for _, h := range r.stack {
		b = append(b, h[:]...)
	}
	return b
}

// ParseFrontier restores a Root from Frontier's bytes.
func ParseFrontier(b []byte) (*Root, error) {
	if len(b) < 8 || (len(b)-8)%tlog.HashSize != 0 {
		return nil, errors.New("log frontier: bad length")
	}
	r := &Root{n: int64(binary.BigEndian.Uint64(b))}
	for b = b[8:]; len(b) > 0; b = b[tlog.HashSize:] {
		r.stack = append(r.stack, tlog.Hash(b[:tlog.HashSize]))
	}
	if r.n < 0 || bitsSet(r.n) != len(r.stack) {
		return nil, errors.New("log frontier: size and subtrees disagree")
	}
	return r, nil
}

func bitsSet(n int64) int {
	c := 0
	for ; n != 0; n &= n - 1 {
		c++
	}
	return c
}

// StoredAt says where tlog's stored hash index i is kept: with the leaf
// that completed its subtree, at the position of its level.
func StoredAt(i int64) (leaf int64, pos int) {
	level, n := tlog.SplitStoredHashIndex(i)
	return (n+1)<<level - 1, level
}

// Size is the number of leaves added.
func (r *Root) Size() int64 { return r.n }

// Hash is the tree head of the leaves added so far.
func (r *Root) Hash() tlog.Hash {
	if len(r.stack) == 0 {
		return sha256.Sum256(nil) // RFC 6962: the hash of the empty tree
	}
	h := r.stack[len(r.stack)-1]
	for i := len(r.stack) - 2; i >= 0; i-- {
		h = tlog.NodeHash(r.stack[i], h)
	}
	return h
}

// Proof is what an auditor needs to check one entry offline: the row's
// fields, its leaf, the inclusion proof and the signed checkpoint.
type Proof struct {
	Index      int64        `json:"index"`
	Leaf       string       `json:"leaf"`
	Audit      *Row         `json:"audit,omitempty"`
	Revision   *RevisionRow `json:"revision,omitempty"`
	Hashes     []string     `json:"proof"`
	Checkpoint string       `json:"checkpoint"`
}

// Check verifies p with the log's public key: the row's fields give its
// leaf, the leaf is in the tree of the signed checkpoint.
func (p Proof) Check(v note.Verifier) (Checkpoint, error) {
	c, err := Open(p.Checkpoint, v)
	if err != nil {
		return Checkpoint{}, err
	}
	var row Leaf
	switch {
	case p.Audit != nil:
		row = p.Audit.Leaf()
	case p.Revision != nil:
		row = p.Revision.Leaf()
	default:
		return Checkpoint{}, errors.New("proof: no entry")
	}
	// The leaf proven is the row's own, or for a redacted revision the
	// redaction that gave the row its present content.
	l, err := ParseLeaf([]byte(p.Leaf))
	if err != nil || l.Ref != row.Ref || l.Digest != row.Digest || l.Kind != row.Kind && !(row.Kind == LeafRevision && l.Kind == LeafRedaction) {
		return Checkpoint{}, errors.New("proof: the entry's fields do not give its leaf")
	}
	var rp tlog.RecordProof
	for _, s := range p.Hashes {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return Checkpoint{}, fmt.Errorf("proof: %w", err)
		}
		rp = append(rp, h)
	}
	if err := tlog.CheckRecord(rp, c.Size, c.Hash, p.Index, l.Hash()); err != nil {
		return Checkpoint{}, fmt.Errorf("proof: %w", err)
	}
	return c, nil
}
