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
 * at the end of the last segment is cut off when the log is opened: its header is cut short or
 * its CRC fails. Only the last record can be torn (each earlier one was synced before the next
 * was written), so the open checks that record's CRC and walks the others' headers; a replay
 * checks the CRC of each record it hands over, and a bad one is corruption, not a tear. A segment
 * is started when the current one passes 64 MiB, and deleted once a later segment starts at or
 * below the size the object store holds.
 *
 * <p>An append that fails (a full disk, an I/O error) may leave some or all of its record in the
 * file, unsynced: it was not committed, so it is cut off before anything is appended after it —
 * the next append fails until the cut succeeds — and it is never replayed meanwhile. A record
 * after such a remnant would be lost or found corrupt at the next start, which takes only the
 * last record for a tear; and an unsynced record is not durable, so nothing may be built on it.
 */
public final class LocalSequenceLog implements SequenceLog, AutoCloseable {
  private static final int MAGIC = 0x43574c31; // "CWL1"
  private static final long SEGMENT_BYTES = 64L << 20;
  private static final String SUFFIX = ".wal";
  /** The body of a record without entries: start, size, root and count. */
  private static final int MIN_BODY = 8 + 8 + Hash.SIZE + 4;

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
  private boolean closed;

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
      // Every record but the last was synced before the next was written, so only the last can
      // be torn: walk the headers, then check the last record's checksum. What is cut off must
      // hold no intact record: a bad record with synced ones after it is corruption.
      long expected = last;
      long lastStart = last;
      long valid = 0;
      long firstIndex = last;
      try (Records records = new Records(file, Long.MAX_VALUE)) {
        Records.Header h = records.header(0);
        Records.Header lastRecord = null;
        if (h != null) {
          firstIndex = h.first();
        }
        while (h != null) {
          lastRecord = h;
          lastStart = expected;
          expected = h.end();
          valid = h.next();
          h = records.header(valid);
        }
        if (lastRecord != null && !checksummed(records.read(lastRecord))) {
          if (valid < records.length()) {
            throw new StorageException(StorageException.Kind.CORRUPT, "sequence log segment "
                + file + " is corrupt at byte " + lastRecord.at() + ": the record of entries "
                + lastRecord.first() + " to " + lastRecord.end() + " fails its checksum, and"
                + " more was written after it");
          }
          valid = lastRecord.at();
          expected = lastStart;
        }
        long intact = records.intactRecordAfter(valid);
        if (intact >= 0) {
          throw new StorageException(StorageException.Kind.CORRUPT, "sequence log segment "
              + file + " is corrupt at byte " + valid + ": " + (intact == valid
                  ? "the record there is whole but for its header"
                  : "an intact record follows at byte " + intact)
              + ", so it is not a torn append to cut off");
        }
      }
      if (valid > 0 && firstIndex != last) {
        throw new StorageException(StorageException.Kind.CORRUPT, "sequence log segment "
            + file + " starts at " + firstIndex);
      }
      current = FileChannel.open(file, StandardOpenOption.WRITE);
      try {
        if (current.size() > valid) {
          current.truncate(valid);
          current.force(true);
        }
      } catch (IOException e) {
        current.close();
        throw e;
      }
      currentStart = last;
      this.end = valid;
      expectedStart = expected;
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
    if (closed) {
      throw new IOException("the sequence log in " + dir + " is closed");
    }
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
    int body = MIN_BODY;
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
    if (closed) {
      throw new IOException("the sequence log in " + dir + " is closed");
    }
    List<Long> segments = segments();
    long next = -1;
    for (long first : segments) {
      long[] end = {next};
      // Of the current segment only the synced records: not what a failed append left.
      long limit = first == currentStart && current != null ? this.end : Long.MAX_VALUE;
      scan(segment(first), (start, stop) -> {
        if (end[0] >= 0 && start != end[0]) {
          throw new StorageException(StorageException.Kind.CORRUPT, "the sequence log skips"
              + " from " + end[0] + " to " + start);
        }
        end[0] = stop;
      }, replay, first, limit, size);
      next = end[0];
    }
  }

  /** Told the range of every record, in order. */
  @FunctionalInterface
  private interface Ranges {
    void record(long start, long end) throws IOException;
  }

  /**
   * Reads the records in the first {@code limit} bytes of {@code file} (a segment starting at
   * {@code first}): every one's range goes to {@code ranges}, and those that end after {@code
   * skipThrough} are checksummed and decoded for {@code batches}. The others are only walked by
   * their headers: they are never replayed again, so a start-up reads little of them. A bad
   * header, or a bad checksum of a record to replay, is corruption: the open cut off a torn
   * append, so what is left was synced.
   */
  private static void scan(Path file, Ranges ranges, Replay batches, long first, long limit,
      long skipThrough) throws IOException {
    try (Records records = new Records(file, limit)) {
      for (long at = 0; at < records.length(); ) {
        Records.Header h = records.header(at);
        if (h == null) {
          throw new StorageException(StorageException.Kind.CORRUPT, "sequence log segment "
              + file + " is corrupt at byte " + at);
        }
        if (at == 0 && h.first() != first) {
          throw new StorageException(StorageException.Kind.CORRUPT, "sequence log segment "
              + file + " starts at " + h.first());
        }
        ranges.record(h.first(), h.end());
        if (h.end() > skipThrough && batches != null) {
          ByteBuffer record = records.read(h);
          if (!checksummed(record)) {
            throw new StorageException(StorageException.Kind.CORRUPT, "sequence log segment "
                + file + " is corrupt at byte " + at + ": the record of entries " + h.first()
                + " to " + h.end() + " fails its checksum");
          }
          batches.batch(decode(record));
        }
        at = h.next();
      }
    }
  }

  /**
   * A segment's records, read through a small window so that a walk over their headers reads
   * little more than the headers: a whole segment read at once costs a page fault per 4 KiB of
   * fresh memory, which on a virtual machine is slower than the read (~0.2-0.4 s for 64 MiB).
   */
  private static final class Records implements AutoCloseable {
    /** A record's header: where it is, the entries it holds, and its body's length. */
    record Header(long at, long first, long end, int body) {
      /** Where the next record starts. */
      long next() {
        return at + 8 + body + 4;
      }
    }

    private final FileChannel channel;
    private final long length;
    private final ByteBuffer window = ByteBuffer.allocate(64 << 10);
    /** The file position of the window's first byte. */
    private long windowAt;

    Records(Path file, long limit) throws IOException {
      channel = FileChannel.open(file, StandardOpenOption.READ);
      try {
        length = Math.min(channel.size(), limit);
      } catch (IOException e) {
        channel.close();
        throw e;
      }
      window.limit(0);
    }

    long length() {
      return length;
    }

    /** The header at {@code at}, or null if no whole record can start there. */
    Header header(long at) throws IOException {
      if (length - at < 8 + MIN_BODY + 4) {
        return null;
      }
      if (at < windowAt || at + 24 > windowAt + window.limit()) {
        // Past a record larger than the window, only its header: the next one is far off too.
        boolean jumped = at > windowAt + window.capacity();
        window.clear().limit(jumped ? 4096 : window.capacity());
        fill(window, at);
        window.flip();
        windowAt = at;
      }
      int p = (int) (at - windowAt);
      if (window.getInt(p) != MAGIC) {
        return null;
      }
      int body = window.getInt(p + 4);
      if (body < MIN_BODY || body > length - at - 8 - 4) {
        return null;
      }
      return new Header(at, window.getLong(p + 8), window.getLong(p + 16), body);
    }

    /**
     * Where an intact record starts in the bad bytes from {@code at} on, or -1 if they can be a
     * torn append. That is the record at {@code at} itself if only its header's magic or length
     * is damaged (its entries, counted, end inside the file where a CRC matches them), or any
     * record after it with a good header and CRC. A torn append's own entries may spell a
     * record: the scan skips the span a torn record's header claims.
     */
    long intactRecordAfter(long at) throws IOException {
      if (at >= length) {
        return -1;
      }
      if (length - at > Integer.MAX_VALUE - 16) {
        return at; // no torn append is that large
      }
      ByteBuffer rest = ByteBuffer.allocate((int) (length - at));
      fill(rest, at);
      if (wholeButForItsHeader(rest)) {
        return at;
      }
      int from = 1;
      if (rest.limit() >= 8 && rest.getInt(0) == MAGIC && rest.getInt(4) >= 0) {
        from = (int) Math.min(rest.limit(), Math.max(1, 8L + rest.getInt(4) + 4));
      }
      for (int i = from; i + 8 <= rest.limit(); i++) {
        if (rest.getInt(i) != MAGIC) {
          continue;
        }
        int body = rest.getInt(i + 4);
        if (body >= MIN_BODY && body <= rest.limit() - i - 8 - 4
            && checksummed(rest.slice(i, 8 + body + 4))) {
          return at + i;
        }
      }
      return -1;
    }

    /**
     * Whether {@code b} starts with a whole record whose magic or length field is damaged:
     * its entries, counted from its count, end inside {@code b} where a CRC follows that
     * matches them under the right magic and length. A torn record cannot: its CRC is missing.
     */
    private static boolean wholeButForItsHeader(ByteBuffer b) {
      int at = 8 + MIN_BODY - 4; // the count
      if (b.limit() < 8 + MIN_BODY + 4) {
        return false;
      }
      int count = b.getInt(at);
      at += 4;
      for (int i = 0; i < count; i++) {
        if (b.limit() - at < 2 + 4) {
          return false;
        }
        at += 2 + (b.getShort(at) & 0xffff);
      }
      if (count < 0 || b.limit() - at < 4) {
        return false;
      }
      CRC32C crc = new CRC32C();
      crc.update(ByteBuffer.allocate(8).putInt(MAGIC).putInt(at - 8).flip());
      crc.update(b.slice(8, at - 8));
      return b.getInt(at) == (int) crc.getValue();
    }

    /** The whole record {@code h}, as a buffer from its magic to its CRC. */
    ByteBuffer read(Header h) throws IOException {
      ByteBuffer record = ByteBuffer.allocate(8 + h.body() + 4);
      fill(record, h.at());
      return record.flip();
    }

    /** Fills {@code into} from {@code at} on, or up to the end of the file. */
    private void fill(ByteBuffer into, long at) throws IOException {
      for (long p = at; into.hasRemaining(); ) {
        int n = channel.read(into, p);
        if (n < 0) {
          break;
        }
        p += n;
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** Whether {@code record}, whose header {@link Records#header} passed, has its CRC. */
  private static boolean checksummed(ByteBuffer record) {
    int crcAt = record.limit() - 4;
    CRC32C crc = new CRC32C();
    crc.update(record.slice(0, crcAt));
    return record.getInt(crcAt) == (int) crc.getValue();
  }

  /** The checksummed {@code record}, decoded. */
  private static SequencedBatch decode(ByteBuffer b) {
    b.position(8);
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
    return new SequencedBatch(first, entries, new TreeHead(end, Hash.of(root)));
  }

  @Override
  public synchronized void dropThrough(long size) throws IOException {
    if (closed) {
      throw new IOException("the sequence log in " + dir + " is closed");
    }
    List<Long> segments = segments();
    // A segment's batches end where the next segment starts; the last one is never dropped.
    for (int i = 0; i + 1 < segments.size() && segments.get(i + 1) <= size; i++) {
      Files.delete(segment(segments.get(i)));
    }
  }

  @Override
  public synchronized void close() throws IOException {
    closed = true;
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
