/**
 * C2SP signed notes: the text-plus-signature-lines format, key names and key IDs, verifier keys
 * ({@code name+hex+base64}) and signer keys ({@code PRIVATE+KEY+name+hex+base64}), and Ed25519
 * note signatures.
 *
 * <p>Signature algorithms plug in through {@link dev.cairn.note.NoteSigner} and {@link
 * dev.cairn.note.NoteVerifier}; the checkpoint-specific cosignature types (0x04, 0x06) live in
 * {@link dev.cairn.checkpoint}.
 */
package dev.cairn.note;
