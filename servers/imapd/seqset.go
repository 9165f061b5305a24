package imapd

import (
	"errors"
	"strconv"
	"strings"
)

// seqRange is lo:hi of a sequence set; 0 stands for '*'.
type seqRange struct{ lo, hi uint32 }

// seqSet is a parsed sequence set (message numbers or UIDs).
type seqSet []seqRange

const maxSeqRanges = 10000

var errBadSeqSet = errors.New("invalid sequence set")

// parseSeqSet parses a sequence-set like "1:*", "2,4:7" or "*".
func parseSeqSet(s string) (seqSet, error) {
	if s == "" {
		return nil, errBadSeqSet
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxSeqRanges {
		return nil, errBadSeqSet
	}
	set := make(seqSet, 0, len(parts))
	for _, part := range parts {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := parseSeqNumber(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parseSeqNumber(hi); err != nil {
				return nil, err
			}
		}
		set = append(set, seqRange{lo: a, hi: b})
	}
	return set, nil
}

func parseSeqNumber(s string) (uint32, error) {
	if s == "*" {
		return 0, nil
	}
	if s == "" || s[0] == '0' || s[0] == '+' {
		return 0, errBadSeqSet
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, errBadSeqSet
	}
	return uint32(n), nil
}

// contains reports whether n is in the set, '*' being largest.
func (set seqSet) contains(n, largest uint32) bool {
	for _, r := range set {
		lo, hi := r.lo, r.hi
		if lo == 0 {
			lo = largest
		}
		if hi == 0 {
			hi = largest
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		if n >= lo && n <= hi {
			return true
		}
	}
	return false
}

// maxFixed is the largest number of the ranges without '*' (0 when none):
// "1:*" stays valid in an empty mailbox, "5" does not.
func (set seqSet) maxFixed() uint32 {
	var m uint32
	for _, r := range set {
		if r.lo != 0 && r.hi != 0 {
			m = max(m, r.lo, r.hi)
		}
	}
	return m
}
