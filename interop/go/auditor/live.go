package main

// The checks that tie the audited checkpoint to the log's past (-previous) and to a live
// server's proof endpoints (-api).

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// fileList is a repeatable flag of paths.
type fileList []string

func (l *fileList) String() string { return strings.Join(*l, ",") }

func (l *fileList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// previousCheckpoint is an earlier checkpoint, opened with the log's key.
type previousCheckpoint struct {
	file string
	tree tlog.Tree
}

// checkLive checks every -previous checkpoint against the audited tree and, with -api, the
// server's consistency and inclusion proofs. hashes reads the audited tree's authenticated
// hashes; it is nil for the empty tree.
func checkLive(src source, verifier note.Verifier, tree tlog.Tree, hashes tlog.HashReader, opts options) error {
	previous, err := loadPrevious(opts.previous, verifier, opts.origin)
	if err != nil {
		return err
	}
	consistency := 0
	for _, p := range previous {
		if err := checkPrevious(tree, hashes, p); err != nil {
			return err
		}
		if opts.api && p.tree.N > 0 {
			if err := checkServerConsistency(src, tree, p); err != nil {
				return err
			}
			consistency++
		}
	}
	if len(opts.previous) > 0 {
		fmt.Printf("previous %d consistent ok\n", len(previous))
	}
	if !opts.api {
		return nil
	}
	inclusion := 0
	for _, i := range sampleIndexes(tree.N, opts.samples) {
		if err := checkServerInclusion(src, verifier, opts.origin, tree, i); err != nil {
			return fmt.Errorf("server's inclusion proof of entry %d in size %d: %v", i, tree.N, err)
		}
		inclusion++
	}
	fmt.Printf("server proofs inclusion=%d consistency=%d ok\n", inclusion, consistency)
	return nil
}

// loadPrevious opens the checkpoint notes in paths: files, or directories whose every regular
// file is a note. They are returned in file name order.
func loadPrevious(paths []string, verifier note.Verifier, origin string) ([]previousCheckpoint, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("previous checkpoint: %v", err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("previous checkpoints: %v", err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
	}
	sort.Strings(files)
	out := make([]previousCheckpoint, 0, len(files))
	for _, f := range files {
		msg, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("previous checkpoint: %v", err)
		}
		_, tree, err := openCheckpoint(msg, verifier, origin, "previous checkpoint "+f)
		if err != nil {
			return nil, err
		}
		out = append(out, previousCheckpoint{file: f, tree: tree})
	}
	return out, nil
}

// checkPrevious checks that p is a prefix of the audited tree with a consistency proof built
// here, from the authenticated tiles, rather than taken from the log.
func checkPrevious(tree tlog.Tree, hashes tlog.HashReader, p previousCheckpoint) error {
	if p.tree.N > tree.N {
		return fmt.Errorf("previous checkpoint %s has size %d, beyond the audited size %d: the log rolled back",
			p.file, p.tree.N, tree.N)
	}
	if p.tree.N == 0 {
		if p.tree.Hash != emptyRoot {
			return fmt.Errorf("previous checkpoint %s is empty but has root %s", p.file, p.tree.Hash)
		}
		return nil
	}
	proof, err := tlog.ProveTree(tree.N, p.tree.N, hashes)
	if err != nil {
		return fmt.Errorf("couldn't build a consistency proof from size %d out of the tiles: %v", p.tree.N, err)
	}
	if err := tlog.CheckTree(proof, tree.N, tree.Hash, p.tree.N, p.tree.Hash); err != nil {
		return fmt.Errorf("previous checkpoint %s (size %d, root %s) is not consistent with the audited one (size %d, root %s): %v",
			p.file, p.tree.N, p.tree.Hash, tree.N, tree.Hash, err)
	}
	return nil
}

// checkServerConsistency checks the server's answer to proof/consistency from p to the tree.
func checkServerConsistency(src source, tree tlog.Tree, p previousCheckpoint) error {
	path := fmt.Sprintf("proof/consistency?old=%d&new=%d", p.tree.N, tree.N)
	data, err := src.fetch(path)
	if err != nil {
		return fmt.Errorf("server's consistency proof: %v", err)
	}
	proof, err := parseHashLines(string(data))
	if err != nil {
		return fmt.Errorf("server's answer to %s: %v", path, err)
	}
	if err := tlog.CheckTree(proof, tree.N, tree.Hash, p.tree.N, p.tree.Hash); err != nil {
		return fmt.Errorf("server's answer to %s does not prove %s (root %s) consistent with root %s: %v",
			path, p.file, p.tree.Hash, tree.Hash, err)
	}
	return nil
}

// checkServerInclusion fetches the server's tlog-proof of entry i in the audited tree, opens the
// checkpoint it carries, requires that to be the audited tree, and checks the inclusion proof
// against the hash of the entry in its bundle.
func checkServerInclusion(src source, verifier note.Verifier, origin string, tree tlog.Tree, i int64) error {
	data, err := src.fetch(fmt.Sprintf("proof/inclusion?index=%d&size=%d", i, tree.N))
	if err != nil {
		return err
	}
	index, proof, msg, err := parseTlogProof(string(data))
	if err != nil {
		return err
	}
	if index != i {
		return fmt.Errorf("the proof is for index %d", index)
	}
	_, proven, err := openCheckpoint([]byte(msg), verifier, origin, "the proof's checkpoint")
	if err != nil {
		return err
	}
	if proven != tree {
		return fmt.Errorf("the proof's checkpoint is size %d root %s, not the audited tree", proven.N, proven.Hash)
	}
	leaf, err := recordHash(src, tree, i)
	if err != nil {
		return err
	}
	return tlog.CheckRecord(proof, tree.N, tree.Hash, i, leaf)
}

// parseTlogProof parses a C2SP tlog-proof: the header line, an optional "extra" line, "index
// <n>", one base64 hash per line, a blank line, and the checkpoint note.
func parseTlogProof(text string) (int64, tlog.RecordProof, string, error) {
	const header = "c2sp.org/tlog-proof@v1"
	head, msg, found := strings.Cut(text, "\n\n")
	if !found {
		return 0, nil, "", fmt.Errorf("tlog-proof has no blank line before its checkpoint")
	}
	lines := strings.Split(head, "\n")
	if lines[0] != header {
		return 0, nil, "", fmt.Errorf("tlog-proof does not start with %q", header)
	}
	lines = lines[1:]
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return 0, nil, "", fmt.Errorf("tlog-proof lacks its index line")
	}
	index, err := parseCount(strings.TrimPrefix(lines[0], "index "))
	if err != nil {
		return 0, nil, "", fmt.Errorf("tlog-proof index: %v", err)
	}
	proof, err := parseHashes(lines[1:])
	if err != nil {
		return 0, nil, "", fmt.Errorf("tlog-proof: %v", err)
	}
	return index, proof, msg, nil
}

// parseHashLines parses one canonical base64 hash per newline-terminated line.
func parseHashLines(text string) ([]tlog.Hash, error) {
	if text == "" {
		return nil, nil
	}
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("the last line has no newline")
	}
	return parseHashes(strings.Split(strings.TrimSuffix(text, "\n"), "\n"))
}

// sampleIndexes spreads k indexes over [0, n), first and last included.
func sampleIndexes(n int64, k int) []int64 {
	if n <= int64(k) {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i)
		}
		return out
	}
	if k == 1 {
		return []int64{n - 1}
	}
	out := make([]int64, k)
	for i := range out {
		out[i] = int64(i) * (n - 1) / int64(k-1)
	}
	return out
}
