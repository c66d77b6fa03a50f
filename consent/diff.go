package consent

// Part is a piece of a text's diff: kept, removed from the older version
// or added in the newer.
type Part struct {
	Op   byte // ' ', '-', '+'
	Text string
}

// maxDiffWords bounds the diff (its table is words × words): longer
// texts come back as one removal and one addition.
const maxDiffWords = 3000

// DiffText compares two versions of a consent text word by word (the
// longest common subsequence), so that a page can show what a new
// version changed. Whitespace is kept with the word before it.
func DiffText(old, new string) []Part {
	a, b := words(old), words(new)
	if len(a) > maxDiffWords || len(b) > maxDiffWords {
		return []Part{{'-', old}, {'+', new}}
	}
	// lcs[i][j]: the common length of a[i:] and b[j:].
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Part
	add := func(op byte, s string) {
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += s
			return
		}
		out = append(out, Part{op, s})
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			add(' ', b[j])
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			add('-', a[i])
			i++
		default:
			add('+', b[j])
			j++
		}
	}
	for ; i < len(a); i++ {
		add('-', a[i])
	}
	for ; j < len(b); j++ {
		add('+', b[j])
	}
	return out
}

// words splits a text into words, each with the whitespace after it.
func words(s string) []string {
	var out []string
	start := 0
	inSpace := false
	for i, r := range s {
		space := r == ' ' || r == '\n' || r == '\t' || r == '\r'
		if inSpace && !space {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = space
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
