// Command golog builds a transparency log with golang.org/x/mod/sumdb/tlog and signs its
// checkpoint with golang.org/x/mod/sumdb/note, for Cairn to check: an implementation written
// independently of Cairn.
//
// Usage:
//
//	golog -n <records> -out <dir> [-name <key name>] [-seed <text>]
//
// The key comes from note.GenerateKey reading a deterministic stream (SHA-256 of the seed and a
// counter), so every run with the same flags prints the same output; it is a test key and only
// that. Record i is (i mod 37) letters "g", then " record ", then i in decimal.
//
// golog writes <dir>/checkpoint (the signed checkpoint note, origin = key name), every tile that
// tlog.NewTiles(8, 0, n) names, at its C2SP path <dir>/tile/<L>/<N>[.p/<W>], and the entry
// bundles <dir>/tile/entries/<N>[.p/<W>] (big-endian uint16 length, then the record). On
// standard output it prints, one item per line:
//
//	skey <signer key>
//	vkey <verifier key>
//	text <base64 of the signed note text>
//	size <n>
//	root <base64 root>
//	inclusion <index> <base64 record hash> <base64 proof hash>...
//	consistency <old size> <base64 old root> <base64 proof hash>...
//
// The proofs come from tlog.ProveRecord and tlog.ProveTree for a fixed sample of indices and old
// sizes plus a few drawn from the deterministic stream.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

func main() {
	n := flag.Int64("n", 0, "number of records (at least 1)")
	out := flag.String("out", "", "directory to write the checkpoint, tiles and bundles into")
	name := flag.String("name", "go.example/interop", "key name and checkpoint origin")
	seed := flag.String("seed", "cairn interop", "seed of the deterministic key stream")
	flag.Parse()
	if *n < 1 || *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: golog -n <records> -out <dir> [-name <key name>] [-seed <text>]")
		os.Exit(2)
	}
	if err := run(*n, *out, *name, &stream{seed: []byte(*seed)}); err != nil {
		fmt.Fprintf(os.Stderr, "golog: %v\n", err)
		os.Exit(1)
	}
}

func run(n int64, out, name string, rand *stream) error {
	skey, vkey, err := note.GenerateKey(rand, name)
	if err != nil {
		return fmt.Errorf("couldn't generate key: %v", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return fmt.Errorf("couldn't load key: %v", err)
	}

	var stored []tlog.Hash
	hashes := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		h := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("no stored hash %d", x)
			}
			h[i] = stored[x]
		}
		return h, nil
	})
	var bundle []byte
	for i := int64(0); i < n; i++ {
		r := record(i)
		h, err := tlog.StoredHashes(i, r, hashes)
		if err != nil {
			return fmt.Errorf("couldn't store record %d: %v", i, err)
		}
		stored = append(stored, h...)
		bundle = binary.BigEndian.AppendUint16(bundle, uint16(len(r)))
		bundle = append(bundle, r...)
		if i%256 == 255 || i == n-1 {
			t := tlog.Tile{H: tileHeight, L: -1, N: i / 256, W: int(i%256) + 1}
			if err := write(out, c2spPath(t), bundle); err != nil {
				return err
			}
			bundle = nil
		}
	}
	root, err := tlog.TreeHash(n, hashes)
	if err != nil {
		return fmt.Errorf("couldn't hash the tree: %v", err)
	}
	for _, t := range tlog.NewTiles(tileHeight, 0, n) {
		data, err := tlog.ReadTileData(t, hashes)
		if err != nil {
			return fmt.Errorf("couldn't make tile %s: %v", t.Path(), err)
		}
		if err := write(out, c2spPath(t), data); err != nil {
			return err
		}
	}

	text := fmt.Sprintf("%s\n%d\n%s\n", name, n, root)
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	if err != nil {
		return fmt.Errorf("couldn't sign: %v", err)
	}
	if err := write(out, "checkpoint", msg); err != nil {
		return err
	}

	fmt.Printf("skey %s\n", skey)
	fmt.Printf("vkey %s\n", vkey)
	fmt.Printf("text %s\n", base64.StdEncoding.EncodeToString([]byte(text)))
	fmt.Printf("size %d\n", n)
	fmt.Printf("root %s\n", root)
	for _, i := range sample(n, []int64{0, 1, 2, 255, 256, 257, 65535, 65536, n / 3, n / 2, n - 2, n - 1}, rand, 0) {
		p, err := tlog.ProveRecord(n, i, hashes)
		if err != nil {
			return fmt.Errorf("couldn't prove record %d: %v", i, err)
		}
		fmt.Printf("inclusion %d %s%s\n", i, tlog.RecordHash(record(i)), join(p))
	}
	for _, m := range sample(n+1, []int64{1, 2, 3, 255, 256, 257, 65536, n / 2, n - 1, n}, rand, 1) {
		p, err := tlog.ProveTree(n, m, hashes)
		if err != nil {
			return fmt.Errorf("couldn't prove tree %d: %v", m, err)
		}
		old, err := tlog.TreeHash(m, hashes)
		if err != nil {
			return fmt.Errorf("couldn't hash tree %d: %v", m, err)
		}
		fmt.Printf("consistency %d %s%s\n", m, old, join(p))
	}
	return nil
}

func record(i int64) []byte {
	return []byte(fmt.Sprintf("%s record %d", strings.Repeat("g", int(i%37)), i))
}

// sample is the fixed values in [min, limit) plus five drawn from rand, sorted, without repeats.
func sample(limit int64, fixed []int64, rand *stream, min int64) []int64 {
	set := map[int64]bool{}
	for _, v := range fixed {
		if v >= min && v < limit {
			set[v] = true
		}
	}
	for k := 0; k < 5 && limit > min; k++ {
		var b [8]byte
		rand.Read(b[:])
		set[min+int64(binary.BigEndian.Uint64(b[:])>>1)%(limit-min)] = true
	}
	out := make([]int64, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func join(hashes []tlog.Hash) string {
	var b strings.Builder
	for _, h := range hashes {
		b.WriteString(" ")
		b.WriteString(h.String())
	}
	return b.String()
}

// c2spPath maps a sumdb tile of height 8 to its C2SP tlog-tiles path: sumdb's tile/8/<L>/...
// and tile/8/data/... become tile/<L>/... and tile/entries/....
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if t.L == -1 {
		return "tile/entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

func write(dir, path string, data []byte) error {
	file := filepath.Join(dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, data, 0o644)
}

// stream is a deterministic io.Reader: SHA-256(seed || big-endian counter) blocks, for
// reproducible test keys and samples.
type stream struct {
	seed    []byte
	counter uint64
	buf     []byte
}

func (s *stream) Read(p []byte) (int, error) {
	for n := 0; n < len(p); {
		if len(s.buf) == 0 {
			block := sha256.Sum256(binary.BigEndian.AppendUint64(append([]byte(nil), s.seed...), s.counter))
			s.counter++
			s.buf = block[:]
		}
		c := copy(p[n:], s.buf)
		s.buf = s.buf[c:]
		n += c
	}
	return len(p), nil
}
