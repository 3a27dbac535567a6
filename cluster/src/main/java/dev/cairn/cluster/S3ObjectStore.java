package dev.cairn.cluster;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StorageException.Kind;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.IntPredicate;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3-compatible bucket under a key prefix ({@link S3Location}), at their
 * tlog-tiles paths, so the bucket is a static log a CDN can serve as it is.
 *
 * <p>Immutability rests on the service's conditional writes: {@link #create} puts with {@code
 * If-None-Match: *}, which fails with 412 where the key exists, and then compares the stored
 * bytes. The service MUST honour that header (AWS S3 since 2024, MinIO, Cloudflare R2, s3proxy);
 * one that ignores it would silently replace objects. S3 writes are atomic and, once
 * acknowledged, durable and strongly consistent for reads, as the {@link ObjectStore} contract
 * asks.
 *
 * <p>Full tiles and bundles are served as immutable for a year; partial ones, which are deleted
 * once their tile fills, and the checkpoint only briefly or not at all.
 *
 * <p>Failures come as {@link StorageException}s naming the object and the service's status:
 * {@code CONFLICT} for other bytes at an object's key, {@code NO_SPACE} for HTTP 507 (MinIO's
 * full disk), otherwise {@code OTHER}, which the log retries. The SDK itself retries a few times
 * within each call, with connect and read timeouts, so no call hangs on a dead endpoint.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {
  private final Map<String, Long> firstTile = new ConcurrentHashMap<>();
  private final Map<String, Set<Integer>> partials = new ConcurrentHashMap<>();
  private static final String IMMUTABLE = "public, max-age=31536000, immutable";
  private static final String SHORT_LIVED = "public, max-age=5";
  private static final String NO_CACHE = "no-cache";
  private static final String OCTET_STREAM = "application/octet-stream";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
  private static final int ATTEMPTS = 3;
  /** Puts in flight at once across all of {@link #createAll}'s callers. */
  private static final int MAX_IN_FLIGHT = 32;
  private static final Pattern WIDTH = Pattern.compile("[1-9][0-9]{0,2}");

  private final S3Location location;
  private final S3Client s3;
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

  private S3ObjectStore(S3Location location, S3Client s3) {
    this.location = location;
    this.s3 = s3;
  }

  /**
   * A store at {@code url} ({@link S3Location#parse}), with credentials from the AWS default
   * chain (the environment's {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY}, the
   * profile files, the instance's role…).
   *
   * @throws IllegalArgumentException if the URL is not valid
   */
  public static S3ObjectStore open(String url) {
    S3Location location = S3Location.parse(url);
    // No credentials provider: the SDK's default chain, closed with the client.
    return new S3ObjectStore(location, client(location).build());
  }

  /**
   * A store at {@code url} ({@link S3Location#parse}) with {@code credentials}.
   *
   * @throws IllegalArgumentException if the URL is not valid
   */
  public static S3ObjectStore open(String url, AwsCredentialsProvider credentials) {
    S3Location location = S3Location.parse(url);
    return new S3ObjectStore(location,
        client(location).credentialsProvider(credentials).build());
  }

  private static S3ClientBuilder client(S3Location location) {
    S3ClientBuilder builder = S3Client.builder()
        .region(Region.of(location.region()))
        .forcePathStyle(location.pathStyle())
        // Over plain HTTP the SDK otherwise signs each upload chunk by chunk (aws-chunked),
        // measured as the largest cost of the integrating node's puts.
        .serviceConfiguration(c -> c.chunkedEncodingEnabled(false))
        // Integrity rests on the log's own hashes (every tile and bundle is checked against
        // the tree when read); an extra CRC of every upload costs CPU and proves nothing more.
        .requestChecksumCalculation(
            software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(
            software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClientBuilder(UrlConnectionHttpClient.builder()
            .connectionTimeout(CONNECT_TIMEOUT)
            .socketTimeout(READ_TIMEOUT))
        .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(ATTEMPTS)));
    location.endpoint().ifPresent(builder::endpointOverride);
    return builder;
  }

  /** Where the objects are. */
  public S3Location location() {
    return location;
  }

  /**
   * Puts the object unless its key exists ({@code If-None-Match: *}); where it does (412), reads
   * it back: the same bytes are success, others a {@code CONFLICT}. Two puts of one key at once
   * may make AWS answer 409 to one of them, an {@code OTHER} failure: retried, it reads back.
   */
  @Override
  public void create(String path, byte[] data) throws IOException {
    TilePath tile = tilePath(path);
    boolean partial = tile.isPartial();
    written(tile);
    try {
      s3.putObject(b -> b.bucket(location.bucket()).key(location.key(path))
              .ifNoneMatch("*")
              .cacheControl(partial ? SHORT_LIVED : IMMUTABLE)
              .contentType(OCTET_STREAM),
          RequestBody.fromBytes(data));
      return;
    } catch (S3Exception e) {
      if (e.statusCode() != 412) {
        throw failure("put", path, e);
      }
    } catch (SdkException e) {
      throw failure("put", path, e);
    }
    // Only a partial can vanish in between: deletePartials took it, so it is no longer needed.
    byte[] stored = get(path).orElseThrow(() -> new StorageException(Kind.OTHER,
        location.where(path) + " existed when put and was gone when read back"));
    if (!Arrays.equals(stored, data)) {
      throw new StorageException(Kind.CONFLICT, location.where(path) + " already holds "
          + stored.length + " other bytes than the " + data.length + " being written: objects"
          + " never change, so the stored log and the one being written disagree");
    }
  }

  /**
   * Puts the objects in parallel, each as {@link #create} does, with at most {@value
   * #MAX_IN_FLIGHT} puts of this store in flight; returns when all have landed, or throws the
   * first failure (with the others suppressed) once every put has finished.
   */
  @Override
  public void createAll(Map<String, byte[]> objects) throws IOException {
    objects.keySet().forEach(S3ObjectStore::tilePath); // refuse a bad path before any put
    List<Future<Void>> puts = new ArrayList<>(objects.size());
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Map.Entry<String, byte[]> o : objects.entrySet()) {
        puts.add(pool.submit(() -> {
          inFlight.acquire();
          try {
            create(o.getKey(), o.getValue());
            return null;
          } finally {
            inFlight.release();
          }
        }));
      }
    } // waits for every put
    IOException first = null;
    for (Future<Void> put : puts) {
      Throwable failed = switch (put.state()) {
        case SUCCESS -> null;
        case FAILED -> put.exceptionNow();
        default -> new InterruptedIOException("interrupted while putting objects");
      };
      if (failed == null) {
        continue;
      }
      if (first == null) {
        first = failed instanceof IOException io ? io
            : new StorageException(Kind.OTHER, failed.toString(), failed);
      } else if (failed != first) {
        first.addSuppressed(failed);
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public Optional<byte[]> get(String path) throws IOException {
    if (!path.equals(CHECKPOINT)) {
      tilePath(path);
    }
    try {
      return Optional.of(s3.getObjectAsBytes(b -> b.bucket(location.bucket())
          .key(location.key(path))).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw failure("get", path, e);
    }
  }

  /**
   * Lists {@code <full>.p/} and deletes the accepted widths in one batch: a tile has at most
   * 255 partials, within DeleteObjects' 1000 keys. Keys that are not a canonical width are left.
   */
  @Override
  public void deletePartials(TilePath full, IntPredicate widths) throws IOException {
    if (full.isPartial()) {
      throw new IllegalArgumentException(full.path() + " is not a full tile");
    }
    String dir = location.key(full.path() + ".p/");
    try {
      List<ObjectIdentifier> doomed = new ArrayList<>();
      Long first = firstTile.get(series(full));
      if (first != null && full.index() > first) {
        // Begun after this store's first write at its level: every partial of it is one this
        // store wrote (a log has one writer), so no listing is needed.
        for (int w : partials.getOrDefault(full.path(), Set.of())) {
          if (widths.test(w)) {
            doomed.add(ObjectIdentifier.builder().key(dir + w).build());
          }
        }
      } else {
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(location.bucket())
            .prefix(dir)).contents()) {
          String width = o.key().substring(dir.length());
          if (WIDTH.matcher(width).matches() && widths.test(Integer.parseInt(width))) {
            doomed.add(ObjectIdentifier.builder().key(o.key()).build());
          }
        }
      }
      if (doomed.isEmpty()) {
        return;
      }
      DeleteObjectsResponse deleted = s3.deleteObjects(b -> b.bucket(location.bucket())
          .delete(d -> d.objects(doomed).quiet(true)));
      if (!deleted.errors().isEmpty()) {
        var e = deleted.errors().getFirst();
        throw new StorageException(Kind.OTHER, "couldn't delete " + deleted.errors().size()
            + " partials of " + location.where(full.path()) + ", first s3://"
            + location.bucket() + "/" + e.key() + ": " + e.code() + " " + e.message());
      }
      partials.computeIfPresent(full.path(), (k, mine) -> {
        doomed.forEach(o -> mine.remove(Integer.parseInt(o.key().substring(dir.length()))));
        return mine.isEmpty() ? null : mine;
      });
    } catch (SdkException e) {
      throw failure("delete partials of", full.path(), e);
    }
  }

  /**
   * The paths of up to {@code limit} objects under this store's prefix, in key order: what a
   * restore names when it refuses a bucket that is not empty.
   */
  public List<String> list(int limit) throws IOException {
    String dir = location.key("");
    try {
      return s3.listObjectsV2(b -> b.bucket(location.bucket()).prefix(dir).maxKeys(limit))
          .contents().stream().map(o -> o.key().substring(dir.length())).toList();
    } catch (SdkException e) {
      throw failure("list", "", e);
    }
  }

  /**
   * Deletes every object under this store's prefix, a page of keys at a time. This is outside
   * the {@link ObjectStore} contract, under which only partial tiles are ever deleted: it is for
   * a forced restore, with every node of the log stopped.
   */
  public void deleteAll() throws IOException {
    String dir = location.key("");
    try {
      for (var page : s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(dir))) {
        List<ObjectIdentifier> doomed = page.contents().stream()
            .map(o -> ObjectIdentifier.builder().key(o.key()).build()).toList();
        if (doomed.isEmpty()) {
          continue;
        }
        DeleteObjectsResponse deleted = s3.deleteObjects(b -> b.bucket(location.bucket())
            .delete(d -> d.objects(doomed).quiet(true)));
        if (!deleted.errors().isEmpty()) {
          var e = deleted.errors().getFirst();
          throw new StorageException(Kind.OTHER, "couldn't delete " + deleted.errors().size()
              + " objects under " + location + ", first s3://" + location.bucket() + "/"
              + e.key() + ": " + e.code() + " " + e.message());
        }
      }
    } catch (SdkException e) {
      throw failure("delete the objects under", "", e);
    }
  }

  /**
   * Puts the checkpoint unconditionally, to be revalidated on every read. It never moves back
   * because the caller publishes only a checkpoint the coordinator's compare-and-swap accepted,
   * and only while holding the lease. (A holder that lost its lease mid-put could still land an
   * older note last; an {@code If-Match} on the ETag it wrote before would close that gap.)
   */
  @Override
  public void publishCheckpoint(byte[] note) throws IOException {
    try {
      s3.putObject(b -> b.bucket(location.bucket()).key(location.key(CHECKPOINT))
          .cacheControl(NO_CACHE).contentType(TEXT), RequestBody.fromBytes(note));
    } catch (SdkException e) {
      throw failure("put", CHECKPOINT, e);
    }
  }

  /** Closes the HTTP client (and the default credentials chain, if it was used). */
  @Override
  public void close() {
    s3.close();
  }

  @Override
  public String toString() {
    return "S3ObjectStore[" + location + "]";
  }

  /** The tile or bundle at {@code path}; anything else is refused. */
  /**
   * Records a write: per level (or the bundles), the first tile this store wrote anything of,
   * and the partial widths it wrote of each tile. With one writer per log, the tiles after that
   * first one have no partials but these, which lets {@link #deletePartials} skip listing —
   * two requests fewer per tile as it fills. (A holder that lost its lease and writes late
   * could leave a partial behind: garbage, never wrong.)
   */
  private void written(TilePath tile) {
    firstTile.merge(series(tile), tile.index(), Math::min);
    if (tile.isPartial()) {
      partials.computeIfAbsent(tile.withWidth(TilePath.FULL_WIDTH).path(),
          k -> ConcurrentHashMap.newKeySet()).add(tile.width());
    }
  }

  /**
   * Forgets what this store wrote: a new lease holder calls it, as another holder may have
   * written partials since (they are then found by listing).
   */
  public void forgetWrites() {
    firstTile.clear();
    partials.clear();
  }

  private static String series(TilePath tile) {
    return tile instanceof dev.cairn.tile.HashTile h ? "level " + h.level() : "entries";
  }

  private static TilePath tilePath(String path) {
    try {
      return TilePath.parse(path); // strict: only the canonical form of a tile path parses
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an object path: " + path, e);
    }
  }

  /** {@code e} as a {@link StorageException} naming the object and the service's answer. */
  private StorageException failure(String verb, String path, SdkException e) {
    String answer = e instanceof S3Exception s
        ? "HTTP " + s.statusCode() + (s.awsErrorDetails() != null
            && s.awsErrorDetails().errorCode() != null
            ? " " + s.awsErrorDetails().errorCode() : "")
        : e.getMessage();
    Kind kind = e instanceof S3Exception s && s.statusCode() == 507 ? Kind.NO_SPACE : Kind.OTHER;
    return new StorageException(kind, "couldn't " + verb + " " + location.where(path) + ": "
        + answer, e);
  }
}
