package dev.cairn.log.http;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Content;

/**
 * Reads request bodies without holding Jetty's network buffers: every chunk is copied into the
 * body (or only counted, when discarding) and released at once, so a body costs its own bytes
 * and nothing more however slowly, in however many pieces, it arrives.
 */
final class Bodies {
  private Bodies() {}

  /**
   * Reads a body of at most {@code max} bytes; {@code declared} is its length if known (else
   * -1). Fails with {@link HttpError}: 413 beyond {@code max} (the rest is left unread), 408 if
   * the body stopped arriving for the idle timeout, 400 if the connection broke mid-body.
   */
  static CompletableFuture<byte[]> read(Content.Source source, int max, long declared) {
    Reader r = new Reader(source, max, declared);
    r.run();
    return r.done;
  }

  /**
   * Reads and drops a body until it ends or {@code limit} bytes were dropped; completes with
   * whether it ended (false also if it failed or stopped arriving). Holds no bytes.
   */
  static CompletableFuture<Boolean> discard(Content.Source source, long limit) {
    Discarder d = new Discarder(source, limit);
    d.run();
    return d.done;
  }

  /** The failure a broken body read is answered with: the client's fault, not the log's. */
  static HttpError readFailure(Throwable t) {
    return t instanceof TimeoutException
        ? new HttpError(408, "the request body stopped arriving (idle timeout)")
        : new HttpError(400, "the request body could not be read: " + t);
  }

  /** Reads a body's chunks as they come, handing each to {@link #take} and releasing it. */
  private abstract static class ChunkReader<T> implements Runnable {
    final CompletableFuture<T> done = new CompletableFuture<>();
    private final Content.Source source;

    ChunkReader(Content.Source source) {
      this.source = source;
    }

    /** Takes a chunk's bytes ({@code last} if the body ends with it); false once done. */
    abstract boolean take(ByteBuffer bytes, boolean last);

    /** The body could not be read. */
    abstract void failed(Throwable failure);

    @Override
    public final void run() {
      while (true) {
        Content.Chunk chunk = source.read();
        if (chunk == null) {
          source.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          failed(chunk.getFailure());
          return;
        }
        boolean more;
        try {
          more = take(chunk.getByteBuffer(), chunk.isLast());
        } finally {
          chunk.release();
        }
        if (!more) {
          return;
        }
      }
    }
  }

  private static final class Reader extends ChunkReader<byte[]> {
    private final int max;
    private byte[] body;
    private int length;

    Reader(Content.Source source, int max, long declared) {
      super(source);
      this.max = max;
      // Chunked: grow as it comes, so a short body costs little of what was reserved for it.
      this.body = new byte[declared >= 0 ? (int) declared : Math.min(max, 8192)];
    }

    @Override
    boolean take(ByteBuffer bytes, boolean last) {
      if (!append(bytes)) {
        done.completeExceptionally(new HttpError(413, "request body is larger than the " + max
            + " bytes allowed"));
        return false;
      }
      if (last) {
        done.complete(length == body.length ? body : Arrays.copyOf(body, length));
        return false;
      }
      return true;
    }

    @Override
    void failed(Throwable failure) {
      done.completeExceptionally(readFailure(failure));
    }

    private boolean append(ByteBuffer b) {
      int n = b.remaining();
      if (n > max - length) {
        return false;
      }
      if (length + n > body.length) {
        body = Arrays.copyOf(body, (int) Math.min(max, Math.max(length + n,
            2L * body.length)));
      }
      b.get(body, length, n);
      length += n;
      return true;
    }
  }

  private static final class Discarder extends ChunkReader<Boolean> {
    private final long limit;
    private long dropped;

    Discarder(Content.Source source, long limit) {
      super(source);
      this.limit = limit;
    }

    @Override
    boolean take(ByteBuffer bytes, boolean last) {
      dropped += bytes.remaining();
      if (last || dropped > limit) {
        done.complete(last && dropped <= limit);
        return false;
      }
      return true;
    }

    @Override
    void failed(Throwable failure) {
      done.complete(false);
    }
  }
}
