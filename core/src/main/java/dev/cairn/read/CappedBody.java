package dev.cairn.read;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An HTTP answer's body, collected up to a cap and within a deadline from its start, for the
 * JDK's {@code HttpClient} (whose own timeout ends with the headers): a server that sends too
 * much, or stops sending mid-body, is hung up on instead of holding the reader.
 */
public final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final URI uri;
  private final int cap;
  private final long declared;
  private final Duration timeout;
  private final String allowed;
  private Flow.Subscription subscription;

  private CappedBody(URI uri, int cap, long declared, Duration timeout, String allowed) {
    this.uri = uri;
    this.cap = cap;
    this.declared = declared;
    this.timeout = timeout;
    this.allowed = allowed;
  }

  /**
   * The body from {@code uri}, which says it has {@code declared} bytes (-1 if it does not say):
   * longer than {@code cap}, it fails with {@link MalformedObjectException} saying the answer was
   * more than {@code allowed} (e.g. "the 8192 bytes of the largest valid tile"), without reading
   * the rest.
   */
  public static CappedBody refusing(URI uri, int cap, long declared, Duration timeout,
      String allowed) {
    return new CappedBody(uri, cap, declared, timeout, allowed);
  }

  /** An error answer's body, cut at {@code cap} bytes. */
  public static CappedBody cutting(int cap, Duration timeout) {
    return new CappedBody(null, cap, -1, timeout, null);
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (declared > cap) {
      tooLong(declared);
      return;
    }
    // A server that stops sending mid-body: give up, and hang up.
    result.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((body, failed) -> {
      if (failed instanceof TimeoutException) {
        s.cancel();
      }
    });
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    for (ByteBuffer b : items) {
      if (result.isDone()) {
        return;
      }
      int room = cap - out.size();
      if (b.remaining() > room) {
        if (uri != null) {
          tooLong(out.size() + (long) b.remaining());
          return;
        }
        b.limit(b.position() + room);
      }
      byte[] chunk = new byte[b.remaining()];
      b.get(chunk);
      out.write(chunk, 0, chunk.length);
      if (uri == null && out.size() == cap) {
        subscription.cancel();
        result.complete(out.toByteArray());
      }
    }
  }

  private void tooLong(long size) {
    subscription.cancel();
    result.completeExceptionally(new MalformedObjectException(uri + " answered "
        + (size == declared ? "" : "at least ") + size + " bytes, more than " + allowed));
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    result.complete(out.toByteArray());
  }
}
