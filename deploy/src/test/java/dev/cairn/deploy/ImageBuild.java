package dev.cairn.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * An image layout written by {@code scripts/image} from the CLI that the build packaged
 * ({@code cli/target}), and what the tests read from it: its index, manifest, config and the
 * entries of its layers. The first test that asks builds it; the others reuse it.
 */
final class ImageBuild {
  static final Path REPOSITORY =
      Path.of(System.getProperty("cairn.repository.directory", "..")).toAbsolutePath().normalize();
  static final Path BUILD = REPOSITORY.resolve("deploy").resolve("target").resolve("image-test");
  static final ObjectMapper JSON = new ObjectMapper();
  private static final long BUILD_TIMEOUT_MINUTES = 10;

  private static ImageBuild first;

  final Path layout;
  final Path archive;
  final String digest;

  private ImageBuild(Path layout, Path archive, String digest) {
    this.layout = layout;
    this.archive = archive;
    this.digest = digest;
  }

  /** The image every test shares, built on first use; skips the test when there is no CLI. */
  static synchronized ImageBuild shared() throws IOException, InterruptedException {
    if (first == null) {
      first = build("first", REPOSITORY);
    }
    return first;
  }

  /**
   * Builds the image into {@code target/image-test/NAME}, running the script from
   * {@code workingDirectory} with a temporary directory of its own, and waits for it.
   */
  static ImageBuild build(String name, Path workingDirectory) throws IOException,
      InterruptedException {
    Path cli = REPOSITORY.resolve("cli").resolve("target");
    assumeTrue(Files.isRegularFile(cli.resolve("cairn.jar"))
        && Files.isDirectory(cli.resolve("lib")),
        "the CLI is not packaged in " + cli + ": run the module's tests with `mvn verify -pl deploy"
            + " -am` (or ./run-tests), which packages it first");
    Path output = BUILD.resolve(name);
    Path archive = BUILD.resolve(name + ".tar");
    Path tmp = BUILD.resolve(name + "-tmp");
    deleteTree(output);
    Files.deleteIfExists(archive);
    deleteTree(tmp);
    Files.createDirectories(tmp);
    Path log = BUILD.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(
        REPOSITORY.resolve("scripts").resolve("image").toString(),
        "--no-build", "--output", output.toString(), "--archive", archive.toString())
        .directory(workingDirectory.toFile())
        .redirectError(log.toFile());
    // The JDK running the tests builds the runtime (jlink), as ./cairn would find it.
    pb.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
    pb.environment().put("TMPDIR", tmp.toString());
    pb.environment().remove("SOURCE_DATE_EPOCH");
    long start = System.nanoTime();
    Process process = pb.start();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("scripts/image did not finish in " + BUILD_TIMEOUT_MINUTES
          + " minutes: " + Files.readString(log));
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    assertThat(process.exitValue()).as("scripts/image: %s", Files.readString(log)).isZero();
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left).as("scripts/image leaves nothing in its temporary directory").isEmpty();
    }
    System.out.printf("scripts/image built %s in %d s: %s%n", output, seconds,
        Files.readString(log).strip());
    assertThat(stdout).as("scripts/image prints the image's digest, and only that")
        .matches("sha256:[0-9a-f]{64}\n");
    return new ImageBuild(output, archive, stdout.strip());
  }

  JsonNode index() throws IOException {
    return JSON.readTree(layout.resolve("index.json").toFile());
  }

  JsonNode manifest() throws IOException {
    return JSON.readTree(blob(index().get("manifests").get(0).get("digest").asText()).toFile());
  }

  JsonNode config() throws IOException {
    return JSON.readTree(blob(manifest().get("config").get("digest").asText()).toFile());
  }

  /** The file of a blob, from its digest {@code sha256:HEX}. */
  Path blob(String digest) {
    assertThat(digest).matches("sha256:[0-9a-f]{64}");
    return layout.resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()));
  }

  /** The layers' compressed blobs, bottom first. */
  List<Path> layers() throws IOException {
    List<Path> layers = new ArrayList<>();
    for (JsonNode layer : manifest().get("layers")) {
      layers.add(blob(layer.get("digest").asText()));
    }
    return layers;
  }

  /** One entry of a layer's tar, as its ustar header (and pax path, if any) says. */
  record Entry(String name, char type, int mode, long uid, long gid, long size, long mtime,
      String uname, String gname, String link) {}

  /** The entries of a gzip'd tar, in their order; a small reader of ustar with pax names. */
  static List<Entry> entries(Path layer) throws IOException {
    List<Entry> entries = new ArrayList<>();
    try (InputStream in = new GZIPInputStream(Files.newInputStream(layer), 1 << 16)) {
      Map<String, String> pax = Map.of();
      while (true) {
        byte[] h = in.readNBytes(512);
        assertThat(h).as("a whole header block in %s", layer).hasSize(512);
        if (allZero(h)) {
          break;
        }
        assertThat(text(h, 257, 6)).as("ustar magic").isEqualTo("ustar");
        long checksum = 0;
        for (int i = 0; i < 512; i++) {
          checksum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
        }
        assertThat(octal(h, 148, 8)).as("header checksum").isEqualTo(checksum);
        char type = (char) h[156];
        long size = octal(h, 124, 12);
        byte[] data = type == 'x' ? in.readNBytes((int) size) : null;
        if (data == null) {
          in.skipNBytes(size);
        }
        in.skipNBytes((512 - size % 512) % 512);
        if (type == 'x') {
          pax = paxRecords(new String(data, StandardCharsets.UTF_8));
          continue;
        }
        String prefix = text(h, 345, 155);
        String name = pax.getOrDefault("path",
            (prefix.isEmpty() ? "" : prefix + "/") + text(h, 0, 100));
        entries.add(new Entry(name, type, (int) octal(h, 100, 8), octal(h, 108, 8),
            octal(h, 116, 8),
            size, octal(h, 136, 12), text(h, 265, 32), text(h, 297, 32),
            pax.getOrDefault("linkpath", text(h, 157, 100))));
        pax = Map.of();
      }
    }
    return entries;
  }

  private static Map<String, String> paxRecords(String records) {
    Map<String, String> map = new LinkedHashMap<>();
    int i = 0;
    while (i < records.length()) {
      int space = records.indexOf(' ', i);
      int length = Integer.parseInt(records.substring(i, space));
      String record = records.substring(space + 1, i + length - 1);
      int eq = record.indexOf('=');
      map.put(record.substring(0, eq), record.substring(eq + 1));
      i += length;
    }
    return map;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String text(byte[] h, int offset, int width) {
    int end = offset;
    while (end < offset + width && h[end] != 0) {
      end++;
    }
    return new String(h, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] h, int offset, int width) {
    String s = text(h, offset, width).strip();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return sha256(in);
    }
  }

  static String sha256(InputStream in) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[1 << 16];
    for (int n; (n = in.read(buffer)) > 0; ) {
      md.update(buffer, 0, n);
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** Runs a command of this machine, returning its standard output; fails on a non-zero exit. */
  static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("%s finished", command).isTrue();
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("%s: %s", command, text).isZero();
    return text;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
