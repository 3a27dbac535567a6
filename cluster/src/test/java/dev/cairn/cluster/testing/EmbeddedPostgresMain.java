package dev.cairn.cluster.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;

/**
 * A PostgreSQL server from Maven Central's embedded binaries, for {@code scripts/cluster} on a
 * machine without Debian's {@code postgresql} package: {@code EmbeddedPostgresMain PORT DIR}
 * starts it on loopback with its data in {@code DIR} ({@code fsync=on}, {@code
 * synchronous_commit=on}), with a {@code cairn} role and database, and runs until the process
 * is told to stop (SIGTERM), which stops the server.
 */
public final class EmbeddedPostgresMain {
  private EmbeddedPostgresMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: EmbeddedPostgresMain PORT DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[1]).toAbsolutePath();
    Files.createDirectories(dir);
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setPort(Integer.parseInt(args[0]))
        .setDataDirectory(dir.resolve("data"))
        .setCleanDataDirectory(false)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("max_connections", "200")
        .start();
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = 'cairn'")) {
        if (!r.next()) {
          s.execute("CREATE ROLE cairn LOGIN SUPERUSER");
        }
      }
      try (ResultSet r = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'cairn'")) {
        if (!r.next()) {
          s.execute("CREATE DATABASE cairn OWNER cairn");
        }
      }
    }
    System.out.println("postgres listening on 127.0.0.1:" + args[0]);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        pg.close();
      } catch (Exception e) {
        System.err.println("couldn't stop PostgreSQL: " + e);
      }
      stopped.countDown();
    }));
    stopped.await();
  }
}
