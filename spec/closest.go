package spec

import "strings"

// Closest is the known key that key is most likely a typo of: the nearest
// by edit distance (case aside), within 2 edits (1 for keys of up to three
// letters), or "" when none is that close. The native and compose loaders
// both use it for "did you mean".
func Closest(key string, known []string) string {
	maxD := 2
	if len(key) <= 3 {
		maxD = 1
	}
	best, bestD := "", maxD+1
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the edit distance of two short strings, counting an
// insertion, a deletion, a substitution or a swap of two neighbours (the
// commonest typo: "tpc" for "tcp") as one edit.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	before := make([]int, len(b)+1) // row i-2
	prev := make([]int, len(b)+1)   // row i-1
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], before[j-2]+1)
			}
		}
		before, prev, cur = prev, cur, before
	}
	return prev[len(b)]
}
