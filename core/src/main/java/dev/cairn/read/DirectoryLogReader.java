package dev.cairn.read;

import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A log kept as a directory of static tlog-tiles files: {@code <root>/tile/<L>/<N>[.p/<W>]},
 * {@code <root>/tile/entries/<N>[.p/<W>]} and a checkpoint file (by default {@code
 * <root>/checkpoint}). A log's data directory keeps one under {@code tiles/}, a backup another.
 *
 * <p>A tile or bundle is read at its exact width; if that partial file is gone (a log MAY delete
 * a partial once the full one exists), the full one is read and cut, then any wider partial in
 * {@code <N>.p/}, then the full one again, so a reader racing a log that completes and deletes
 * tiles still finds one. Every object is checked to have the shape tlog-tiles gives it ({@link
 * Shapes}), and no file larger than the largest valid object is read. File names are only ever
 * built from a {@link TilePath}, never from a string a caller passes.
 *
 * <p>Reads nothing but what it is asked for and holds no state: thread-safe, and safe while a log
 * writes into the same directory.
 */
public final class DirectoryLogReader implements LogReader {
  private final Path root;
  private final Path checkpoint;

  private DirectoryLogReader(Path root, Path checkpoint) {
    this.root = root;
    this.checkpoint = checkpoint;
  }

  /** The tiles under {@code root}, with the checkpoint at {@code root/checkpoint}. */
  public static DirectoryLogReader open(Path root) throws IOException {
    return open(root, root.resolve("checkpoint"));
  }

  /**
   * The tiles under {@code root}, with the checkpoint in the file {@code checkpoint} (a log's data
   * directory and a backup keep it outside the tiles).
   *
   * @throws NotDirectoryException if {@code root} is not a directory
   */
  public static DirectoryLogReader open(Path root, Path checkpoint) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new NotDirectoryException(root.toString());
    }
    return new DirectoryLogReader(root, checkpoint);
  }

  @Override
  public String describe() {
    return "tiles directory " + root;
  }

  @Override
  public byte[] checkpoint() throws IOException {
    return read(checkpoint, Shapes.MAX_CHECKPOINT_BYTES);
  }

  @Override
  public byte[] readTile(HashTile tile) throws IOException {
    return Shapes.tile(tile, locate(tile));
  }

  @Override
  public byte[] readBundle(EntryBundle bundle) throws IOException {
    return Shapes.bundle(bundle, locate(bundle));
  }

  /** The file of {@code asked} at its width, or of the full or a wider version of it. */
  private Shapes.Stored locate(TilePath asked) throws IOException {
    List<TilePath> tries = new ArrayList<>();
    tries.add(asked);
    if (asked.isPartial()) {
      TilePath full = asked.withWidth(TilePath.FULL_WIDTH);
      tries.add(full);
      tries.addAll(widerPartials(asked));
      tries.add(full); // the partials may have been deleted since the full tile was missing
    }
    for (TilePath p : tries) {
      Path file = root.resolve(p.path());
      try {
        return new Shapes.Stored(p, read(file, Shapes.cap(p)), file.toString());
      } catch (NoSuchFileException e) {
        // try the next version
      }
    }
    String what = asked instanceof HashTile ? "tile" : "bundle";
    throw new NoSuchFileException(root.resolve(asked.path()).toString(), null, asked.isPartial()
        ? "no such file, nor a full or wider " + what + " to cut it from" : "no such file");
  }

  /** The partials of {@code asked}'s tile wider than it, narrowest first. */
  private List<TilePath> widerPartials(TilePath asked) throws IOException {
    TilePath full = asked.withWidth(TilePath.FULL_WIDTH);
    Path dir = root.resolve(asked.withWidth(1).path()).getParent();
    List<TilePath> wider = new ArrayList<>();
    try (DirectoryStream<Path> names = Files.newDirectoryStream(dir)) {
      for (Path name : names) {
        TilePath p;
        try {
          p = TilePath.parse(full.path() + ".p/" + name.getFileName());
        } catch (IllegalArgumentException e) {
          continue; // not a partial's name: a temporary file, say
        }
        if (p.width() > asked.width()) {
          wider.add(p);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    }
    wider.sort(Comparator.comparingInt(TilePath::width));
    return wider;
  }

  /** The bytes of {@code file}, refusing one larger than {@code cap}. */
  private static byte[] read(Path file, int cap) throws IOException {
    try (SeekableByteChannel ch = Files.newByteChannel(file)) {
      long size = ch.size();
      if (size > cap) {
        throw new MalformedObjectException(file + " has " + size + " bytes, more than the "
            + cap + " of the largest valid one");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining()) {
        if (ch.read(buf) < 0) {
          throw new IOException(file + " shrank while it was read");
        }
      }
      return buf.array();
    }
  }
}
