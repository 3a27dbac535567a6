package dev.cairn.release.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution scripts/release makes of the CLI (here of cli/target as the build left it,
 * with {@code --package}): what it holds, that its entries say nothing of the machine or the hour
 * of the build, that the same input gives the same bytes, and that it runs where it is unpacked.
 */
class DistributionTest {
  @TempDir static Path dir;
  static Path tarball;
  static Map<String, Entry> entries;
  static String top;

  /** A tar entry's header fields. */
  record Entry(String name, int mode, long uid, long gid, long size, long mtime, char type) {}

  @BeforeAll
  static void packageTheCli() throws Exception {
    tarball = pack(dir.resolve("first"));
    entries = read(tarball);
    top = "cairn-" + Repository.version() + "/";
  }

  @Test
  void holdsTheLauncherTheJarsTheSbomTheLicenceAndTheDocs() throws IOException {
    assertThat(entries.keySet()).allMatch(n -> n.startsWith(top));
    for (String f : List.of("cairn", "cairn.jar", "scripts/find-jdk.sh", "LICENSE", "NOTICE",
        "README.md", "CHANGELOG.md", "docs/release.md", "docs/operations/runbook.md",
        "deploy/prometheus/cairn-alerts.rules.yml", "native/librocksdbjni-linux64.so",
        "cairn-" + Repository.version() + ".cdx.json")) {
      assertThat(entries).containsKey(top + f);
    }
    assertThat(entries.get(top + "cairn").mode()).isEqualTo(0755);
    assertThat(entries.get(top + "LICENSE").mode()).isEqualTo(0644);
    List<String> lib = entries.keySet().stream()
        .filter(n -> n.startsWith(top + "lib/") && !n.endsWith("/"))
        .map(n -> n.substring(top.length())).sorted().toList();
    assertThat(lib).isEqualTo(
        SbomTest.classPath(Repository.cliTarget().resolve("cairn.jar")).stream().sorted().toList());
  }

  @Test
  void entriesAreSortedOwnedByRootAndTimedAtTheCommit() throws Exception {
    long commitTime = Long.parseLong(run(Repository.root(), "git", "log", "-1", "--format=%ct")
        .strip());
    assertThat(new ArrayList<>(entries.keySet())).isSorted();
    assertThat(entries.values()).allSatisfy(e -> {
      assertThat(e.uid()).isZero();
      assertThat(e.gid()).isZero();
      assertThat(e.mtime()).isEqualTo(commitTime);
    });
  }

  @Test
  void theSameInputGivesTheSameBytes() throws Exception {
    Path second = pack(dir.resolve("second"));
    assertThat(SbomTest.sha256(second)).isEqualTo(SbomTest.sha256(tarball));
  }

  @Test
  void runsWhereItIsUnpackedAndSaysItsVersion() throws Exception {
    Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
    run(unpacked, "tar", "-xzf", tarball.toString());
    Path home = unpacked.resolve(top);
    assertThat(run(home, home.resolve("cairn").toString(), "version"))
        .startsWith("cairn " + Repository.version() + " (Java ");
    assertThat(home.resolve("cairn-" + Repository.version() + ".cdx.json"))
        .hasSameBinaryContentAs(Repository.sbom());
  }

  @Test
  void cairnsOwnJarsNameNoPathOfTheBuildMachine() throws Exception {
    Path unpacked = Files.createDirectories(dir.resolve("scan"));
    run(unpacked, "tar", "-xzf", tarball.toString());
    String repository = Repository.root().toString();
    List<Path> own;
    try (Stream<Path> s = Files.walk(unpacked)) {
      own = s.filter(p -> p.getFileName().toString().matches("cairn(-[a-z]+-.*)?\\.jar"))
          .toList();
    }
    assertThat(own).hasSizeGreaterThan(5);
    for (Path jar : own) {
      try (JarFile j = new JarFile(jar.toFile())) {
        for (ZipEntry e : j.stream().toList()) {
          try (InputStream in = j.getInputStream(e)) {
            String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(text).as(jar.getFileName() + "!" + e.getName())
                .doesNotContain(repository).doesNotContain(System.getProperty("user.home") + "/");
          }
        }
      }
    }
  }

  private static Path pack(Path out) throws Exception {
    String printed = run(Repository.root(),
        Repository.root().resolve("scripts/release").toString(), "--package", "--output",
        out.toString());
    Path tar = Path.of(printed.strip());
    assertThat(tar).isEqualTo(out.resolve("cairn-" + Repository.version() + ".tar.gz"));
    return tar;
  }

  /** The entries of a gzipped POSIX tar by name, a pax header's path applied to its entry. */
  static Map<String, Entry> read(Path tarGz) throws IOException {
    Map<String, Entry> entries = new LinkedHashMap<>();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(
        new GZIPInputStream(Files.newInputStream(tarGz)), 1 << 16))) {
      String longName = null;
      byte[] h = new byte[512];
      while (true) {
        in.readFully(h);
        if (h[0] == 0) {
          return entries;
        }
        long size = octal(h, 124, 12);
        char type = (char) h[156];
        byte[] body = new byte[(int) ((size + 511) / 512 * 512)];
        if (type == 'x') {
          in.readFully(body);
          String records = new String(body, 0, (int) size, StandardCharsets.UTF_8);
          longName = records.replaceAll("(?s).*? path=([^\n]*)\n.*", "$1");
          continue;
        }
        String name = longName != null ? longName : string(h, 0, 100);
        longName = null;
        entries.put(name, new Entry(name, (int) octal(h, 100, 8), octal(h, 108, 8),
            octal(h, 116, 8), size, octal(h, 136, 12), type));
        if (in.skipBytes(body.length) != body.length) {
          throw new EOFException(tarGz + " ends inside " + name);
        }
      }
    }
  }

  private static long octal(byte[] h, int offset, int width) {
    String s = string(h, offset, width).trim();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }

  private static String string(byte[] h, int offset, int width) {
    int end = offset;
    while (end < offset + width && h[end] != 0) {
      end++;
    }
    return new String(h, offset, end - offset, StandardCharsets.UTF_8);
  }

  /** Runs a command in a directory; its standard output, or a failure with both outputs. */
  static String run(Path in, String... command) throws Exception {
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    Process p = new ProcessBuilder(command).directory(in.toFile())
        .redirectError(err.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ": " + Files.readString(err)
        + out).isZero();
    return out;
  }
}
