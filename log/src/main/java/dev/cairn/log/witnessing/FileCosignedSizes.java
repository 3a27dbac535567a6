package dev.cairn.log.witnessing;

import dev.cairn.log.storage.embedded.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * {@link CosignedSizes} in one small file of the data directory, {@value #FILE}: a line {@code
 * <size> <url>} per witness, rewritten whole (temporary file, fsync, rename) whenever a size
 * changes, so a crash leaves the old file or the new one. A file that cannot be read is logged
 * and treated as empty: every witness then tells its size in a 409.
 */
public final class FileCosignedSizes implements CosignedSizes {
  /** The file's name in the data directory. */
  public static final String FILE = "witness-sizes";
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(FileCosignedSizes.class);

  private final Path file;
  private final Path tmp;
  /** Guarded by {@code this}; read from the file at first use. */
  private Map<String, Long> sizes;

  /** The sizes in {@code dataDir}, whose {@code .tmp/} holds the temporary files. */
  public FileCosignedSizes(Path dataDir) {
    this.file = dataDir.resolve(FILE);
    this.tmp = dataDir.resolve(".tmp");
  }

  @Override
  public synchronized OptionalLong get(String url) throws IOException {
    Long s = load().get(url);
    return s == null ? OptionalLong.empty() : OptionalLong.of(s);
  }

  @Override
  public synchronized void put(String url, long size) throws IOException {
    if (url.isEmpty() || url.chars().anyMatch(c -> c <= ' ')) {
      throw new IllegalArgumentException("a witness URL without spaces, got \"" + url + "\"");
    }
    Map<String, Long> next = new TreeMap<>(load());
    if (Long.valueOf(size).equals(next.put(url, size))) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    next.forEach((u, s) -> sb.append(s).append(' ').append(u).append('\n'));
    AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8), tmp);
    sizes = next;
  }

  private Map<String, Long> load() throws IOException {
    if (sizes != null) {
      return sizes;
    }
    Map<String, Long> read = new TreeMap<>();
    Optional<byte[]> bytes = AtomicFiles.read(file);
    if (bytes.isPresent()) {
      for (String line : new String(bytes.get(), StandardCharsets.UTF_8).split("\n")) {
        String[] f = line.split(" ", 2);
        try {
          if (f.length != 2 || !f[0].matches("0|[1-9][0-9]{0,18}")) {
            throw new NumberFormatException("expected \"<size> <url>\"");
          }
          read.put(f[1], Long.parseLong(f[0]));
        } catch (NumberFormatException e) {
          LOG.warn("ignoring the unreadable line \"{}\" of {} ({}); that witness will say its"
              + " size", line, file, e.getMessage());
        }
      }
    }
    sizes = read;
    return sizes;
  }
}
