package main

// ECDSA verifier keys (signed-note type 0x02): golang.org/x/mod/sumdb/note knows only Ed25519,
// so this is the auditor's own implementation of the type, written from the C2SP signed-note
// spec: the key material is 0x02 followed by a DER SubjectPublicKeyInfo, the key ID is the first
// four bytes of SHA-256 of that DER (the name is not hashed), and a signature is ASN.1 DER ECDSA
// over SHA-256 of the note text.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

type ecdsaVerifier struct {
	name    string
	keyHash uint32
	key     *ecdsa.PublicKey
}

func (v *ecdsaVerifier) Name() string    { return v.name }
func (v *ecdsaVerifier) KeyHash() uint32 { return v.keyHash }
func (v *ecdsaVerifier) Verify(msg, sig []byte) bool {
	digest := sha256.Sum256(msg)
	return ecdsa.VerifyASN1(v.key, digest[:], sig)
}

// newVerifier accepts Ed25519 keys (through sumdb/note) and ECDSA P-256 keys (type 0x02).
func newVerifier(vkey string) (note.Verifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("verifier key must be name+hash+key")
	}
	material, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(material) < 2 {
		return nil, fmt.Errorf("verifier key material is not base64 of a type byte and a key")
	}
	if material[0] != 0x02 {
		return note.NewVerifier(vkey)
	}
	der := material[1:]
	sum := sha256.Sum256(der)
	hash := binary.BigEndian.Uint32(sum[:4])
	claimed, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil || len(parts[1]) != 8 || uint32(claimed) != hash {
		return nil, fmt.Errorf("ECDSA key hash %s does not match SHA-256 of the key (%08x)", parts[1], hash)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("ECDSA key: %v", err)
	}
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("ECDSA key must be on P-256")
	}
	return &ecdsaVerifier{name: parts[0], keyHash: hash, key: key}, nil
}
