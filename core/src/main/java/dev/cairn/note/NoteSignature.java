package dev.cairn.note;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One signature line of a note: {@code — <name> <base64(key ID || signature)>}.
 *
 * @param name the key name
 * @param keyId the key ID
 * @param signature the signature bytes after the key ID
 */
public record NoteSignature(String name, int keyId, byte[] signature) {
  /** Copies the signature. */
  public NoteSignature {
    KeyNames.check(name);
    if (signature.length == 0) {
      throw new IllegalArgumentException("empty signature");
    }
    signature = signature.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** The line, without its newline. */
  public String line() {
    byte[] raw = ByteBuffer.allocate(4 + signature.length).putInt(keyId).put(signature).array();
    return SignedNote.SIGNATURE_PREFIX + name + " " + Base64s.encode(raw);
  }

  /** Whether this signature is by the key with {@code name} and {@code keyId}. */
  public boolean isBy(String keyName, int id) {
    return keyId == id && name.equals(keyName);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NoteSignature s && s.keyId == keyId && s.name.equals(name)
        && Arrays.equals(s.signature, signature);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + keyId;
  }

  @Override
  public String toString() {
    return "NoteSignature[" + name + "+" + KeyNames.hex(keyId) + "]";
  }
}
