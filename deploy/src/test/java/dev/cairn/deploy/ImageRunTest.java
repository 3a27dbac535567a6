package dev.cairn.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image runs as a container runtime would run it, with nothing of this machine inside: its
 * layers unpacked into a directory, which becomes the root of the process (read-only, as in the
 * Kubernetes manifests), a writable /tmp and a data volume owned by 65532 mounted in, /proc and the
 * few /dev nodes a runtime provides, the config's Env only, its WorkingDir, and its User. The
 * process runs Entrypoint + a command. Done with util-linux's unshare (a mount and a PID namespace;
 * the JVM is PID 1 as in a container), which needs root: the test is skipped otherwise.
 */
class ImageRunTest {
  private static final Duration READY_DEADLINE = Duration.ofSeconds(90);
  private static final Duration STOP_DEADLINE = Duration.ofSeconds(60);

  /** Mounts the rootfs as a runtime would and runs the command in it (see the class comment). */
  private static final String RUNTIME = """
      set -eu
      root=$1 data=$2 volume=$3 tmp=$4 workdir=$5 user=$6
      shift 6
      env=()
      while [ "$1" != -- ]; do env+=("$1"); shift; done
      shift
      mount --bind "$root" "$root"
      mount --bind "$data" "$root$volume"
      mount --bind "$tmp" "$root/tmp"
      for d in null zero random urandom; do mount --bind "/dev/$d" "$root/dev/$d"; done
      mount -t proc proc "$root/proc"
      mount -o remount,bind,ro "$root"
      unshare=$(command -v unshare)
      exec env -i "${env[@]}" "$unshare" --root="$root" --wd="$workdir" \\
        --setgid="${user#*:}" --setuid="${user%%:*}" -- "$@"
      """;

  private static Path rootfs;
  private static JsonNode config;

  @BeforeAll
  static void unpack() throws Exception {
    String why = unavailable();
    assumeTrue(why == null, () -> "cannot run the image here: " + why);
    ImageBuild image = ImageBuild.shared();
    config = image.config().get("config");
    rootfs = ImageBuild.BUILD.resolve("rootfs");
    ImageBuild.deleteTree(rootfs);
    Files.createDirectories(rootfs);
    for (Path layer : image.layers()) {
      ImageBuild.run(List.of("tar", "--numeric-owner", "-xzpf", layer.toString(), "-C",
          rootfs.toString()));
    }
    // What a runtime mounts over the image: /proc and the device nodes.
    Files.createDirectories(rootfs.resolve("proc"));
    Files.createDirectories(rootfs.resolve("dev"));
    for (String node : List.of("null", "zero", "random", "urandom")) {
      Files.createFile(rootfs.resolve("dev").resolve(node));
    }
  }

  /** Why a container cannot be made here, or null. */
  private static String unavailable() throws IOException, InterruptedException {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "the test mounts and changes user, which needs root (CI runs as root); this is "
          + System.getProperty("user.name");
    }
    Process probe = new ProcessBuilder("unshare", "--mount", "--pid", "--fork", "--kill-child",
        "unshare", "--root=/", "--wd=/", "--setuid=0", "--setgid=0", "true")
        .redirectErrorStream(true).start();
    String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!probe.waitFor(30, TimeUnit.SECONDS) || probe.exitValue() != 0) {
      return "util-linux unshare (2.38 or newer, with --root and --setuid) cannot make a mount and"
          + " PID namespace here: " + out.strip();
    }
    return null;
  }

  @Test
  void versionRunsFromTheImageAlone() throws Exception {
    Path tmp = scratch("version");
    Process p = start(tmp, List.of("version"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("cairn version in the image: %s", out).isZero();
    String version = config.at("/Labels/org.opencontainers.image.version").asText();
    assertThat(out).startsWith("cairn " + version + " (Java ");
  }

  @Test
  void serveAnswersAsUser65532OnAReadOnlyRootAndStopsOnSigterm() throws Exception {
    Path tmp = scratch("serve");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path output = tmp.resolve("serve.out");
    Process p = start(tmp, List.of("serve", "--listen", "127.0.0.1:" + port), output);
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      URI base = URI.create("http://127.0.0.1:" + port);
      waitHealthy(http, base, p, output);
      HttpResponse<String> add = http.send(HttpRequest.newBuilder(base.resolve("/add"))
          .POST(HttpRequest.BodyPublishers.ofString("hello from the image")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(add.statusCode()).as("POST /add: %s", add.body()).isEqualTo(200);
      assertThat(add.body().strip()).isEqualTo("0");

      // The JVM is the namespace's PID 1, the leaf of unshare -> bash -> unshare -> java.
      ProcessHandle java = jvm(p);
      List<String> status =
          Files.readAllLines(Path.of("/proc", Long.toString(java.pid()), "status"));
      assertThat(status).as("/proc/%d/status", java.pid())
          .contains("Uid:\t65532\t65532\t65532\t65532", "Gid:\t65532\t65532\t65532\t65532",
              "CapEff:\t0000000000000000")
          .anyMatch(l -> l.matches("Groups:\\s*"));
      assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(java.pid()), "root")))
          .as("its root is the unpacked image").isEqualTo(rootfs);

      Path data = tmp.resolve("data").resolve("cairn-data");
      assertThat(data).as("the default data directory, relative to WorkingDir /data").isDirectory();
      assertThat(Files.getAttribute(data, "unix:uid")).isEqualTo(65532);
      try (Stream<Path> written = Files.walk(tmp.resolve("tmp"))) {
        assertThat(written.map(Path::toString))
            .as("JNI libraries load from /opt/cairn/native, not copied into /tmp")
            .noneMatch(f -> f.endsWith(".so"));
      }

      java.destroy(); // SIGTERM, as a runtime stops a container
      assertThat(p.waitFor(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS))
          .as("cairn serve stopped on SIGTERM: %s", tail(output)).isTrue();
    } finally {
      p.destroyForcibly(); // unshare --kill-child takes the namespace down with it
      p.waitFor(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }
  }

  /**
   * The same through the tools of the OCI ecosystem, where they are installed (Debian packages
   * umoci and runc): umoci turns the image into a runtime bundle (rootfs and config.json from the
   * image's config), and runc runs it with a read-only root, a tmpfs at /tmp and the data volume.
   */
  @Test
  void serveRunsInRuncFromTheBundleUmociMakes() throws Exception {
    assumeTrue(onPath("umoci") && onPath("runc"), "umoci and runc are not installed");
    Path dir = scratch("runc");
    Path bundle = dir.resolve("bundle");
    ImageBuild image = ImageBuild.shared();
    String tag = image.index().at("/manifests/0/annotations/org.opencontainers.image.ref.name")
        .asText();
    ImageBuild.run(List.of("umoci", "unpack", "--image", image.layout + ":" + tag,
        bundle.toString()));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ObjectNode spec = (ObjectNode) ImageBuild.JSON.readTree(bundle.resolve("config.json").toFile());
    ObjectNode process = (ObjectNode) spec.get("process");
    assertThat(process.at("/user/uid").asInt()).as("umoci reads the image's User").isEqualTo(65532);
    assertThat(process.get("cwd").asText()).isEqualTo("/data");
    ArrayNode args = process.putArray("args");
    config.get("Entrypoint").forEach(args::add);
    args.add("serve").add("--listen").add("127.0.0.1:" + port);
    process.put("terminal", false);
    ((ObjectNode) spec.get("root")).put("readonly", true);
    // The host's network, to reach it on loopback; the other namespaces as umoci set them.
    ArrayNode namespaces = (ArrayNode) spec.at("/linux/namespaces");
    for (int i = namespaces.size() - 1; i >= 0; i--) {
      if (namespaces.get(i).get("type").asText().equals("network")) {
        namespaces.remove(i);
      }
    }
    ArrayNode mounts = (ArrayNode) spec.get("mounts");
    for (int i = mounts.size() - 1; i >= 0; i--) {
      if (List.of("/data", "/tmp").contains(mounts.get(i).get("destination").asText())) {
        mounts.remove(i);
      }
    }
    mounts.addObject().put("destination", "/tmp").put("type", "tmpfs").put("source", "tmpfs")
        .putArray("options").add("nosuid").add("nodev").add("mode=1777");
    mounts.addObject().put("destination", "/data").put("type", "bind")
        .put("source", dir.resolve("data").toString())
        .putArray("options").add("rbind").add("rw");
    ImageBuild.JSON.writeValue(bundle.resolve("config.json").toFile(), spec);

    String id = "cairn-image-test-" + ProcessHandle.current().pid();
    String state = dir.resolve("runc-state").toString();
    Path output = dir.resolve("serve.out");
    Process p = new ProcessBuilder(
            "runc", "--root", state, "run", "--bundle", bundle.toString(), id)
        .redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      URI base = URI.create("http://127.0.0.1:" + port);
      waitHealthy(http, base, p, output);
      HttpResponse<String> add = http.send(HttpRequest.newBuilder(base.resolve("/add"))
          .POST(HttpRequest.BodyPublishers.ofString("hello from runc")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(add.statusCode()).as("POST /add: %s", add.body()).isEqualTo(200);
      assertThat(Files.getAttribute(dir.resolve("data").resolve("cairn-data"), "unix:uid"))
          .isEqualTo(65532);
      ImageBuild.run(List.of("runc", "--root", state, "kill", id, "TERM"));
      assertThat(p.waitFor(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS))
          .as("cairn serve stopped on SIGTERM: %s", tail(output)).isTrue();
    } finally {
      new ProcessBuilder("runc", "--root", state, "delete", "--force", id)
          .redirectErrorStream(true).start().waitFor(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS);
      p.destroyForcibly();
    }
  }

  private static boolean onPath(String tool) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
  }

  /** A fresh directory with a writable tmp/ (mode 1777) and a data/ volume owned by 65532. */
  private static Path scratch(String name) throws IOException {
    Path dir = ImageBuild.BUILD.resolve("run-" + name);
    ImageBuild.deleteTree(dir);
    Files.createDirectories(dir.resolve("tmp"));
    Files.setPosixFilePermissions(dir.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.createDirectories(dir.resolve("data"));
    Files.setAttribute(dir.resolve("data"), "unix:uid", 65532);
    Files.setAttribute(dir.resolve("data"), "unix:gid", 65532);
    return dir;
  }

  private static Process start(Path scratch, List<String> command) throws IOException {
    return start(scratch, command, null);
  }

  /** Entrypoint + command in the image, as the config's User, with its Env and WorkingDir only. */
  private static Process start(Path scratch, List<String> command, Path output)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork",
        "--kill-child", "bash", "-c", RUNTIME, "runtime", rootfs.toString(),
        scratch.resolve("data").toString(), config.get("Volumes").fieldNames().next(),
        scratch.resolve("tmp").toString(), config.get("WorkingDir").asText(),
        config.get("User").asText()));
    config.get("Env").forEach(e -> args.add(e.asText()));
    args.add("--");
    config.get("Entrypoint").forEach(e -> args.add(e.asText()));
    args.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true);
    if (output != null) {
      pb.redirectOutput(output.toFile());
    }
    return pb.start();
  }

  private static void waitHealthy(HttpClient http, URI base, Process p, Path output)
      throws Exception {
    long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
    while (true) {
      assertThat(p.isAlive()).as("cairn serve exited: %s", tail(output)).isTrue();
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/healthz"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      assertThat(System.nanoTime()).as("healthy within %s: %s", READY_DEADLINE, tail(output))
          .isLessThan(deadline);
      Thread.sleep(100); // polling with a deadline
    }
  }

  private static ProcessHandle jvm(Process p) {
    Optional<ProcessHandle> leaf = p.descendants()
        .filter(h -> h.children().findAny().isEmpty())
        .max(Comparator.comparingLong(ProcessHandle::pid));
    assertThat(leaf).as("the JVM under %d", p.pid()).isPresent();
    return leaf.get();
  }

  private static String tail(Path output) throws IOException {
    List<String> lines = Files.readAllLines(output);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
