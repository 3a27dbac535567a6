package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

const (
	typeCosignatureV1 = 0x04
	typeMLDSA44       = 0x06
	mldsa44SigSize    = 2420
)

// cosignerKey is a decoded verifier key name+hex(key ID)+base64(type || public key).
type cosignerKey struct {
	name string
	id   uint32
	typ  byte
	pub  []byte
	vkey string
}

// parseCosignerKey decodes a verifier key of type 0x04 (32-byte Ed25519) or 0x06 (1,312-byte
// ML-DSA-44) and checks its key ID.
func parseCosignerKey(vkey string) (*cosignerKey, error) {
	parts := strings.SplitN(strings.TrimSpace(vkey), "+", 3)
	if len(parts) != 3 || parts[0] == "" || len(parts[1]) != 8 {
		return nil, fmt.Errorf("verifier key %q is not name+hex key id+base64 key", vkey)
	}
	id, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil {
		return nil, fmt.Errorf("verifier key %q: key id is not hex", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < 1 {
		return nil, fmt.Errorf("verifier key %q: key material is not base64", vkey)
	}
	k := &cosignerKey{name: parts[0], id: uint32(id), typ: raw[0], pub: raw[1:], vkey: vkey}
	switch {
	case k.typ == typeCosignatureV1 && len(k.pub) == ed25519.PublicKeySize:
	case k.typ == typeMLDSA44 && len(k.pub) == 1312:
	default:
		return nil, fmt.Errorf("verifier key %q: type 0x%02x with %d key bytes is neither an Ed25519 cosignature key (0x04, 32 bytes) nor an ML-DSA-44 one (0x06, 1312 bytes)", vkey, k.typ, len(k.pub))
	}
	if want := keyID(k.name, raw); want != k.id {
		return nil, fmt.Errorf("verifier key %q: key id %08x, but the key's is %08x", vkey, k.id, want)
	}
	return k, nil
}

// keyID is the first four bytes of SHA-256(name || "\n" || type || public key), big-endian.
func keyID(name string, typeAndKey []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n'})
	h.Write(typeAndKey)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// signature is one parsed signature line.
type signature struct {
	name string
	id   uint32
	sig  []byte
}

// splitNote splits a signed note into its text (ending in a newline) and signature lines, as
// c2sp.org/signed-note lays them out: the text, a blank line, then "— <name> <base64>\n" lines.
func splitNote(msg []byte) (string, []signature, error) {
	i := bytes.LastIndex(msg, []byte("\n\n"))
	if i < 0 {
		return "", nil, errors.New("note has no blank line before its signatures")
	}
	text, rest := string(msg[:i+1]), string(msg[i+2:])
	if !strings.HasSuffix(rest, "\n") {
		return "", nil, errors.New("note does not end in a newline")
	}
	var sigs []signature
	for _, line := range strings.Split(strings.TrimSuffix(rest, "\n"), "\n") {
		s, err := parseSignatureLine(line)
		if err != nil {
			return "", nil, err
		}
		sigs = append(sigs, s)
	}
	return text, sigs, nil
}

func parseSignatureLine(line string) (signature, error) {
	body := strings.TrimPrefix(line, "\u2014 ")
	if body == line {
		return signature{}, fmt.Errorf("signature line %q does not start with \"\u2014 \"", line)
	}
	sp := strings.LastIndex(body, " ")
	if sp <= 0 {
		return signature{}, fmt.Errorf("signature line %q has no name", line)
	}
	raw, err := base64.StdEncoding.DecodeString(body[sp+1:])
	if err != nil || len(raw) < 5 {
		return signature{}, fmt.Errorf("signature line %q is not a key id and a signature in base64", line)
	}
	return signature{name: body[:sp], id: binary.BigEndian.Uint32(raw), sig: raw[4:]}, nil
}

// verifyIn finds this key's signature among sigs and verifies it over text; for an Ed25519
// cosignature key it returns the timestamp it signed.
func (k *cosignerKey) verifyIn(text string, sigs []signature) (uint64, error) {
	for _, s := range sigs {
		if s.name == k.name && s.id == k.id {
			return k.verify(text, s.sig)
		}
	}
	return 0, fmt.Errorf("no signature by %s+%08x in the note", k.name, k.id)
}

// verify checks a timestamped_signature (u64 timestamp || signature). Only Ed25519 cosignatures
// can be checked in Go 1.19; for ML-DSA-44 only the size is.
func (k *cosignerKey) verify(text string, sig []byte) (uint64, error) {
	want := 8 + ed25519.SignatureSize
	if k.typ == typeMLDSA44 {
		want = 8 + mldsa44SigSize
	}
	if len(sig) != want {
		return 0, fmt.Errorf("signature by %s+%08x is %d bytes, want %d (timestamp and signature)", k.name, k.id, len(sig), want)
	}
	t := binary.BigEndian.Uint64(sig)
	if t > 1<<63-1 {
		return 0, fmt.Errorf("signature by %s+%08x has timestamp %d, above 2^63-1", k.name, k.id, t)
	}
	if k.typ == typeMLDSA44 {
		return t, nil
	}
	if !ed25519.Verify(k.pub, cosignedMessage(t, text), sig[8:]) {
		return 0, fmt.Errorf("cosignature by %s+%08x at time %d does not verify over the note text", k.name, k.id, t)
	}
	return t, nil
}

// cosignedMessage is what a cosignature/v1 signs: a header line, a timestamp line, then the
// whole note text.
func cosignedMessage(t uint64, text string) []byte {
	return []byte("cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n" + text)
}
