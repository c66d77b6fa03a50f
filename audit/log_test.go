package audit

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memHashes is tlog's stored hashes of a tree kept in memory, the way the
// reference builds them.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x >= int64(len(m)) {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

// TestRootIsTlog: the streaming root, its stored hashes and its frontier
// agree with tlog's for every size up to 300 (every shape of the tree's
// right edge up to height 8).
func TestRootIsTlog(t *testing.T) {
	var r Root
	var ref memHashes
	if r.Hash() != func() tlog.Hash { h, _ := tlog.TreeHash(0, ref); return h }() {
		t.Fatal("empty tree")
	}
	for n := int64(0); n < 300; n++ {
		l := Leaf{Kind: LeafAudit, Ref: fmt.Sprint(n)}
		want, err := tlog.StoredHashes(n, l.Text(), ref)
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, want...)
		got := r.Add(l.Hash())
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("leaf %d: stored hashes %v, tlog %v", n, got, want)
		}
		th, err := tlog.TreeHash(n+1, ref)
		if err != nil {
			t.Fatal(err)
		}
		if r.Hash() != th {
			t.Fatalf("size %d: root differs from tlog", n+1)
		}
		back, err := ParseFrontier(r.Frontier())
		if err != nil || back.Hash() != th || back.Size() != n+1 {
			t.Fatalf("size %d: frontier %v", n+1, err)
		}
		for i := tlog.StoredHashIndex(0, n); i < int64(len(ref)); i++ {
			leaf, pos := StoredAt(i)
			if leaf != n || pos >= len(want) || want[pos] != ref[i] {
				t.Fatalf("stored hash %d: at leaf %d pos %d, want leaf %d", i, leaf, pos, n)
			}
		}
	}
}

func TestCheckpointText(t *testing.T) {
	k, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sg, _ := note.NewSigner(k.Private)
	v := k.Verifier
	c := Checkpoint{Size: 42, Hash: tlog.RecordHash([]byte("x")), Time: time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC), Schema: "abc"}
	signed, err := Sign(c, sg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(signed, v)
	if err != nil || got != c {
		t.Fatalf("open %+v %v", got, err)
	}
	tampered := strings.Replace(signed, "\n42\n", "\n43\n", 1)
	if _, err := Open(tampered, v); err == nil {
		t.Fatal("a changed size opens")
	}
	for _, bad := range []string{"", "gdpr audit log\n1\n", "other\n1\nAAAA\n", "gdpr audit log\n01\n" + strings.Split(c.Text(), "\n")[2] + "\n",
		"gdpr audit log\n-1\n" + strings.Split(c.Text(), "\n")[2] + "\n", "gdpr audit log\n1\nAAAA\n"} {
		if _, err := ParseCheckpoint(bad); err == nil {
			t.Errorf("%q parses", bad)
		}
	}
}

func TestProofCheck(t *testing.T) {
	k, _ := GenerateKey(rand.Reader)
	sg, _ := note.NewSigner(k.Private)
	v := k.Verifier
	var r Root
	var ref memHashes
	rows := make([]Row, 37)
	for i := range rows {
		rows[i] = Row{ID: fmt.Sprintf("id-%d", i), At: "2026-03-01T12:00:00.000000Z", Actor: "user:erika", Action: SubjectRead, Target: "s-1", Outcome: OK}
		ref = append(ref, r.Add(rows[i].Leaf().Hash())...)
	}
	signed, _ := Sign(Checkpoint{Size: r.Size(), Hash: r.Hash(), Time: time.Unix(0, 0).UTC()}, sg)
	for i, row := range rows {
		rp, err := tlog.ProveRecord(r.Size(), int64(i), ref)
		if err != nil {
			t.Fatal(err)
		}
		p := Proof{Index: int64(i), Leaf: string(row.Leaf().Text()), Audit: &row, Checkpoint: signed}
		for _, h := range rp {
			p.Hashes = append(p.Hashes, h.String())
		}
		if _, err := p.Check(v); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		p.Index = (p.Index + 1) % r.Size()
		if _, err := p.Check(v); err == nil {
			t.Fatalf("entry %d proves at another index", i)
		}
	}
}

func TestChecker(t *testing.T) {
	k, _ := GenerateKey(rand.Reader)
	sg, _ := note.NewSigner(k.Private)
	v := k.Verifier
	var r Root
	var leaves []Leaf
	var stored [][]byte
	var cps []string
	for i := range 20 {
		l := Row{ID: fmt.Sprint(i)}.Leaf()
		leaves = append(leaves, l)
		stored = append(stored, JoinHashes(r.Add(l.Hash())))
		if i%7 == 6 {
			s, _ := Sign(Checkpoint{Size: r.Size(), Hash: r.Hash(), Schema: "s"}, sg)
			cps = append(cps, s)
		}
	}
	latest, _ := Sign(Checkpoint{Size: r.Size(), Hash: r.Hash(), Schema: "s"}, sg)
	run := func(mut func(i int, l *Leaf, st *[]byte) bool, schema string) Result {
		c := NewChecker(v)
		for _, s := range cps {
			c.Checkpoint(s, "store", false)
		}
		c.Checkpoint(latest, "store", true)
		var rt Root
		for i, l := range leaves {
			st := stored[i]
			if mut != nil && !mut(i, &l, &st) {
				continue
			}
			c.Leaf(rt.Size(), l, st)
			rt.Add(l.Hash())
		}
		c.State(r.Size(), r.Frontier(), schema)
		return c.Result()
	}
	if res := run(nil, "s"); !res.OK() || res.Checked != 3 {
		t.Fatalf("clean %+v", res)
	}
	kinds := func(res Result) string {
		var k []string
		for _, p := range res.Problems {
			k = append(k, p.Kind)
		}
		return strings.Join(k, " ")
	}
	for _, tc := range []struct {
		name   string
		mut    func(i int, l *Leaf, st *[]byte) bool
		schema string
		want   string
	}{
		{"digest of leaf 9", func(i int, l *Leaf, _ *[]byte) bool {
			if i == 9 {
				l.Digest[0] ^= 1
			}
			return true
		}, "s", "leaf"},
		{"leaf 3 dropped", func(i int, _ *Leaf, _ *[]byte) bool { return i != 3 }, "s", "leaf"},
		{"schema", nil, "t", "schema"},
	} {
		res := run(tc.mut, tc.schema)
		if got := kinds(res); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// A root problem names the range between the checkpoints around it.
	res := run(func(i int, l *Leaf, st *[]byte) bool {
		if i == 9 {
			l.Digest[0] ^= 1
			*st = JoinHashes([]tlog.Hash{l.Hash()})
			if h := stored[9]; len(h) > tlog.HashSize {
				*st = append(*st, h[tlog.HashSize:]...)
			}
		}
		return true
	}, "s")
	if len(res.Problems) == 0 || res.Problems[0].Kind != ProblemLeaf && res.Problems[0].Kind != ProblemRoot {
		t.Fatalf("rewritten leaf: %v", res.Problems)
	}
	for _, p := range res.Problems {
		if p.Kind == ProblemRoot {
			if p.From != 7 || p.Size != 14 {
				t.Fatalf("first root problem's range %d..%d, want 7..14", p.From, p.Size)
			}
			break
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add(Checkpoint{Size: 3, Schema: "x", Time: time.Unix(1, 0).UTC()}.Text())
	f.Add("gdpr audit log\n0\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCheckpoint(s)
		if err != nil {
			return
		}
		back, err := ParseCheckpoint(c.Text())
		if err != nil || back.Size != c.Size || back.Hash != c.Hash {
			t.Fatalf("%q: round trip %+v %v", s, back, err)
		}
	})
}

func FuzzParseLeaf(f *testing.F) {
	f.Add(Row{ID: "a"}.Leaf().Text())
	f.Add([]byte("audit\n\n\n"))
	f.Add(Leaf{Kind: LeafRedaction, Ref: "activity/a/1", Digest: [32]byte{1}, Prior: [32]byte{2}}.Text())
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLeaf(b)
		if err != nil {
			return
		}
		if !bytes.Equal(l.Text(), b) {
			t.Fatalf("%q: round trip %q", b, l.Text())
		}
	})
}

func FuzzParseFrontier(f *testing.F) {
	var r Root
	for range 5 {
		r.Add(tlog.Hash{1})
	}
	f.Add(r.Frontier())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseFrontier(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Frontier(), b) {
			t.Fatal("round trip")
		}
		r.Add(tlog.Hash{2})
		_ = r.Hash()
	})
}
