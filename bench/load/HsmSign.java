import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.keys.Pkcs11Token;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * Checkpoint signatures per second on one thread: an Ed25519 key file (Bouncy Castle), then the
 * keys labelled a[3..] on the PKCS#11 token (module a[0], token label a[1], PIN file a[2]).
 * Each signer runs 3 s of warm-up, then 5 s measured; every HSM signature is also verified by
 * Cairn before it is returned, as in the log.
 */
public class HsmSign {
  public static void main(String[] a) throws Exception {
    String origin = "bench.example/log";
    byte[] text = new Checkpoint(origin, 123_456_789, Hasher.emptyRoot()).format()
        .getBytes(StandardCharsets.UTF_8);
    report("file Ed25519 (Bouncy Castle)", SignerKey.generate(origin, SignatureType.ED25519,
        new SecureRandom()).signer(), text);
    Pkcs11Token token = Pkcs11Token.open(new HsmSettings(Path.of(a[0]), a[1], Path.of(a[2]),
        Optional.empty()));
    for (int i = 3; i < a.length; i++) {
      NoteSigner s = token.signer(origin, a[i], Optional.empty());
      report("PKCS#11 " + s.type() + " (" + a[i] + ")", s, text);
    }
  }

  private static void report(String what, NoteSigner s, byte[] text) {
    run(s, text, 3_000_000_000L);
    long start = System.nanoTime();
    long n = run(s, text, 5_000_000_000L);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("%-40s %8.0f signatures/s  %7.1f us each%n", what, n / seconds,
        seconds * 1e6 / n);
  }

  private static long run(NoteSigner s, byte[] text, long nanos) {
    long end = System.nanoTime() + nanos;
    long n = 0;
    while (System.nanoTime() < end) {
      s.sign(text);
      n++;
    }
    return n;
  }
}
