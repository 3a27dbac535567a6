package dev.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreContract;
import dev.cairn.log.storage.StorageException;
import dev.cairn.tile.HashTile;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * {@link S3ObjectStore} on s3proxy against the object store contract, each test in a prefix of
 * its own in one bucket; plus its URL, the headers a CDN sees, and failures.
 */
class S3ObjectStoreTest extends ObjectStoreContract {
  @TempDir static Path dir;
  static TestS3 s3;
  static final AtomicInteger tests = new AtomicInteger();
  String prefix;

  @BeforeAll
  static void start() throws Exception {
    s3 = TestS3.start(dir);
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  @BeforeEach
  void freshPrefix() {
    prefix = "test-" + tests.incrementAndGet();
  }

  @Override
  protected ObjectStore store() {
    return s3.open(prefix);
  }

  @Override
  protected ObjectStore reopen() {
    return s3.open(prefix);
  }

  @Test
  void partialsOfTilesBegunByThisStoreAreDeletedWithoutListingAndThoseBeforeByListing()
      throws Exception {
    S3ObjectStore before = s3.open(prefix);
    before.create("tile/0/000.p/9", new byte[9 * 32]); // an earlier writer's
    S3ObjectStore store = s3.open(prefix);
    store.create("tile/0/000.p/12", new byte[12 * 32]);
    store.create("tile/0/001.p/3", new byte[3 * 32]);
    store.create("tile/0/001.p/7", new byte[7 * 32]);
    store.deletePartials(dev.cairn.tile.TilePath.parse("tile/0/001"), w -> w < 7);
    store.deletePartials(dev.cairn.tile.TilePath.parse("tile/0/000"), w -> true);
    S3ObjectStore reader = s3.open(prefix);
    assertThat(reader.get("tile/0/001.p/3")).isEmpty();
    assertThat(reader.get("tile/0/001.p/7")).as("a width not accepted stays").isPresent();
    assertThat(reader.get("tile/0/000.p/9")).as("listed: the earlier writer's goes too")
        .isEmpty();
    assertThat(reader.get("tile/0/000.p/12")).isEmpty();
    store.deletePartials(dev.cairn.tile.TilePath.parse("tile/0/001"), w -> true);
    assertThat(reader.get("tile/0/001.p/7")).isEmpty();
  }

  @Test
  void parsesAUrlWithEveryPart() {
    S3Location l = S3Location.parse(
        "s3://my.bucket-1/logs/a_b/c.d?endpoint=http://127.0.0.1:9000&region=eu-west-1"
            + "&path_style=true");
    assertThat(l).isEqualTo(new S3Location("my.bucket-1", "logs/a_b/c.d",
        Optional.of(URI.create("http://127.0.0.1:9000")), "eu-west-1", true));
    assertThat(S3Location.parse(l.toString())).isEqualTo(l);
    assertThat(l.key("tile/0/000")).isEqualTo("logs/a_b/c.d/tile/0/000");
  }

  @Test
  void aBareBucketIsOnAwsInUsEast1AtTheRoot() {
    S3Location l = S3Location.parse("s3://bucket");
    assertThat(l).isEqualTo(new S3Location("bucket", "", Optional.empty(), "us-east-1", false));
    assertThat(S3Location.parse("s3://bucket/")).isEqualTo(l);
    assertThat(S3Location.parse(l.toString())).isEqualTo(l);
    assertThat(l.key("checkpoint")).isEqualTo("checkpoint");
  }

  static Stream<Arguments> badUrls() {
    return Stream.of(
        Arguments.of("http://bucket/x", "not an s3:// URL"),
        Arguments.of("s3://", "missing bucket"),
        Arguments.of("s3:///logs", "missing bucket"),
        Arguments.of("s3://?region=us-east-1", "missing bucket"),
        Arguments.of("s3://ab", "bad bucket name 'ab'"),
        Arguments.of("s3://My_Bucket", "bad bucket name 'My_Bucket'"),
        Arguments.of("s3://bucket-", "bad bucket name"),
        Arguments.of("s3://bucket/a//b", "bad prefix 'a//b'"),
        Arguments.of("s3://bucket/a/", "bad prefix 'a/'"),
        Arguments.of("s3://bucket/../x", "bad prefix '../x'"),
        Arguments.of("s3://bucket/a b", "bad prefix 'a b'"),
        Arguments.of("s3://bucket#x", "no fragment"),
        Arguments.of("s3://bucket?secret=x", "unknown parameter 'secret'"),
        Arguments.of("s3://bucket?Region=us-east-1", "unknown parameter 'Region'"),
        Arguments.of("s3://bucket?region", "bad parameter 'region'"),
        Arguments.of("s3://bucket?region=a&region=b", "parameter 'region' given twice"),
        Arguments.of("s3://bucket?region=US_EAST", "bad region 'US_EAST'"),
        Arguments.of("s3://bucket?path_style=yes", "bad path_style 'yes'"),
        Arguments.of("s3://bucket?endpoint=", "bad endpoint ''"),
        Arguments.of("s3://bucket?endpoint=localhost:9000", "bad endpoint 'localhost:9000'"),
        Arguments.of("s3://bucket?endpoint=ftp://h", "bad endpoint 'ftp://h'"),
        Arguments.of("s3://bucket?endpoint=http://h:9000/b", "bad endpoint 'http://h:9000/b'"),
        Arguments.of("s3://bucket?endpoint=http://h:9000?x", "bad endpoint"),
        Arguments.of("s3://bucket?endpoint=http://a b", "bad endpoint 'http://a b'"));
  }

  @ParameterizedTest
  @MethodSource("badUrls")
  void refusesABadUrlSayingWhatIsWrong(String url, String message) {
    assertThatThrownBy(() -> S3Location.parse(url))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    assertThatThrownBy(() -> S3ObjectStore.open(url, s3.credentials()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  @Test
  void credentialsInTheUrlAreRefusedWithoutRepeatingThem() {
    assertThatThrownBy(() -> S3Location.parse("s3://AKIDEXAMPLE:s3cr3t@bucket/logs"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("carries no credentials").hasMessageNotContaining("s3cr3t");
    assertThatThrownBy(() -> S3Location.parse("s3://bucket?endpoint=http://me:s3cr3t@h:9000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad endpoint").hasMessageNotContaining("s3cr3t");
  }

  @Test
  void fullObjectsAreServedAsImmutableAndPartialOnesAndTheCheckpointBriefly() throws Exception {
    ObjectStore s = store();
    s.create("tile/0/000", new byte[8192]);
    s.create("tile/0/001.p/3", new byte[96]);
    s.create("tile/entries/000", new byte[] {0, 1, 7});
    s.publishCheckpoint("example.com/log\n1\n".getBytes());
    assertThat(served("tile/0/000")).satisfies(r -> {
      assertThat(r.body()).hasSize(8192);
      assertThat(r.headers().firstValue("Cache-Control"))
          .hasValue("public, max-age=31536000, immutable");
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    });
    assertThat(served("tile/entries/000").headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=31536000, immutable");
    assertThat(served("tile/0/001.p/3").headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=5");
    assertThat(served("checkpoint")).satisfies(r -> {
      assertThat(r.body()).asString().isEqualTo("example.com/log\n1\n");
      assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
      // s3proxy (Jetty) drops the space after the ';'.
      assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t ->
          assertThat(t.replace(" ", "")).isEqualTo("text/plain;charset=utf-8"));
    });
  }

  @Test
  void aPrefixIsolatesStoresInOneBucket() throws Exception {
    ObjectStore a = s3.open(prefix + "/a");
    ObjectStore b = s3.open(prefix + "/b");
    a.create("tile/0/000", new byte[] {1});
    b.create("tile/0/000", new byte[] {2}); // no conflict: another object
    a.create("tile/0/001.p/1", new byte[32]);
    b.create("tile/0/001.p/1", new byte[32]);
    a.publishCheckpoint(new byte[] {'a'});
    a.deletePartials(HashTile.full(0, 1), w -> true);
    assertThat(a.get("tile/0/000")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
    assertThat(b.get("tile/0/000")).hasValueSatisfying(v -> assertThat(v).containsExactly(2));
    assertThat(a.get("tile/0/001.p/1")).isEmpty();
    assertThat(b.get("tile/0/001.p/1")).isPresent();
    assertThat(b.get("checkpoint")).isEmpty();
    assertThat(s3.open(prefix).get("tile/0/000")).isEmpty();
    assertThat(served(prefix + "/a", "tile/0/000").body()).containsExactly(1);
  }

  @Test
  void createAllLandsEveryOtherObjectBeforeReportingAConflict() throws Exception {
    ObjectStore s = store();
    s.create("tile/0/007", new byte[] {1});
    Map<String, byte[]> batch = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      batch.put(String.format("tile/0/%03d", i), new byte[] {(byte) i});
    }
    assertThatThrownBy(() -> s.createAll(batch))
        .isInstanceOfSatisfying(StorageException.class,
            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.CONFLICT))
        .hasMessageContaining("s3://cairn/" + prefix + "/tile/0/007");
    for (var o : batch.entrySet()) {
      if (!o.getKey().equals("tile/0/007")) {
        assertThat(s.get(o.getKey())).hasValueSatisfying(v -> assertThat(v).isEqualTo(o.getValue()));
      }
    }
    assertThat(s.get("tile/0/007")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
  }

  @Test
  void anUnreachableEndpointFailsPromptlyNamingTheObjectAndNotTheSecret() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    String secret = s3.credentials().resolveCredentials().secretAccessKey();
    try (S3ObjectStore s = S3ObjectStore.open("s3://cairn/logs?endpoint=http://127.0.0.1:"
        + closedPort + "&path_style=true", s3.credentials())) {
      // A guard against a hang, generous for a slow machine: refused connections, 3 attempts.
      assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
        assertThatThrownBy(() -> s.create("tile/0/000", new byte[] {1}))
            .isInstanceOfSatisfying(StorageException.class,
                e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.OTHER))
            .hasMessageContaining("couldn't put s3://cairn/logs/tile/0/000")
            .hasMessageNotContaining(secret);
        assertThatThrownBy(() -> s.get("checkpoint")).isInstanceOf(StorageException.class)
            .hasMessageContaining("couldn't get s3://cairn/logs/checkpoint");
      });
    }
  }

  @Test
  void aMissingBucketIsAFailureNotAnAbsentObject() {
    try (S3ObjectStore s = S3ObjectStore.open(s3.url("").replace("s3://cairn", "s3://nope"),
        s3.credentials())) {
      assertThatThrownBy(() -> s.get("tile/0/000")).isInstanceOf(StorageException.class)
          .hasMessageContaining("couldn't get s3://nope/tile/0/000: HTTP 404 NoSuchBucket");
    }
  }

  /** The object at {@code path} in this test's store as an anonymous HTTP client gets it. */
  private HttpResponse<byte[]> served(String path) throws Exception {
    return served(prefix, path);
  }

  private static HttpResponse<byte[]> served(String prefix, String path) throws Exception {
    try (S3Presigner presigner = S3Presigner.builder()
        .endpointOverride(s3.endpoint())
        .region(Region.of(TestS3.REGION))
        .credentialsProvider(s3.credentials())
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build();
        HttpClient http = HttpClient.newHttpClient()) {
      URI url = presigner.presignGetObject(p -> p.signatureDuration(Duration.ofMinutes(5))
          .getObjectRequest(g -> g.bucket(TestS3.BUCKET).key(prefix + "/" + path)))
          .url().toURI();
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(url).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      return response;
    }
  }
}
