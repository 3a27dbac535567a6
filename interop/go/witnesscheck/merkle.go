package main

import (
	"crypto/sha256"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// tree is an RFC 6962 Merkle tree over its leaves, computed from scratch on every call: the
// trees here have a few dozen leaves.
type tree struct {
	leaves [][]byte
}

func leafHash(data []byte) [32]byte {
	return sha256.Sum256(append([]byte{0}, data...))
}

func nodeHash(left, right [32]byte) [32]byte {
	return sha256.Sum256(append(append([]byte{1}, left[:]...), right[:]...))
}

// split is the largest power of two smaller than n (n > 1).
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// mth is MTH(D[lo:hi]) of RFC 6962 section 2.1.
func (t tree) mth(lo, hi int) [32]byte {
	switch n := hi - lo; n {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leafHash(t.leaves[lo])
	default:
		k := split(n)
		return nodeHash(t.mth(lo, lo+k), t.mth(lo+k, hi))
	}
}

func (t tree) root(n int) [32]byte {
	return t.mth(0, n)
}

// consistency is PROOF(m, D[n]) of RFC 6962 section 2.1.2, for 0 < m <= n.
func (t tree) consistency(m, n int) [][32]byte {
	return t.subproof(m, 0, n, true)
}

// subproof is SUBPROOF(m, D[lo:hi], b).
func (t tree) subproof(m, lo, hi int, b bool) [][32]byte {
	n := hi - lo
	if m == n {
		if b {
			return nil
		}
		return [][32]byte{t.mth(lo, hi)}
	}
	k := split(n)
	if m <= k {
		return append(t.subproof(m, lo, lo+k, b), t.mth(lo+k, hi))
	}
	return append(t.subproof(m-k, lo+k, hi, false), t.mth(lo, lo+k))
}

// checkAgainstTlog checks this tree's roots and consistency proofs for every size up to its
// number of leaves against golang.org/x/mod/sumdb/tlog.
func (t tree) checkAgainstTlog() error {
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, leaf := range t.leaves {
		hashes, err := tlog.StoredHashes(int64(i), leaf, reader)
		if err != nil {
			return err
		}
		stored = append(stored, hashes...)
	}
	for n := 1; n <= len(t.leaves); n++ {
		want, err := tlog.TreeHash(int64(n), reader)
		if err != nil {
			return err
		}
		if tlog.Hash(t.root(n)) != want {
			return fmt.Errorf("root of %d leaves: mine %x, tlog's %x", n, t.root(n), want)
		}
		for m := 1; m <= n; m++ {
			var proof tlog.TreeProof
			for _, h := range t.consistency(m, n) {
				proof = append(proof, tlog.Hash(h))
			}
			if err := tlog.CheckTree(proof, int64(n), want, int64(m), tlog.Hash(t.root(m))); err != nil {
				return fmt.Errorf("consistency proof %d to %d: %v", m, n, err)
			}
		}
	}
	return nil
}

func newTree(prefix string, n int) tree {
	var t tree
	for i := 0; i < n; i++ {
		t.leaves = append(t.leaves, []byte(fmt.Sprintf("%s %d", prefix, i)))
	}
	return t
}

func selfTest() error {
	return newTree("selftest leaf", 40).checkAgainstTlog()
}
