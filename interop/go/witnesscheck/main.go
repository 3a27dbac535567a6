// Command witnesscheck checks Cairn's witness side against code written independently of it:
// Go's crypto/ed25519, golang.org/x/mod/sumdb/note and tlog, and the small RFC 6962 tree and
// cosignature code in this directory.
//
// Usage:
//
//	witnesscheck verify -vkey <witness vkey> [-log-vkey <log vkey>] <note file>
//	witnesscheck keygen -name <origin> -out <dir>
//	witnesscheck play -skey <file> -witness <URL prefix> -witness-vkeys <file> [-cosigned <file>]
//	witnesscheck selftest
//
// verify checks the Ed25519 cosignature (signed-note type 0x04, C2SP tlog-cosignature
// cosignature/v1) by the witness key in a cosigned checkpoint note. sumdb/note knows only type
// 0x01, so the key and the signature are decoded here (cosig.go): the key ID must be the first
// four bytes of SHA-256(name || 0x0A || 0x04 || public key), the signature a big-endian u64
// timestamp and 64 bytes of Ed25519 over "cosignature/v1\ntime <t>\n" followed by the note
// text. It prints "cosignature by <name> at time <t> ok". With -log-vkey, note.Open must also
// verify the log's own Ed25519 signature. Any failure exits 1 with the reason on stderr.
//
// keygen writes a new Ed25519 log key from note.GenerateKey to <dir>/log.skey and
// <dir>/log.vkey, so that a witness can be told to trust it before play runs.
//
// play acts as the log of that key against a tlog-witness at <URL prefix> (POST
// <prefix>/add-checkpoint), whose two verifier keys (type 0x04 and 0x06, one name) are in the
// -witness-vkeys file. It builds trees with its own RFC 6962 code (merkle.go), checked against
// tlog.TreeHash and tlog.CheckTree, and plays the steps in play.go, each expecting one status
// code. It prints one line per step and, with -cosigned, writes the first cosigned checkpoint
// (the log's signature and the witness's two) for the caller to check the ML-DSA-44 one, which
// Go 1.19 cannot.
//
// selftest checks the tree code alone.
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "verify":
		err = verifyMain(os.Args[2:])
	case "keygen":
		err = keygenMain(os.Args[2:])
	case "play":
		err = playMain(os.Args[2:])
	case "selftest":
		err = selfTest()
		if err == nil {
			fmt.Println("selftest ok")
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "witnesscheck: FAIL: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: witnesscheck verify|keygen|play|selftest [flags] (see the package comment)")
	os.Exit(2)
}

func verifyMain(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	vkey := fs.String("vkey", "", "the witness's Ed25519 cosignature verifier key (type 0x04)")
	logVkey := fs.String("log-vkey", "", "the log's Ed25519 verifier key, checked with note.Open")
	fs.Parse(args)
	if *vkey == "" || fs.NArg() != 1 {
		usage()
	}
	msg, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	key, err := parseCosignerKey(*vkey)
	if err != nil {
		return err
	}
	if *logVkey != "" {
		v, err := note.NewVerifier(*logVkey)
		if err != nil {
			return fmt.Errorf("log key: %v", err)
		}
		if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
			return fmt.Errorf("the log's signature: %v", err)
		}
		fmt.Printf("log signature by %s ok\n", v.Name())
	}
	text, sigs, err := splitNote(msg)
	if err != nil {
		return err
	}
	t, err := key.verifyIn(text, sigs)
	if err != nil {
		return err
	}
	fmt.Printf("cosignature by %s at time %d ok\n", key.name, t)
	return nil
}

func keygenMain(args []string) error {
	fs := flag.NewFlagSet("keygen", flag.ExitOnError)
	name := fs.String("name", "", "the log's origin, which names its key")
	out := fs.String("out", "", "directory for log.skey and log.vkey")
	fs.Parse(args)
	if *name == "" || *out == "" || fs.NArg() != 0 {
		usage()
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, *name)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "log.skey"), []byte(skey+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "log.vkey"), []byte(vkey+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Println(vkey)
	return nil
}
