package dev.cairn.cluster.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests, started from the machine's binaries (Debian's {@code
 * postgresql} package: {@code initdb} and {@code pg_ctl}) in a directory of the test's, on a
 * loopback port, with {@code fsync=on} and {@code synchronous_commit=on}. As root, the server
 * runs as the {@code postgres} user (PostgreSQL refuses to run as root).
 */
public final class TestPostgres implements AutoCloseable {
  private final Path bin;
  private final Path data;
  private final int port;
  private final boolean root;

  private TestPostgres(Path bin, Path data, int port, boolean root) {
    this.bin = bin;
    this.data = data;
    this.port = port;
    this.root = root;
  }

  /** The directory of the server binaries, if the machine has them. */
  public static Optional<Path> binaries() {
    for (String dir : List.of("/usr/lib/postgresql")) {
      Path p = Path.of(dir);
      if (Files.isDirectory(p)) {
        try (Stream<Path> versions = Files.list(p)) {
          Optional<Path> found = versions.map(v -> v.resolve("bin"))
              .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
              .max(Path::compareTo);
          if (found.isPresent()) {
            return found;
          }
        } catch (IOException e) {
          // look further
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Initialises a cluster in a new directory under the system's temporary directory (the
   * server's user must reach it, which a test's private temporary directory may not allow) and
   * starts it, with a database {@code cairn}; {@link #close} stops it and deletes the directory.
   */
  public static TestPostgres start() throws Exception {
    Path dir = Files.createTempDirectory("cairn-pg-");
    Path bin = binaries().orElseThrow(() -> new IllegalStateException("no PostgreSQL server"
        + " binaries under /usr/lib/postgresql: install Debian's postgresql package"));
    boolean root = "root".equals(System.getProperty("user.name"));
    Path data = dir.resolve("pgdata");
    if (root) {
      run(List.of("chown", "postgres", dir.toString()));
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    TestPostgres pg = new TestPostgres(bin, data, port, root);
    pg.as(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "cairn",
        "--auth=trust", "-E", "UTF8", "--no-sync"));
    pg.startServer();
    try (Connection c = DriverManager.getConnection(pg.jdbc("postgres"), "cairn", "");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE cairn");
    }
    return pg;
  }

  /** The URL {@code cairn serve --postgres} takes. */
  public String url() {
    return url(port);
  }

  /** The URL of this server's database as reached through {@code port} (a proxy). */
  public static String url(int port) {
    return "postgresql://127.0.0.1:" + port + "/cairn?user=cairn";
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  /** A JDBC connection to the {@code cairn} database, for tests that look inside. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbc("cairn"), "cairn", "");
  }

  private String jdbc(String db) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
  }

  /** Starts the server (again). */
  public void startServer() throws Exception {
    as(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "60",
        "-l", data.resolveSibling("postgres.log").toString(), "-o",
        "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
            + " -c fsync=on -c synchronous_commit=on -c max_connections=200", "start"));
  }

  /** Stops the server at once, as a crash would (clients see their connections drop). */
  public void stopServer() throws Exception {
    as(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate",
        "-w", "stop"));
  }

  private void as(List<String> command) throws Exception {
    List<String> c = new ArrayList<>();
    if (root) {
      c.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    c.addAll(command);
    run(c);
  }

  private static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + new String(out));
    }
  }

  @Override
  public void close() throws Exception {
    if (Files.exists(data.resolve("postmaster.pid"))) {
      stopServer();
    }
    try (Stream<Path> all = Files.walk(data.getParent())) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
