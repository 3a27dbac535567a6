package main

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// witness is the tlog-witness under test, with its two keys.
type witness struct {
	url     string
	ed25519 *cosignerKey
	mldsa   *cosignerKey
	client  *http.Client
}

// response is one add-checkpoint answer.
type response struct {
	status      int
	contentType string
	body        string
}

func playMain(args []string) error {
	fs := flag.NewFlagSet("play", flag.ExitOnError)
	skeyFile := fs.String("skey", "", "file holding the log's signer key (keygen's log.skey)")
	url := fs.String("witness", "", "the witness's submission prefix, e.g. http://127.0.0.1:8080")
	vkeys := fs.String("witness-vkeys", "", "file of the witness's verifier keys (type 0x04 and 0x06)")
	cosigned := fs.String("cosigned", "", "where to write the first cosigned checkpoint")
	fs.Parse(args)
	if *skeyFile == "" || *url == "" || *vkeys == "" || fs.NArg() != 0 {
		usage()
	}
	skey, err := os.ReadFile(*skeyFile)
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return fmt.Errorf("log key: %v", err)
	}
	w, err := newWitness(strings.TrimSuffix(*url, "/"), *vkeys)
	if err != nil {
		return err
	}
	return play(w, signer, *cosigned)
}

func newWitness(url, vkeyFile string) (*witness, error) {
	data, err := os.ReadFile(vkeyFile)
	if err != nil {
		return nil, err
	}
	w := &witness{url: url, client: &http.Client{Timeout: 30 * time.Second}}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, err := parseCosignerKey(line)
		if err != nil {
			return nil, err
		}
		if k.typ == typeCosignatureV1 {
			w.ed25519 = k
		} else {
			w.mldsa = k
		}
	}
	if w.ed25519 == nil || w.mldsa == nil {
		return nil, fmt.Errorf("%s must hold an Ed25519 cosignature key (0x04) and an ML-DSA-44 key (0x06)", vkeyFile)
	}
	if w.ed25519.name != w.mldsa.name {
		return nil, fmt.Errorf("the witness's keys have two names: %s and %s", w.ed25519.name, w.mldsa.name)
	}
	return w, nil
}

// play runs the steps in order; the witness's stored size for the origin goes 0, 5, 8, 13.
func play(w *witness, log note.Signer, cosignedFile string) error {
	origin := log.Name()
	t := newTree("witnesscheck leaf", 13)
	if err := t.checkAgainstTlog(); err != nil {
		return fmt.Errorf("the tree code disagrees with x/mod's tlog: %v", err)
	}
	fork := newTree("witnesscheck forked leaf", 5)
	_, stranger, err := generateSigner(origin + "/unknown")
	if err != nil {
		return err
	}
	_, impostor, err := generateSigner(origin)
	if err != nil {
		return err
	}

	cp5, err := signCheckpoint(origin, 5, t.root(5), log)
	if err != nil {
		return err
	}
	first, err := w.expect("first checkpoint, old 0", 0, nil, cp5, http.StatusOK)
	if err != nil {
		return err
	}
	if err := w.checkCosignatures(cp5, first.body); err != nil {
		return err
	}
	if cosignedFile != "" {
		if err := os.WriteFile(cosignedFile, []byte(string(cp5)+first.body), 0o644); err != nil {
			return err
		}
	}

	cp8, err := signCheckpoint(origin, 8, t.root(8), log)
	if err != nil {
		return err
	}
	stale, err := w.expect("stale old size 0", 0, nil, cp8, http.StatusConflict)
	if err != nil {
		return err
	}
	if stale.contentType != "text/x.tlog.size" || stale.body != "5\n" {
		return fmt.Errorf("stale old size 0: want body \"5\\n\" of type text/x.tlog.size, got %q of type %q", stale.body, stale.contentType)
	}
	cp3, err := signCheckpoint(origin, 3, t.root(3), log)
	if err != nil {
		return err
	}
	if _, err := w.expect("old size 5 above the checkpoint's 3", 5, nil, cp3, http.StatusBadRequest); err != nil {
		return err
	}
	bad := t.consistency(5, 8)
	bad[len(bad)-1][0] ^= 1
	if _, err := w.expect("consistency proof 5 to 8 with a flipped bit", 5, bad, cp8, http.StatusUnprocessableEntity); err != nil {
		return err
	}
	forked, err := signCheckpoint(origin, 5, fork.root(5), log)
	if err != nil {
		return err
	}
	if _, err := w.expect("size 5 with another root", 5, nil, forked, http.StatusUnprocessableEntity); err != nil {
		return err
	}
	unknown, err := signCheckpoint(origin+"/unknown", 5, t.root(5), stranger)
	if err != nil {
		return err
	}
	if _, err := w.expect("unknown origin", 0, nil, unknown, http.StatusNotFound); err != nil {
		return err
	}
	wrongKey, err := signCheckpoint(origin, 8, t.root(8), impostor)
	if err != nil {
		return err
	}
	if _, err := w.expect("signed by another key of the origin's name", 5, t.consistency(5, 8), wrongKey, http.StatusForbidden); err != nil {
		return err
	}

	good, err := w.expect("consistency proof 5 to 8", 5, t.consistency(5, 8), cp8, http.StatusOK)
	if err != nil {
		return err
	}
	if err := w.checkCosignatures(cp8, good.body); err != nil {
		return err
	}
	again, err := w.expect("size 8 again, old 8", 8, nil, cp8, http.StatusOK)
	if err != nil {
		return err
	}
	if err := w.checkCosignatures(cp8, again.body); err != nil {
		return err
	}
	cp13, err := signCheckpoint(origin, 13, t.root(13), log)
	if err != nil {
		return err
	}
	last, err := w.expect("consistency proof 8 to 13", 8, t.consistency(8, 13), cp13, http.StatusOK)
	if err != nil {
		return err
	}
	if err := w.checkCosignatures(cp13, last.body); err != nil {
		return err
	}
	if stale, err := w.expect("stale old size 5", 5, t.consistency(5, 13), cp13, http.StatusConflict); err != nil {
		return err
	} else if stale.body != "13\n" {
		return fmt.Errorf("stale old size 5: want body \"13\\n\", got %q", stale.body)
	}
	fmt.Println("all steps ok")
	return nil
}

func generateSigner(name string) (string, note.Signer, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", nil, err
	}
	s, err := note.NewSigner(skey)
	return vkey, s, err
}

// signCheckpoint is a tlog-checkpoint note: origin, size, base64 root, signed by s.
func signCheckpoint(origin string, size int, root [32]byte, s note.Signer) ([]byte, error) {
	text := fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
	return note.Sign(&note.Note{Text: text}, s)
}

// expect posts an add-checkpoint request and requires status want.
func (w *witness) expect(step string, old int, proof [][32]byte, checkpoint []byte, want int) (response, error) {
	var body strings.Builder
	fmt.Fprintf(&body, "old %d\n", old)
	for _, h := range proof {
		body.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	body.WriteString("\n")
	body.Write(checkpoint)
	r, err := w.client.Post(w.url+"/add-checkpoint", "text/plain; charset=utf-8", strings.NewReader(body.String()))
	if err != nil {
		return response{}, fmt.Errorf("%s: %v", step, err)
	}
	defer r.Body.Close()
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return response{}, fmt.Errorf("%s: reading the answer: %v", step, err)
	}
	got := response{status: r.StatusCode, contentType: r.Header.Get("Content-Type"), body: string(data)}
	if got.status != want {
		return got, fmt.Errorf("%s: want status %d, got %d: %q", step, want, got.status, got.body)
	}
	fmt.Printf("%s: %d ok\n", step, got.status)
	return got, nil
}

// checkCosignatures requires the answer to be exactly two signature lines, one by each witness
// key, and the Ed25519 one to verify over the checkpoint's text.
func (w *witness) checkCosignatures(checkpoint []byte, answer string) error {
	text, _, err := splitNote(checkpoint)
	if err != nil {
		return err
	}
	if !strings.HasSuffix(answer, "\n") {
		return fmt.Errorf("cosignatures %q do not end in a newline", answer)
	}
	var ed, ml int
	for _, line := range strings.Split(strings.TrimSuffix(answer, "\n"), "\n") {
		s, err := parseSignatureLine(line)
		if err != nil {
			return err
		}
		switch {
		case s.name == w.ed25519.name && s.id == w.ed25519.id:
			t, err := w.ed25519.verify(text, s.sig)
			if err != nil {
				return err
			}
			if now := uint64(time.Now().Unix()); t+600 < now || t > now+600 {
				return fmt.Errorf("cosignature time %d is more than 10 minutes from now (%d)", t, now)
			}
			ed++
		case s.name == w.mldsa.name && s.id == w.mldsa.id:
			if _, err := w.mldsa.verify(text, s.sig); err != nil {
				return err
			}
			ml++
		default:
			return fmt.Errorf("cosignature line %q is by neither witness key", line)
		}
	}
	if ed != 1 || ml != 1 {
		return fmt.Errorf("want one cosignature by each witness key, got %d Ed25519 and %d ML-DSA-44 in %q", ed, ml, answer)
	}
	return nil
}
