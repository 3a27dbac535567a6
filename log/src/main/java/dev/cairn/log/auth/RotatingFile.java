package dev.cairn.log.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file appended to in whole lines that never grows past {@code maxBytes}: before a line would
 * take it past, it is forced to disk and renamed {@code NAME.1} (an older {@code NAME.1} becomes
 * {@code NAME.2}, and so on), the oldest beyond {@code keep} is deleted, and a new file begun.
 * So the file and its rotations take at most {@code (keep + 1) × maxBytes} (a single line longer
 * than {@code maxBytes} gets a file of its own). Not thread-safe: the caller serialises.
 *
 * <p>Crash safety: the current file is forced before it is renamed and the directory after, so
 * a crash during a rotation leaves every line in one of the files, possibly with a gap in the
 * numbering; the next open appends to {@code NAME} (created if the crash left none).
 */
final class RotatingFile implements AutoCloseable {
  private final Path file;
  private final long maxBytes;
  private final int keep;
  private FileChannel channel;
  private long size;
  /** Whether a failed append may have left part of a line, which the next line must end. */
  private boolean partial;

  private RotatingFile(Path file, long maxBytes, int keep) throws IOException {
    this.file = file;
    this.maxBytes = maxBytes;
    this.keep = keep;
    openCurrent();
  }

  /** Opens {@code file} for appending, creating it and its directory if missing. */
  static RotatingFile open(Path file, long maxBytes, int keep) throws IOException {
    if (maxBytes < 1 || keep < 1) {
      throw new IllegalArgumentException("a rotated file needs maxBytes ≥ 1 and keep ≥ 1, got "
          + maxBytes + " and " + keep);
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    return new RotatingFile(file, maxBytes, keep);
  }

  private void openCurrent() throws IOException {
    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    size = channel.size();
  }

  /** Appends {@code line} whole, rotating first if it would take the file past its size. */
  void append(byte[] line) throws IOException {
    if (!channel.isOpen()) {
      openCurrent(); // a rotation failed half-way
    }
    if (size > 0 && size + line.length > maxBytes) {
      rotate();
    }
    long start = size;
    ByteBuffer b = ByteBuffer.wrap(partial ? concat(new byte[] {'\n'}, line) : line);
    try {
      while (b.hasRemaining()) {
        size += channel.write(b);
      }
      partial = false;
    } catch (IOException e) {
      // Part of the line may be in the file (a disk that filled up half-way): cut it off, or
      // if even that fails, end it before the next line.
      try {
        channel.truncate(start);
        size = start;
      } catch (IOException | RuntimeException t) {
        e.addSuppressed(t);
        partial = true;
      }
      throw e;
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private void rotate() throws IOException {
    channel.force(false);
    channel.close();
    try {
      Files.deleteIfExists(numbered(keep));
      for (int i = keep - 1; i >= 1; i--) {
        if (Files.exists(numbered(i))) {
          Files.move(numbered(i), numbered(i + 1), StandardCopyOption.ATOMIC_MOVE);
        }
      }
      Files.move(file, numbered(1), StandardCopyOption.ATOMIC_MOVE);
      try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(),
          StandardOpenOption.READ)) {
        dir.force(true);
      }
    } finally {
      openCurrent(); // the new file, or the old one again if a rename failed
    }
  }

  private Path numbered(int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }

  /**
   * Forces the lines written so far to disk. The channel may have been closed under us — an
   * interrupted thread (a request's, when the server stops) closes a file channel it was
   * writing — so it is opened again first: forcing any descriptor of the file forces its data.
   */
  void sync() throws IOException {
    if (!channel.isOpen()) {
      openCurrent();
    }
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    try {
      sync();
    } finally {
      channel.close();
    }
  }
}
