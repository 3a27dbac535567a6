package dev.cairn.log.storage.embedded;

import dev.cairn.merkle.Hash;
import dev.cairn.log.storage.SequencedBatch;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.TreeHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The sequence log as segment files {@code <first index, 16 hex digits>.wal} in a directory.
 * A record is
 *
 * <pre>
 *   u32 magic "CWL1" | u32 length of what follows up to the CRC
 *   u64 start | u64 size | 32-byte root | u32 count | count × (u16 length, entry) | u32 CRC-32C
 * </pre>
 *
 * <p>An append writes one record and fdatasyncs it: one sync per batch. A record torn by a crash
 * at the end of the last segment fails its CRC; it is cut off when the log is opened. A segment
 * is started when the current one passes 64 MiB, and deleted once a later segment starts at or
 * below the size the object store holds.
 *
 * <p>An append that fails (a full disk, an I/O error) may leave some or all of its record in the
 * file, unsynced: it was not committed, so it is cut off before anything is appended after it —
 * the next append fails until the cut succeeds — and it is never replayed meanwhile. A record
 * after such a remnant would be lost at the next start, which stops at the first bad record; and
 * an unsynced record is not durable, so nothing may be built on it.
 */
public final class LocalSequenceLog implements SequenceLog, AutoCloseable {
  private static final int MAGIC = 0x43574c31; // "CWL1"
  private static final long SEGMENT_BYTES = 64L << 20;
  private static final String SUFFIX = ".wal";

  private final Path dir;
  private final long segmentBytes;
  private FileChannel current;
  /** The first index of the current segment. */
  private long currentStart = -1;
  /** The length of the current segment's intact, synced records: where the next one goes. */
  private long end;
  /** A failed append may have left bytes after {@link #end} that are not cut off yet. */
  private boolean torn;
  /** Where the next batch must start; -1 for an empty log. */
  private long expectedStart = -1;

  /** A log in {@code dir}, created if missing; a torn record at its end is cut off. */
  public LocalSequenceLog(Path dir) throws IOException {
    this(dir, SEGMENT_BYTES);
  }

  LocalSequenceLog(Path dir, long segmentBytes) throws IOException {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    Files.createDirectories(dir);
    List<Long> segments = segments();
    if (!segments.isEmpty()) {
      long last = segments.get(segments.size() - 1);
      Path file = segment(last);
      long[] end = {last};
      long valid = scan(file, (start, stop) -> end[0] = stop, null, true, last, Long.MAX_VALUE,
          Long.MAX_VALUE);
      current = FileChannel.open(file, StandardOpenOption.WRITE);
      if (current.size() > valid) {
        current.truncate(valid);
        current.force(true);
      }
      currentStart = last;
      this.end = valid;
      expectedStart = end[0];
    }
  }

  private Path segment(long start) {
    return dir.resolve(String.format("%016x", start) + SUFFIX);
  }

  private List<Long> segments() throws IOException {
    List<Long> out = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String n = p.getFileName().toString();
        if (n.endsWith(SUFFIX) && n.length() == 16 + SUFFIX.length()) {
          out.add(Long.parseUnsignedLong(n.substring(0, 16), 16));
        }
      }
    }
    out.sort(null);
    return out;
  }

  @Override
  public synchronized void append(SequencedBatch batch) throws IOException {
    if (expectedStart >= 0 && batch.start() != expectedStart) {
      throw new IllegalArgumentException("batch starts at " + batch.start()
          + " but the log ends at " + expectedStart);
    }
    if (torn) {
      cutTail();
    }
    if (current == null || end >= segmentBytes) {
      rotate(batch.start());
    }
    ByteBuffer record = encode(batch);
    try {
      long at = end;
      while (record.hasRemaining()) {
        at += current.write(record, at);
      }
      current.force(false);
    } catch (IOException e) {
      torn = true;
      try {
        cutTail();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IOException("couldn't append the batch at " + batch.start() + " to "
          + segment(currentStart) + ": " + e.getMessage(), e);
    }
    end += record.limit();
    expectedStart = batch.head().size();
  }

  /** Cuts off what a failed append left after the last synced record. */
  private void cutTail() throws IOException {
    try {
      current.truncate(end);
      current.force(true);
    } catch (IOException e) {
      throw new IOException("couldn't cut a failed append off " + segment(currentStart)
          + " (nothing is appended until it is): " + e.getMessage(), e);
    }
    torn = false;
  }

  /**
   * Starts a segment at {@code start}. The current one stays in use until the new one is
   * durably created, so a failure here changes nothing.
   */
  private void rotate(long start) throws IOException {
    Path file = segment(start);
    FileChannel next = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      if (next.size() != 0) {
        throw new IOException("sequence log segment " + file + " already holds "
            + next.size() + " bytes");
      }
      AtomicFiles.syncDirectory(dir);
    } catch (IOException e) {
      next.close();
      throw new IOException("couldn't start sequence log segment " + file + ": "
          + e.getMessage(), e);
    }
    if (current != null) {
      current.close();
    }
    current = next;
    currentStart = start;
    end = 0;
  }

  private static ByteBuffer encode(SequencedBatch batch) {
    int body = 8 + 8 + Hash.SIZE + 4;
    for (byte[] e : batch.entries()) {
      body += 2 + e.length;
    }
    ByteBuffer b = ByteBuffer.allocate(4 + 4 + body + 4);
    b.putInt(MAGIC).putInt(body).putLong(batch.start()).putLong(batch.head().size());
    batch.head().root().copyTo(b.array(), b.position());
    b.position(b.position() + Hash.SIZE);
    b.putInt(batch.entries().size());
    for (byte[] e : batch.entries()) {
      b.putShort((short) e.length).put(e);
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.flip();
  }

  @Override
  public synchronized void replay(long size, Replay replay) throws IOException {
    List<Long> segments = segments();
    long next = -1;
    for (int i = 0; i < segments.size(); i++) {
      boolean last = i == segments.size() - 1;
      long[] end = {next};
      // Of the current segment only the synced records: not what a failed append left.
      long limit = segments.get(i) == currentStart && current != null ? this.end
          : Long.MAX_VALUE;
      scan(segment(segments.get(i)), (start, stop) -> {
        if (end[0] >= 0 && start != end[0]) {
          throw new StorageException(StorageException.Kind.CORRUPT, "the sequence log skips"
              + " from " + end[0] + " to " + start);
        }
        end[0] = stop;
      }, replay, last, segments.get(i), limit, size);
      next = end[0];
    }
  }

  /** Told the range of every intact record, in order. */
  @FunctionalInterface
  private interface Ranges {
    void record(long start, long end) throws IOException;
  }

  /**
   * Reads the records in the first {@code limit} bytes of {@code file} (a segment starting at
   * {@code first}): every intact one's range goes to {@code ranges}, and those that end after
   * {@code skipThrough} are decoded whole for {@code batches}; the others' entries are only
   * checksummed, not copied, so a start-up that replays nothing reads a segment at the speed of
   * the checksum. Returns the length of the intact records. A bad record ends the scan in the
   * last segment (a torn append) and is corruption anywhere else.
   */
  private static long scan(Path file, Ranges ranges, Replay batches, boolean last, long first,
      long limit, long skipThrough) throws IOException {
    byte[] data = Files.readAllBytes(file);
    int length = (int) Math.min(data.length, limit);
    ByteBuffer b = ByteBuffer.wrap(data, 0, length);
    while (b.remaining() > 0) {
      int at = b.position();
      long[] range = intactRecord(b);
      if (range == null) {
        if (last) {
          return at;
        }
        throw new StorageException(StorageException.Kind.CORRUPT, "sequence log segment "
            + file + " is corrupt at byte " + at);
      }
      if (at == 0 && range[0] != first) {
        throw new StorageException(StorageException.Kind.CORRUPT, "sequence log segment "
            + file + " starts at " + range[0]);
      }
      ranges.record(range[0], range[1]);
      if (range[1] > skipThrough && batches != null) {
        b.position(at);
        batches.batch(decode(b));
      }
    }
    return length;
  }

  /**
   * Checks the record at the buffer's position and moves past it: its first and end index, or
   * null (position unspecified) if what follows is not an intact record.
   */
  private static long[] intactRecord(ByteBuffer b) {
    if (b.remaining() < 8 + 8 + 8 + Hash.SIZE + 4 + 4) {
      return null;
    }
    int start = b.position();
    if (b.getInt() != MAGIC) {
      return null;
    }
    int body = b.getInt();
    if (body < 8 + 8 + Hash.SIZE + 4 || body > b.remaining() - 4) {
      return null;
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), start, 8 + body);
    int stored = ByteBuffer.wrap(b.array(), start + 8 + body, 4).getInt();
    if (stored != (int) crc.getValue()) {
      return null;
    }
    long first = b.getLong();
    long end = b.getLong();
    b.position(start + 8 + body + 4);
    return new long[] {first, end};
  }

  /** The record at the buffer's position, which {@link #intactRecord} has checked. */
  private static SequencedBatch decode(ByteBuffer b) {
    int start = b.position();
    b.getInt();
    int body = b.getInt();
    long first = b.getLong();
    long end = b.getLong();
    byte[] root = new byte[Hash.SIZE];
    b.get(root);
    int count = b.getInt();
    List<byte[]> entries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] e = new byte[b.getShort() & 0xffff];
      b.get(e);
      entries.add(e);
    }
    b.position(start + 8 + body + 4);
    return new SequencedBatch(first, entries, new TreeHead(end, Hash.of(root)));
  }

  @Override
  public synchronized void dropThrough(long size) throws IOException {
    List<Long> segments = segments();
    // A segment's batches end where the next segment starts; the last one is never dropped.
    for (int i = 0; i + 1 < segments.size() && segments.get(i + 1) <= size; i++) {
      Files.delete(segment(segments.get(i)));
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
