package dev.cairn.monitor.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Optional;

/**
 * Reads a secret given as one of three keys: {@code <key>_file} (a file whose bytes are the
 * secret, less one trailing newline), {@code <key>_env} (an environment variable) or {@code
 * <key>} itself, written in the YAML, which the prod profile refuses and other profiles accept
 * with a warning. Errors name the key and the file or variable, never the secret.
 */
final class Secrets {
  /** The largest secret file read. */
  static final int MAX_FILE_SIZE = 64 * 1024;

  private Secrets() {}

  /** The secret {@code key} names, as bytes, if any of its three keys is given. */
  static Optional<byte[]> bytes(Mapping m, String key) {
    String fileKey = key + "_file";
    String envKey = key + "_env";
    Optional<String> inline = m.optionalSecretText(key);
    Optional<String> file = m.optionalText(fileKey);
    Optional<String> env = m.optionalText(envKey);
    int given = (inline.isPresent() ? 1 : 0) + (file.isPresent() ? 1 : 0)
        + (env.isPresent() ? 1 : 0);
    if (given > 1) {
      throw m.error(key, "give only one of " + key + ", " + fileKey + " and " + envKey);
    }
    Context ctx = m.context();
    if (inline.isPresent()) {
      String advice = "secrets must come from a file or the environment: use " + fileKey + " or "
          + envKey;
      if (ctx.prod()) {
        throw m.error(key, advice);
      }
      ctx.warn(m.pathOf(key), advice + " (written in the file, accepted outside prod)");
      return Optional.of(inline.get().getBytes(StandardCharsets.UTF_8));
    }
    if (file.isPresent()) {
      return Optional.of(fromFile(m, fileKey, ctx.resolve(m.pathOf(fileKey), file.get())));
    }
    if (env.isPresent()) {
      String value = ctx.env().get(env.get());
      if (value == null || value.isEmpty()) {
        throw m.error(envKey, "the environment variable " + env.get() + " is "
            + (value == null ? "not set" : "empty"));
      }
      return Optional.of(value.getBytes(StandardCharsets.UTF_8));
    }
    return Optional.empty();
  }

  /** The secret {@code key} names, as text, if any of its three keys is given. */
  static Optional<String> text(Mapping m, String key) {
    return bytes(m, key).map(b -> {
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b)).toString();
      } catch (CharacterCodingException e) {
        throw m.error(key, "the secret is not UTF-8 text");
      } finally {
        Arrays.fill(b, (byte) 0);
      }
    });
  }

  private static byte[] fromFile(Mapping m, String fileKey, Path file) {
    byte[] b;
    try (InputStream in = Files.newInputStream(file)) {
      b = in.readNBytes(MAX_FILE_SIZE + 1);
    } catch (NoSuchFileException e) {
      throw m.error(fileKey, file + " does not exist");
    } catch (IOException e) {
      throw m.error(fileKey, "couldn't read " + file + ": " + e.getClass().getSimpleName());
    }
    if (b.length > MAX_FILE_SIZE) {
      throw m.error(fileKey, file + " is larger than " + MAX_FILE_SIZE + " bytes");
    }
    int n = b.length;
    if (n > 0 && b[n - 1] == '\n') {
      n -= n > 1 && b[n - 2] == '\r' ? 2 : 1;
    }
    if (n == 0) {
      throw m.error(fileKey, file + " is empty");
    }
    warnIfOthersRead(m, fileKey, file);
    return Arrays.copyOf(b, n);
  }

  private static void warnIfOthersRead(Mapping m, String fileKey, Path file) {
    try {
      if (Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)) {
        m.context().warn(m.pathOf(fileKey), file + " is readable by every user (chmod o-r)");
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Not a POSIX file system, or the attributes are hidden: the secret was readable, so the
      // check is advice only and is skipped.
    }
  }
}
