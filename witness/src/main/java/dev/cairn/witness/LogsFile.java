package dev.cairn.witness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logs file, read again whenever its content changes: {@link #start} polls it every
 * interval (comparing a digest of its bytes, so an edit within the same second as the last one
 * is seen too), and {@link #reload} checks it at once. A file that cannot be read or parsed is
 * refused with one ERROR line naming what is wrong, once per content, and the list in use stays.
 * Removing a log only stops cosigning it: its state is kept by {@link CosignedState}.
 */
public final class LogsFile implements Supplier<KnownLogs>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogsFile.class);

  private final Path file;
  private final AtomicReference<KnownLogs> current = new AtomicReference<>();
  private byte[] digest = new byte[0];
  private byte[] refused = new byte[0];
  private Thread poller;

  private LogsFile(Path file) {
    this.file = file;
  }

  /**
   * Reads {@code file} for the first time.
   *
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException if it is not a valid logs file, naming the line
   */
  public static LogsFile open(Path file) throws IOException {
    LogsFile f = new LogsFile(file);
    byte[] bytes = Files.readAllBytes(file);
    try {
      f.current.set(KnownLogs.parse(bytes));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    f.digest = sha256(bytes);
    return f;
  }

  /** The logs in use. */
  @Override
  public KnownLogs get() {
    return current.get();
  }

  /**
   * Reads the file again and uses it if it changed and is valid.
   *
   * @return whether the list in use changed
   */
  public synchronized boolean reload() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      refuse(new byte[] {1}, "couldn't read it: " + e);
      return false;
    }
    byte[] now = sha256(bytes);
    if (Arrays.equals(now, digest) || Arrays.equals(now, refused)) {
      return false;
    }
    KnownLogs next;
    try {
      next = KnownLogs.parse(bytes);
    } catch (IllegalArgumentException e) {
      refuse(now, e.getMessage());
      return false;
    }
    current.set(next);
    digest = now;
    refused = new byte[0];
    LOG.info("logs file {} reloaded: cosigning {} logs", file, next.keys().size());
    return true;
  }

  private void refuse(byte[] d, String why) {
    if (!Arrays.equals(d, refused)) {
      refused = d;
      LOG.error("logs file {} refused, the {} logs in use stay: {}", file,
          current.get().keys().size(), why);
    }
  }

  /**
   * Starts checking the file every {@code interval}. A change is used once two checks in a row
   * read the same content, so that a file caught half-written by an editor that truncates and
   * rewrites it (fewer logs, all valid lines) is not used for a moment.
   */
  public synchronized void start(Duration interval) {
    poller = Thread.ofVirtual().name("cairn-witness-logs-file").start(() -> {
      byte[] previous = null;
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(interval);
        } catch (InterruptedException e) {
          return;
        }
        byte[] now;
        try {
          now = sha256(Files.readAllBytes(file));
        } catch (IOException e) {
          now = null;
        }
        if (now == null || Arrays.equals(now, previous)) {
          reload(); // reports an unreadable file; uses a settled one
        }
        previous = now;
      }
    });
  }

  @Override
  public synchronized void close() {
    if (poller != null) {
      poller.interrupt();
    }
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
