package dev.cairn.read;

import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The bundles a {@link Replay} hashes, each with its level-0 tile, in index order, at the widths
 * they have in the tree it replays to. A local reader ({@link LogReader#parallelism()} 1) is read
 * on the calling thread, which is the fastest there is for files in the page cache; a remote one
 * is read ahead on virtual threads, {@code parallelism()} bundles in flight, so that round trips
 * overlap while the caller hashes. Either way the caller sees the same items in the same order,
 * and the first failure it sees is that of the first bundle that failed.
 */
abstract sealed class BundleFeed implements AutoCloseable {
  /** A bundle's entries and its level-0 tile (the leaf hashes), as the reader returned them. */
  record Item(EntryBundle bundle, byte[] entries, HashTile tile, byte[] leafHashes) {}

  final LogReader reader;
  final long size;
  long next;

  private BundleFeed(LogReader reader, long from, long size) {
    this.reader = reader;
    this.size = size;
    this.next = from / TilePath.FULL_WIDTH;
  }

  /** The bundles holding entries {@code from} to {@code size - 1}, at their widths in that tree. */
  static BundleFeed open(LogReader reader, long from, long size) {
    return reader.parallelism() <= 1 ? new OnCaller(reader, from, size)
        : new Ahead(reader, from, size, reader.parallelism());
  }

  /** The next bundle: as many as hold entries {@code from} to {@code size - 1}, then none. */
  abstract Item next() throws IOException;

  @Override
  public abstract void close();

  boolean more() {
    return next * TilePath.FULL_WIDTH < size;
  }

  Item read(long index) throws IOException {
    int width = (int) Math.min(TilePath.FULL_WIDTH, size - index * TilePath.FULL_WIDTH);
    EntryBundle b = new EntryBundle(index, width);
    HashTile t = new HashTile(0, index, width);
    byte[] entries = reader.readBundle(b);
    return new Item(b, entries, t, reader.readTile(t));
  }

  /** Reads each bundle when it is asked for. */
  static final class OnCaller extends BundleFeed {
    OnCaller(LogReader reader, long from, long size) {
      super(reader, from, size);
    }

    @Override
    Item next() throws IOException {
      if (!more()) {
        throw new IllegalStateException("no bundle after " + (next - 1));
      }
      return read(next++);
    }

    @Override
    public void close() {}
  }

  /** Keeps {@code window} bundles in flight on virtual threads. */
  static final class Ahead extends BundleFeed {
    private final int window;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final ArrayDeque<Future<Item>> inFlight = new ArrayDeque<>();

    Ahead(LogReader reader, long from, long size, int window) {
      super(reader, from, size);
      this.window = window;
    }

    @Override
    Item next() throws IOException {
      while (inFlight.size() < window && more()) {
        long index = next++;
        inFlight.add(threads.submit(() -> read(index)));
      }
      Future<Item> first = inFlight.poll();
      if (first == null) {
        throw new IllegalStateException("no bundle after " + (next - 1));
      }
      try {
        return first.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted reading " + reader.describe());
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof IOException io) {
          throw io;
        }
        if (cause instanceof RuntimeException r) {
          throw r;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException("reading " + reader.describe() + " failed", cause);
      }
    }

    /** Stops the reads still in flight (a replay that failed needs none of them). */
    @Override
    public void close() {
      inFlight.forEach(f -> f.cancel(true));
      threads.shutdownNow();
      threads.close();
    }
  }
}
