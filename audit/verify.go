package audit

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Problem kinds a check reports. Each names the leaf (its index, -1 when
// none) and the row (its reference) it concerns.
const (
	ProblemChanged    = "changed"    // a row's content no longer gives its leaf's digest
	ProblemMissing    = "missing"    // a leaf's row is gone
	ProblemUnlogged   = "unlogged"   // a row that is no leaf of the log
	ProblemLeaf       = "leaf"       // a leaf's stored hashes, or its place, are not what the leaves give
	ProblemRoot       = "root"       // the tree the leaves give is not the one a checkpoint signed
	ProblemTruncated  = "truncated"  // a checkpoint signed more leaves than there are
	ProblemUnsigned   = "unsigned"   // leaves that no checkpoint signed, or no checkpoint at all
	ProblemSignature  = "signature"  // a checkpoint whose signature does not hold
	ProblemSchema     = "schema"     // the triggers differ from those the last checkpoint saw
	ProblemState      = "state"      // the log's own state row disagrees with its leaves
	ProblemCheckpoint = "checkpoint" // an exported checkpoint that is not one of this log
)

// Problem is one finding of a check.
type Problem struct {
	Kind  string `json:"kind"`
	Index int64  `json:"index"`
	Ref   string `json:"ref,omitempty"`
	// Size is the checkpoint's tree size for root, truncated and
	// signature problems; From is where the range it covers begins.
	From int64 `json:"from,omitempty"`
	Size int64 `json:"size,omitempty"`
	// Source says which checkpoint: "store" or the exported file.
	Source string `json:"source,omitempty"`
}

// MaxProblems bounds the problems a check keeps: a log rewritten
// wholesale reports the first ones and the count, in bounded memory.
const MaxProblems = 1000

// Checker checks a log as it streams by: checkpoints first, then the
// leaves in order, then the rows, then the state. It holds the
// checkpoints (one per hour is kept in the store, plus those given) and
// the tree's frontier, nothing per leaf.
type Checker struct {
	v        note.Verifier
	cps      []namedCheckpoint // sorted by size
	next     int               // the next checkpoint to meet
	started  bool
	root     Root
	latest   *Checkpoint
	problems []Problem
	count    int
	Rows     int64 // rows checked
	// redactions: per revision, the digests a redaction leaf moved from
	// one to the next (kept for the rows pass; one per redaction).
	redactions map[string]map[[32]byte][32]byte
}

type namedCheckpoint struct {
	Checkpoint
	source string
}

// NewChecker checks against checkpoints signed by v.
func NewChecker(v note.Verifier) *Checker { return &Checker{v: v} }

func (c *Checker) report(p Problem) {
	c.count++
	if len(c.problems) < MaxProblems {
		c.problems = append(c.problems, p)
	}
}

// Checkpoint adds a signed checkpoint from source ("store" for the
// store's own; the file name for an exported one). latest marks the
// store's newest, the one the leaves must end at.
func (c *Checker) Checkpoint(signed, source string, latest bool) {
	cp, err := Open(signed, c.v)
	if err != nil {
		kind := ProblemSignature
		if source != "store" {
			kind = ProblemCheckpoint
		}
		c.report(Problem{Kind: kind, Index: -1, Source: source})
		return
	}
	c.cps = append(c.cps, namedCheckpoint{cp, source})
	if latest {
		c.latest = &cp
	}
}

// Leaf takes the next leaf (index idx) with the hashes stored for it.
func (c *Checker) Leaf(idx int64, l Leaf, stored []byte) {
	c.start()
	if idx != c.root.Size() {
		c.report(Problem{Kind: ProblemLeaf, Index: idx, Ref: l.Ref})
	}
	hs := c.root.Add(l.Hash())
	if !bytes.Equal(joinHashes(hs), stored) {
		c.report(Problem{Kind: ProblemLeaf, Index: idx, Ref: l.Ref})
	}
	if l.Kind == LeafRedaction {
		if c.redactions == nil {
			c.redactions = map[string]map[[32]byte][32]byte{}
		}
		if c.redactions[l.Ref] == nil {
			c.redactions[l.Ref] = map[[32]byte][32]byte{}
		}
		c.redactions[l.Ref][l.Prior] = l.Digest
	}
	c.meet()
}

// start orders the checkpoints by size before the first leaf, and
// meets those of the empty tree.
func (c *Checker) start() {
	if c.started {
		return
	}
	c.started = true
	slices.SortStableFunc(c.cps, func(a, b namedCheckpoint) int { return cmp.Compare(a.Size, b.Size) })
	c.meet()
}

// meet compares the tree with every checkpoint of its size.
func (c *Checker) meet() {
	var h tlog.Hash
	done := false
	for c.next < len(c.cps) && c.cps[c.next].Size == c.root.Size() {
		if !done {
			h, done = c.root.Hash(), true
		}
		cp := c.cps[c.next]
		if cp.Hash != h {
			from := int64(0)
			for i := c.next - 1; i >= 0; i-- {
				if c.cps[i].Size < cp.Size {
					from = c.cps[i].Size
					break
				}
			}
			c.report(Problem{Kind: ProblemRoot, Index: -1, From: from, Size: cp.Size, Source: cp.source})
		}
		c.next++
	}
}

// JoinHashes is the bytes the store keeps for a leaf's stored hashes.
func JoinHashes(hs []tlog.Hash) []byte { return joinHashes(hs) }

func joinHashes(hs []tlog.Hash) []byte {
	b := make([]byte, 0, len(hs)*tlog.HashSize)
	for _, h := range hs {
		b = append(b, h[:]...)
	}
	return b
}

// Row takes a row with its leaf's index and digest (idx -1: no leaf).
func (c *Checker) Row(l Leaf, idx int64, digest []byte) {
	c.Rows++
	switch {
	case idx < 0:
		c.report(Problem{Kind: ProblemUnlogged, Index: -1, Ref: l.Ref})
	case !bytes.Equal(digest, l.Digest[:]) && !c.redacted(l, digest):
		c.report(Problem{Kind: ProblemChanged, Index: idx, Ref: l.Ref})
	}
}

// redacted reports whether redaction leaves lead from the digest the
// revision was logged with to the content it has now.
func (c *Checker) redacted(l Leaf, logged []byte) bool {
	steps := c.redactions[l.Ref]
	if len(steps) == 0 || len(logged) != 32 {
		return false
	}
	cur := [32]byte(logged)
	for range len(steps) {
		next, ok := steps[cur]
		if !ok {
			return false
		}
		if next == l.Digest {
			return true
		}
		cur = next
	}
	return false
}

// Orphan takes a leaf whose row is gone.
func (c *Checker) Orphan(idx int64, ref string) {
	c.report(Problem{Kind: ProblemMissing, Index: idx, Ref: ref})
}

// State takes the log's state row: its size and frontier, and the
// triggers' fingerprint now.
func (c *Checker) State(size int64, frontier []byte, schemaNow string) {
	c.start()
	if f := c.root.Frontier(); size != c.root.Size() || !bytes.Equal(f, frontier) {
		c.report(Problem{Kind: ProblemState, Index: -1, Size: size})
	}
	for ; c.next < len(c.cps); c.next++ {
		cp := c.cps[c.next]
		c.report(Problem{Kind: ProblemTruncated, Index: -1, Size: cp.Size, From: c.root.Size(), Source: cp.source})
	}
	switch {
	case c.latest == nil:
		c.report(Problem{Kind: ProblemUnsigned, Index: -1, From: 0, Size: c.root.Size()})
	case c.latest.Size < c.root.Size():
		c.report(Problem{Kind: ProblemUnsigned, Index: -1, From: c.latest.Size, Size: c.root.Size()})
	}
	if c.latest != nil && c.latest.Schema != schemaNow {
		c.report(Problem{Kind: ProblemSchema, Index: -1})
	}
}

// Result is the outcome of a check.
type Result struct {
	Leaves   int64       `json:"leaves"`
	Rows     int64       `json:"rows"`
	Latest   *Checkpoint `json:"latest,omitempty"`
	Checked  int         `json:"checkpoints"`
	Problems []Problem   `json:"problems"`
	Count    int         `json:"count"` // problems found; more than Problems holds when over MaxProblems
}

// OK reports whether the check found nothing.
func (r Result) OK() bool { return r.Count == 0 }

// Result ends the check.
func (c *Checker) Result() Result {
	p := c.problems
	if p == nil {
		p = []Problem{}
	}
	return Result{Leaves: c.root.Size(), Rows: c.Rows, Latest: c.latest, Checked: len(c.cps), Problems: p, Count: c.count}
}

// String is a problem in one line (logs, tests).
func (p Problem) String() string {
	return fmt.Sprintf("%s leaf=%d ref=%q range=%d..%d %s", p.Kind, p.Index, p.Ref, p.From, p.Size, p.Source)
}
