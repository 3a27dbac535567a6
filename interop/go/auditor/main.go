// Command auditor checks a C2SP tiled transparency log with golang.org/x/mod/sumdb/tlog and
// golang.org/x/mod/sumdb/note: an implementation written independently of Cairn.
//
// Usage:
//
//	auditor -vkey <verifier key> [-origin <origin>] [-proofs <file>] [-previous <file or dir>]...
//	        [-api [-samples <n>]] <directory or http(s) URL>
//
// The log is read from <log>/checkpoint, <log>/tile/<L>/<N>[.p/<W>] and
// <log>/tile/entries/<N>[.p/<W>]. The auditor opens the checkpoint note with the Ed25519 or ECDSA
// P-256 (signed-note type 0x02, ecdsa.go)
// verifier key, ignoring signatures by other keys (including types sumdb/note does not know),
// parses the checkpoint body (origin, size, base64 root) and requires the origin to be -origin,
// by default the key name. It recomputes the root from the hash tiles through
// tlog.TileHashReader and checks every full tile against its parent (see checkFullTiles for why
// TileHashReader's own check is not enough), so that every tile is authenticated. It decodes
// every entry bundle at the width the tree size implies (big-endian uint16 length prefixes,
// nothing left over) and compares each entry's tlog.RecordHash with the authenticated level-0
// hash. Finally it checks the proofs listed in the -proofs file, one per line:
//
//	inclusion <index> <base64 hash>...
//	consistency <old size> <base64 old root> <base64 hash>...
//
// Inclusion proofs are checked with tlog.CheckRecord against the hash of the entry in its
// bundle; consistency proofs with tlog.CheckTree, after recomputing the old root from the tiles.
//
// With -previous (repeatable; a file, or a directory whose every file is one) it checks that
// earlier checkpoint notes of the log are consistent with the audited one: each must open with
// the key and have the origin, be no larger, and pass tlog.CheckTree with a proof the auditor
// builds itself with tlog.ProveTree over the authenticated tiles (see live.go).
//
// With -api the log is a live server that also answers GET proof/inclusion?index=I&size=N
// (a C2SP tlog-proof) and GET proof/consistency?old=M&new=N (one base64 hash per line), and
// the auditor checks those answers too: the server's consistency proof from every -previous
// checkpoint with tlog.CheckTree, and inclusion proofs of -samples entries spread over the log
// with tlog.CheckRecord, after opening the checkpoint each tlog-proof carries and requiring it
// to be the audited tree.
//
// Tiles and bundles are read at exactly the width the checkpoint's tree size implies.
//
// It prints what it checked on standard output. Exit status: 0 if every check passes, 1 if the
// log fails one (with "auditor: FAIL: <reason>" on standard error), 2 for bad usage.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is the only tile height C2SP tlog-tiles uses.
const tileHeight = 8

// maxFetch caps what is read for one path: a full bundle of maximal entries.
const maxFetch = 256 * (2 + 65535)

// options are the checks asked for beyond the log itself.
type options struct {
	origin   string
	proofs   string
	previous []string
	api      bool
	samples  int
}

func main() {
	var opts options
	vkey := flag.String("vkey", "", "Ed25519 or ECDSA P-256 verifier key of the log (name+hash+base64)")
	flag.StringVar(&opts.origin, "origin", "", "expected checkpoint origin (default: the key name)")
	flag.StringVar(&opts.proofs, "proofs", "", "file of inclusion and consistency proofs to check")
	flag.Var((*fileList)(&opts.previous), "previous",
		"earlier checkpoint note (file, or directory of them) that must be consistent; repeatable")
	flag.BoolVar(&opts.api, "api", false,
		"the log is an http(s) server with proof/inclusion and proof/consistency: check their answers")
	flag.IntVar(&opts.samples, "samples", 16, "with -api: how many entries' inclusion proofs to fetch")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: auditor -vkey <key> [-origin <origin>] [-proofs <file>]"+
			" [-previous <file or dir>]... [-api [-samples <n>]] <dir or URL>")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *vkey == "" || flag.NArg() != 1 || opts.samples < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if opts.api && !isURL(flag.Arg(0)) {
		fmt.Fprintln(os.Stderr, "auditor: -api needs an http(s) URL")
		os.Exit(2)
	}
	verifier, err := newVerifier(*vkey)
	if err != nil {
		fmt.Fprintf(os.Stderr, "auditor: bad -vkey: %v\n", err)
		os.Exit(2)
	}
	if opts.origin == "" {
		opts.origin = verifier.Name()
	}
	if err := audit(openSource(flag.Arg(0)), verifier, opts); err != nil {
		fmt.Fprintf(os.Stderr, "auditor: FAIL: %v\n", err)
		os.Exit(1)
	}
}

func audit(src source, verifier note.Verifier, opts options) error {
	msg, err := src.fetch("checkpoint")
	if err != nil {
		return fmt.Errorf("couldn't fetch checkpoint: %v", err)
	}
	n, tree, err := openCheckpoint(msg, verifier, opts.origin, "checkpoint")
	if err != nil {
		return err
	}
	fmt.Printf("checkpoint %s %d %s\n", opts.origin, tree.N, tree.Hash)
	fmt.Printf("signatures verified=%d unknown=%d\n", len(n.Sigs), len(n.UnverifiedSigs))

	if tree.N == 0 {
		// RFC 9162 defines the empty tree's hash; sumdb/tlog uses all zeros instead.
		if tree.Hash != emptyRoot {
			return fmt.Errorf("empty tree has root %s, expected SHA-256 of nothing", tree.Hash)
		}
		fmt.Println("tree hash ok")
		fmt.Println("tiles ok")
		fmt.Println("bundles 0 entries 0 ok")
		if err := checkProofs(opts.proofs, src, tree, nil); err != nil {
			return err
		}
		return checkLive(src, verifier, tree, nil, opts)
	}

	tiles := &tileReader{src: src, cache: map[tlog.Tile][]byte{}}
	hashes := tlog.TileHashReader(tree, tiles)
	root, err := tlog.TreeHash(tree.N, hashes)
	if err != nil {
		return fmt.Errorf("couldn't recompute the tree hash from the tiles: %v", err)
	}
	if root != tree.Hash {
		return fmt.Errorf("tiles lead to root %s, checkpoint says %s", root, tree.Hash)
	}
	fmt.Println("tree hash ok")
	if err := checkFullTiles(tiles, tree); err != nil {
		return err
	}
	fmt.Println("tiles ok")

	bundles := (tree.N + 255) / 256
	for b := int64(0); b < bundles; b++ {
		if err := checkBundle(src, tree, hashes, b); err != nil {
			return err
		}
	}
	fmt.Printf("bundles %d entries %d ok\n", bundles, tree.N)
	if err := checkProofs(opts.proofs, src, tree, hashes); err != nil {
		return err
	}
	return checkLive(src, verifier, tree, hashes, opts)
}

// emptyRoot is the RFC 9162 root of the empty tree.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// openCheckpoint opens a checkpoint note with the log's key and parses its body, which must
// name origin; what names the note in errors.
func openCheckpoint(msg []byte, verifier note.Verifier, origin, what string) (*note.Note, tlog.Tree, error) {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return nil, tlog.Tree{}, fmt.Errorf("couldn't open %s note: %v", what, err)
	}
	gotOrigin, tree, err := parseCheckpoint(n.Text)
	if err != nil {
		return nil, tlog.Tree{}, fmt.Errorf("%s: %v", what, err)
	}
	if gotOrigin != origin {
		return nil, tlog.Tree{}, fmt.Errorf("%s origin is %q, expected %q", what, gotOrigin, origin)
	}
	return n, tree, nil
}

// checkFullTiles checks every full hash tile of the tree against the hash its parent tile holds
// for it, parents first. Computing the tree hash through tlog.TileHashReader has already checked
// the tiles that hold the tree's subtree hashes, which include every partial tile, so afterwards
// every tile of the tree is authenticated.
//
// tlog.TileHashReader is meant to check the full tiles it reads against their parents, but its
// loop starts at len(stx), the number of subtree hashes of the tree, instead of at the number of
// distinct tiles holding them. When several of those hashes share a tile, the first tiles added
// below them are returned unchecked: at tree size 70,000 (6 subtree hashes in 3 tiles) a
// corrupted tile/0/000 or tile/1/000 is served as authenticated.
func checkFullTiles(r *tileReader, tree tlog.Tree) error {
	top := 0
	for tree.N>>(8*(top+1)) > 0 {
		top++
	}
	for level := top - 1; level >= 0; level-- {
		for n := int64(0); n < tree.N>>(8*level)>>8; n++ {
			t := hashTile(tree, level, n)
			parent := hashTile(tree, level+1, n/256)
			data, err := r.read(t)
			if err != nil {
				return err
			}
			above, err := r.read(parent)
			if err != nil {
				return err
			}
			var want tlog.Hash
			copy(want[:], above[(n%256)*tlog.HashSize:])
			if got := subtreeHash(data); got != want {
				return fmt.Errorf("tile %s hashes to %s, its parent %s says %s", c2spPath(t), got, c2spPath(parent), want)
			}
		}
	}
	return nil
}

// hashTile is tile n of tile level L at the width the tree implies.
func hashTile(tree tlog.Tree, level int, n int64) tlog.Tile {
	w := tree.N>>(8*level) - n*256
	if w > 256 {
		w = 256
	}
	return tlog.Tile{H: tileHeight, L: level, N: n, W: int(w)}
}

// subtreeHash is the hash of the perfect subtree whose leaves are the 2^k hashes in data.
func subtreeHash(data []byte) tlog.Hash {
	level := make([]tlog.Hash, len(data)/tlog.HashSize)
	for i := range level {
		copy(level[i][:], data[i*tlog.HashSize:])
	}
	for len(level) > 1 {
		for i := 0; i < len(level)/2; i++ {
			level[i] = tlog.NodeHash(level[2*i], level[2*i+1])
		}
		level = level[:len(level)/2]
	}
	return level[0]
}

// parseCheckpoint parses a C2SP checkpoint body: origin, size and root lines, then optional
// extension lines, each ending in a newline. tlog.ParseTree only knows the sumdb header.
func parseCheckpoint(text string) (string, tlog.Tree, error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return "", tlog.Tree{}, fmt.Errorf("needs origin, size and root lines")
	}
	origin := lines[0]
	if origin == "" {
		return "", tlog.Tree{}, fmt.Errorf("origin is empty")
	}
	size, err := parseCount(lines[1])
	if err != nil {
		return "", tlog.Tree{}, fmt.Errorf("size: %v", err)
	}
	root, err := parseHash(lines[2])
	if err != nil {
		return "", tlog.Tree{}, fmt.Errorf("root: %v", err)
	}
	return origin, tlog.Tree{N: size, Hash: root}, nil
}

// parseCount accepts a canonical non-negative decimal.
func parseCount(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != s {
		return 0, fmt.Errorf("%q is not a canonical non-negative decimal", s)
	}
	return n, nil
}

// parseHash accepts only padded standard base64 of exactly 32 bytes, in its canonical form.
func parseHash(s string) (tlog.Hash, error) {
	h, err := tlog.ParseHash(s)
	if err != nil || base64.StdEncoding.EncodeToString(h[:]) != s {
		return tlog.Hash{}, fmt.Errorf("%q is not canonical base64 of 32 bytes", s)
	}
	return h, nil
}

// checkBundle compares every entry of bundle b with its authenticated leaf hash.
func checkBundle(src source, tree tlog.Tree, hashes tlog.HashReader, b int64) error {
	t := bundleTile(tree, b)
	path := c2spPath(t)
	data, err := src.fetch(path)
	if err != nil {
		return fmt.Errorf("bundle %s: %v", path, err)
	}
	entries, err := splitBundle(data, t.W)
	if err != nil {
		return fmt.Errorf("bundle %s: %v", path, err)
	}
	first := b * 256
	indexes := make([]int64, len(entries))
	for i := range entries {
		indexes[i] = tlog.StoredHashIndex(0, first+int64(i))
	}
	leaves, err := hashes.ReadHashes(indexes)
	if err != nil {
		return fmt.Errorf("bundle %s: couldn't read its leaf hashes from the tiles: %v", path, err)
	}
	for i, e := range entries {
		if got := tlog.RecordHash(e); got != leaves[i] {
			return fmt.Errorf("bundle %s: entry %d hashes to %s, the tiles say %s", path, first+int64(i), got, leaves[i])
		}
	}
	return nil
}

// bundleTile is bundle b at the width the tree implies.
func bundleTile(tree tlog.Tree, b int64) tlog.Tile {
	w := tree.N - b*256
	if w > 256 {
		w = 256
	}
	return tlog.Tile{H: tileHeight, L: -1, N: b, W: int(w)}
}

// splitBundle decodes exactly want entries, each a big-endian uint16 length and that many bytes.
func splitBundle(data []byte, want int) ([][]byte, error) {
	var entries [][]byte
	for len(data) > 0 {
		if len(entries) == want {
			return nil, fmt.Errorf("%d bytes left after %d entries", len(data), want)
		}
		if len(data) < 2 {
			return nil, fmt.Errorf("entry %d is cut off in its length", len(entries))
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data)-2 < n {
			return nil, fmt.Errorf("entry %d claims %d bytes, %d remain", len(entries), n, len(data)-2)
		}
		entries = append(entries, data[2:2+n])
		data = data[2+n:]
	}
	if len(entries) != want {
		return nil, fmt.Errorf("holds %d entries, expected %d", len(entries), want)
	}
	return entries, nil
}

// recordHash is the hash of entry i, read from its bundle (not from the tiles).
func recordHash(src source, tree tlog.Tree, i int64) (tlog.Hash, error) {
	t := bundleTile(tree, i/256)
	data, err := src.fetch(c2spPath(t))
	if err != nil {
		return tlog.Hash{}, err
	}
	entries, err := splitBundle(data, t.W)
	if err != nil {
		return tlog.Hash{}, err
	}
	return tlog.RecordHash(entries[i%256]), nil
}

func checkProofs(file string, src source, tree tlog.Tree, hashes tlog.HashReader) error {
	if file == "" {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("couldn't open proofs: %v", err)
	}
	defer f.Close()
	inclusion, consistency := 0, 0
	scanner := bufio.NewScanner(f)
	scanner.Buffer(nil, 1<<20)
	for line := 1; scanner.Scan(); line++ {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 2 {
			return fmt.Errorf("proofs line %d: too few fields", line)
		}
		n, err := parseCount(fields[1])
		if err != nil {
			return fmt.Errorf("proofs line %d: %v", line, err)
		}
		switch fields[0] {
		case "inclusion":
			if err := checkInclusion(src, tree, n, fields[2:]); err != nil {
				return fmt.Errorf("proofs line %d: inclusion proof of entry %d: %v", line, n, err)
			}
			inclusion++
		case "consistency":
			if len(fields) < 3 {
				return fmt.Errorf("proofs line %d: no old root", line)
			}
			if err := checkConsistency(tree, hashes, n, fields[2], fields[3:]); err != nil {
				return fmt.Errorf("proofs line %d: consistency proof from size %d: %v", line, n, err)
			}
			consistency++
		default:
			return fmt.Errorf("proofs line %d: unknown kind %q", line, fields[0])
		}
	}
	if err := scanner.Err(); err != nil {
		return fmt.Errorf("couldn't read proofs: %v", err)
	}
	fmt.Printf("proofs inclusion=%d consistency=%d ok\n", inclusion, consistency)
	return nil
}

func checkInclusion(src source, tree tlog.Tree, index int64, proof []string) error {
	if index >= tree.N {
		return fmt.Errorf("index is not below the tree size %d", tree.N)
	}
	p, err := parseHashes(proof)
	if err != nil {
		return err
	}
	leaf, err := recordHash(src, tree, index)
	if err != nil {
		return err
	}
	return tlog.CheckRecord(tlog.RecordProof(p), tree.N, tree.Hash, index, leaf)
}

func checkConsistency(tree tlog.Tree, hashes tlog.HashReader, old int64, oldRoot string, proof []string) error {
	if old < 1 || old > tree.N {
		return fmt.Errorf("old size is not in [1, %d]", tree.N)
	}
	claimed, err := parseHash(oldRoot)
	if err != nil {
		return err
	}
	recomputed, err := tlog.TreeHash(old, hashes)
	if err != nil {
		return fmt.Errorf("couldn't recompute the old root from the tiles: %v", err)
	}
	if recomputed != claimed {
		return fmt.Errorf("old root is %s, the tiles say %s", claimed, recomputed)
	}
	p, err := parseHashes(proof)
	if err != nil {
		return err
	}
	return tlog.CheckTree(tlog.TreeProof(p), tree.N, tree.Hash, old, claimed)
}

func parseHashes(fields []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(fields))
	for i, s := range fields {
		h, err := parseHash(s)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %v", i, err)
		}
		out[i] = h
	}
	return out, nil
}

// c2spPath maps a sumdb tile of height 8 to its C2SP tlog-tiles path. sumdb writes
// tile/8/<L>/<N>[.p/<W>] and tile/8/data/<N>[.p/<W>]; C2SP leaves out the height and names the
// data level "entries". The index and width encoding is the same.
func c2spPath(t tlog.Tile) string {
	if t.H != tileHeight {
		panic(fmt.Sprintf("tile height %d is not %d", t.H, tileHeight))
	}
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if t.L == -1 {
		return "tile/entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

// tileReader serves hash tiles to tlog.TileHashReader, which authenticates them; it keeps what
// it read, since the hash reader asks again for the same upper tiles on every call.
type tileReader struct {
	src   source
	cache map[tlog.Tile][]byte
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := r.read(t)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r *tileReader) read(t tlog.Tile) ([]byte, error) {
	if data, ok := r.cache[t]; ok {
		return data, nil
	}
	path := c2spPath(t)
	data, err := r.src.fetch(path)
	if err != nil {
		return nil, fmt.Errorf("tile %s: %v", path, err)
	}
	if len(data) != t.W*tlog.HashSize {
		return nil, fmt.Errorf("tile %s has %d bytes, expected %d", path, len(data), t.W*tlog.HashSize)
	}
	r.cache[t] = data
	return data, nil
}

func (r *tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

// A source fetches the log's resources by their path below the log's prefix.
type source interface {
	fetch(path string) ([]byte, error)
}

func isURL(location string) bool {
	return strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://")
}

func openSource(location string) source {
	if isURL(location) {
		return httpSource{base: strings.TrimSuffix(location, "/"), client: &http.Client{Timeout: 30 * time.Second}}
	}
	return dirSource(location)
}

type dirSource string

func (d dirSource) fetch(path string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(string(d), filepath.FromSlash(path)))
	if len(data) > maxFetch {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxFetch)
	}
	return data, err
}

type httpSource struct {
	base   string
	client *http.Client
}

func (h httpSource) fetch(path string) ([]byte, error) {
	resp, err := h.client.Get(h.base + "/" + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFetch {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", path, maxFetch)
	}
	return data, nil
}
