package dev.cairn.log.storage.embedded;

import dev.cairn.merkle.Hash;
import dev.cairn.log.storage.TreeHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The tree state as an append-only file of 48-byte records — a magic number, the size, the
 * root and a CRC-32C — each appended and fdatasynced: one sync per commit instead of the
 * four a replaced file needs. A torn record at the end (a crash mid-append) fails its CRC and
 * is ignored, so the last intact record is the committed head. When the file grows past 64 KiB
 * it is replaced, atomically, by a file holding only the latest record.
 */
public final class LocalTreeStateStore implements TreeStateStore, AutoCloseable {
  private static final int MAGIC = 0x43545331; // "CTS1"
  private static final int RECORD = 4 + 8 + Hash.SIZE + 4;
  private static final long COMPACT_AT = 64 * 1024;

  private final Path file;
  private final Path tmp;
  private FileChannel channel;

  /** A store in {@code file}; temporary files go to {@code tmpDir}. */
  public LocalTreeStateStore(Path file, Path tmpDir) throws IOException {
    this.file = file;
    this.tmp = tmpDir;
    AtomicFiles.prepareTmpDir(tmpDir);
  }

  @Override
  public synchronized Optional<TreeHead> load() throws IOException {
    Optional<byte[]> data = AtomicFiles.read(file);
    if (data.isEmpty()) {
      return Optional.empty();
    }
    byte[] b = data.get();
    for (int off = (b.length / RECORD - 1) * RECORD; off >= 0; off -= RECORD) {
      Optional<TreeHead> head = decode(b, off);
      if (head.isPresent()) {
        return head;
      }
    }
    throw new IOException("tree state file " + file + " is corrupt: no intact record in "
        + b.length + " bytes");
  }

  private static Optional<TreeHead> decode(byte[] b, int off) {
    ByteBuffer r = ByteBuffer.wrap(b, off, RECORD);
    if (r.getInt() != MAGIC) {
      return Optional.empty();
    }
    long size = r.getLong();
    byte[] root = new byte[Hash.SIZE];
    r.get(root);
    CRC32C crc = new CRC32C();
    crc.update(b, off, RECORD - 4);
    if (r.getInt() != (int) crc.getValue() || size < 0) {
      return Optional.empty();
    }
    return Optional.of(new TreeHead(size, Hash.of(root)));
  }

  private static byte[] encode(TreeHead head) {
    ByteBuffer r = ByteBuffer.allocate(RECORD).putInt(MAGIC).putLong(head.size());
    head.root().copyTo(r.array(), r.position());
    r.position(r.position() + Hash.SIZE);
    CRC32C crc = new CRC32C();
    crc.update(r.array(), 0, RECORD - 4);
    return r.putInt((int) crc.getValue()).array();
  }

  @Override
  public synchronized void save(TreeHead head) throws IOException {
    byte[] record = encode(head);
    if (channel == null || channel.size() >= COMPACT_AT) {
      // Start a fresh file holding just this record, atomically replacing the old one.
      close();
      try {
        AtomicFiles.write(file, record, tmp);
      } catch (IOException e) {
        throw new IOException("couldn't save the tree state to " + file + ": " + e.getMessage(),
            e);
      }
      channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      return;
    }
    long at = channel.size();
    try {
      ByteBuffer b = ByteBuffer.wrap(record);
      while (b.hasRemaining()) {
        channel.write(b);
      }
      channel.force(false);
    } catch (IOException e) {
      // A partial record would shift every later one off the 48-byte grid that load() reads,
      // hiding them all. Cut it off if we can; either way the next save replaces the file.
      try {
        channel.truncate(at);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      try {
        close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IOException("couldn't save the tree state to " + file + ": " + e.getMessage(), e);
    }
  }

  /** Closes the open file, if any. */
  @Override
  public synchronized void close() throws IOException {
    if (channel != null) {
      FileChannel c = channel;
      channel = null;
      c.close();
    }
  }
}
