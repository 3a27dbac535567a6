package dev.cairn.cluster;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * An S3-compatible service for tests: s3proxy in this process on a loopback port, keeping
 * objects as files under a directory, with one bucket, {@value #BUCKET}, and a fixed test
 * identity that every request must be signed with (AWS signature v2 or v4).
 */
public final class TestS3 implements AutoCloseable {
  /** The bucket that exists from the start. */
  public static final String BUCKET = "cairn";
  /** The region the URLs name; s3proxy accepts any. */
  public static final String REGION = "us-east-1";
  private static final String IDENTITY = "cairn-test-identity";
  private static final String CREDENTIAL = "cairn-test-credential";

  private final S3Proxy proxy;
  private final BlobStore blobs;
  private final URI endpoint;
  private final List<S3ObjectStore> opened = new ArrayList<>();
  private final List<S3Proxy> readers = new ArrayList<>();

  private TestS3(S3Proxy proxy, BlobStore blobs) {
    this.proxy = proxy;
    this.blobs = blobs;
    this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /** Starts the service with its objects under {@code dir} (a test's temporary directory). */
  public static TestS3 start(Path dir) throws Exception {
    java.nio.file.Files.createDirectories(dir);
    BlobStore blobs = new FilesystemNio2BlobStore(dir.toAbsolutePath().toString());
    blobs.createContainer(BUCKET);
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(blobs)
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, IDENTITY, CREDENTIAL)
        .stopTimeout(0) // no grace: a test's idle keep-alive connections would hold it up
        .build();
    proxy.start();
    return new TestS3(proxy, blobs);
  }

  /** The service's base URL, {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return endpoint;
  }

  /** The access key id the service accepts (AWS_ACCESS_KEY_ID of a node). */
  public String accessKeyId() {
    return IDENTITY;
  }

  /** The secret the service accepts (AWS_SECRET_ACCESS_KEY of a node). */
  public String secretAccessKey() {
    return CREDENTIAL;
  }

  /**
   * Serves the same bucket without authentication on another port, as a public bucket or a CDN
   * in front of it would, and returns the bucket's base URL there (ending in a slash): what
   * any tlog-tiles client reads directly. Stopped with the service.
   */
  public synchronized URI startPublicReader() throws Exception {
    S3Proxy open = S3Proxy.builder()
        .blobStore(blobs)
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.NONE, "", "")
        .stopTimeout(0)
        .build();
    open.start();
    readers.add(open);
    return URI.create("http://127.0.0.1:" + open.getPort() + "/" + BUCKET + "/");
  }

  /** The credentials the service accepts. */
  public AwsCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL));
  }

  /** The {@link S3ObjectStore} URL of {@code prefix} ("" for the bucket's root) in the bucket. */
  public String url(String prefix) {
    return "s3://" + BUCKET + (prefix.isEmpty() ? "" : "/" + prefix) + "?endpoint=" + endpoint
        + "&region=" + REGION + "&path_style=true";
  }

  /** A store at {@code prefix} with the service's credentials, closed with the service. */
  public synchronized S3ObjectStore open(String prefix) {
    S3ObjectStore store = S3ObjectStore.open(url(prefix), credentials());
    opened.add(store);
    return store;
  }

  /** Closes the stores {@link #open} made and stops the service. */
  @Override
  public synchronized void close() {
    opened.forEach(S3ObjectStore::close);
    try {
      for (S3Proxy r : readers) {
        r.stop();
      }
      proxy.stop();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("couldn't stop s3proxy", e);
    } finally {
      blobs.close();
    }
  }
}
