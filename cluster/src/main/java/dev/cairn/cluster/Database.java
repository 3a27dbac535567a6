package dev.cairn.cluster;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StorageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster's PostgreSQL database: a small connection pool with every timeout set, so that a
 * node that cannot reach the database fails fast (and answers 503) instead of hanging, and the
 * schema, brought to the version this build knows by numbered SQL files run at start in one
 * transaction under an advisory lock.
 *
 * <p>Accepted URL: {@code postgresql://host[:port]/database[?user=NAME&sslmode=...]} — any
 * parameter pgjdbc knows except {@code password}, which comes from {@code PGPASSWORD} or the
 * file named by {@code CAIRN_POSTGRES_PASSWORD_FILE} (never from a command line).
 */
public final class Database implements AutoCloseable {
  /** The newest schema version this build knows: the number of the last migration file. */
  public static final int SCHEMA_VERSION = 1;
  /** Any fixed number: held while migrating, so that two nodes starting together take turns. */
  private static final long MIGRATION_LOCK = 0x636169726e00L;

  private final HikariDataSource pool;

  private Database(HikariDataSource pool) {
    this.pool = pool;
  }

  /** Timeouts, for tests and operators. */
  public record Timeouts(Duration connect, Duration statement, Duration idleInTransaction) {
    /**
     * Connect within 2 s, statements within 5 s, no transaction idle for more than 2 s: the
     * log's transactions run their statements back to back, and one left open by a paused
     * process holds the lease row, which the node taking over must update.
     */
    public static final Timeouts DEFAULT =
        new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(2));
  }

  /**
   * Connects to {@code url} and migrates the schema.
   *
   * @param password the password, if any (see the class comment for where it comes from)
   * @throws IllegalArgumentException if the URL is not one this accepts, naming what is wrong
   * @throws IOException if the database cannot be reached or its schema is newer than this build
   */
  public static Database open(String url, Optional<String> password, String node,
      Timeouts timeouts) throws IOException {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(jdbcUrl(url));
    password.ifPresent(c::setPassword);
    c.setPoolName("cairn-postgres");
    c.setMaximumPoolSize(16);
    c.setMinimumIdle(2);
    c.setConnectionTimeout(timeouts.connect().toMillis());
    c.setValidationTimeout(Math.min(timeouts.connect().toMillis(), 1000));
    c.setInitializationFailTimeout(-1); // checked below, with a clear message
    c.addDataSourceProperty("connectTimeout", Math.max(1, timeouts.connect().toSeconds()));
    // A reply that never comes (a partition) must not hold a connection forever.
    c.addDataSourceProperty("socketTimeout", timeouts.statement().toSeconds() * 2 + 1);
    c.addDataSourceProperty("tcpKeepAlive", true);
    c.addDataSourceProperty("ApplicationName", "cairn " + node);
    // Custom plans always: a generic plan cached while a table was small (a new log's dedup
    // table) keeps scanning it whole once it is large (measured: 150 ms per lookup at 35,000
    // rows instead of 0.3 ms).
    c.addDataSourceProperty("options", "-c statement_timeout=" + timeouts.statement().toMillis()
        + " -c idle_in_transaction_session_timeout=" + timeouts.idleInTransaction().toMillis()
        + " -c synchronous_commit=on -c plan_cache_mode=force_custom_plan");
    HikariDataSource pool = new HikariDataSource(c);
    try {
      Database db = new Database(pool);
      db.migrate();
      return db;
    } catch (IOException | RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** The password from {@code PGPASSWORD} or {@code CAIRN_POSTGRES_PASSWORD_FILE}. */
  public static Optional<String> passwordFrom(Map<String, String> env) throws IOException {
    String file = env.get("CAIRN_POSTGRES_PASSWORD_FILE");
    if (file != null && !file.isBlank()) {
      return Optional.of(Files.readString(Path.of(file), StandardCharsets.UTF_8).strip());
    }
    return Optional.ofNullable(env.get("PGPASSWORD"));
  }

  /** The JDBC URL of a {@code postgresql://} URL. */
  static String jdbcUrl(String url) {
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the PostgreSQL URL is not a URL: " + e.getMessage());
    }
    if (!"postgresql".equals(u.getScheme()) && !"postgres".equals(u.getScheme())) {
      throw new IllegalArgumentException("the PostgreSQL URL must start with postgresql://, got "
          + u.getScheme() + "://");
    }
    if (u.getHost() == null) {
      throw new IllegalArgumentException("the PostgreSQL URL names no host: " + url);
    }
    if (u.getPath() == null || u.getPath().length() < 2) {
      throw new IllegalArgumentException("the PostgreSQL URL names no database (add /NAME): "
          + url);
    }
    if (u.getUserInfo() != null && u.getUserInfo().contains(":")) {
      throw new IllegalArgumentException("the PostgreSQL URL must not carry a password: set"
          + " PGPASSWORD or CAIRN_POSTGRES_PASSWORD_FILE");
    }
    String query = u.getRawQuery() == null ? "" : u.getRawQuery();
    for (String p : query.split("&")) {
      if (p.toLowerCase(java.util.Locale.ROOT).startsWith("password=")) {
        throw new IllegalArgumentException("the PostgreSQL URL must not carry a password: set"
            + " PGPASSWORD or CAIRN_POSTGRES_PASSWORD_FILE");
      }
    }
    if (u.getUserInfo() != null) {
      query = "user=" + u.getUserInfo() + (query.isEmpty() ? "" : "&" + query);
    }
    return "jdbc:postgresql://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "")
        + u.getRawPath() + (query.isEmpty() ? "" : "?" + query);
  }

  /** A connection from the pool, or a {@link StorageException} saying the database is away. */
  Connection connection() throws StorageException {
    try {
      return pool.getConnection();
    } catch (SQLException e) {
      throw failure("couldn't connect to PostgreSQL", e);
    }
  }

  /**
   * Brings the schema to {@link #SCHEMA_VERSION}, or refuses a newer one. Each numbered file
   * runs in the same transaction as the version it records, under an advisory lock held until
   * that transaction ends.
   */
  private void migrate() throws IOException {
    try (Connection c = connection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
        s.execute("CREATE TABLE IF NOT EXISTS cairn_schema (version int NOT NULL)");
        int version = 0;
        try (ResultSet r = s.executeQuery("SELECT max(version) FROM cairn_schema")) {
          if (r.next()) {
            version = r.getInt(1);
          }
        }
        if (version > SCHEMA_VERSION) {
          throw new StorageException(Kind.CORRUPT, "the database schema is at version "
              + version + ", newer than this build of cairn knows (" + SCHEMA_VERSION
              + "): upgrade cairn before starting it against this database");
        }
        for (int v = version + 1; v <= SCHEMA_VERSION; v++) {
          s.execute(migration(v));
          s.execute("INSERT INTO cairn_schema VALUES (" + v + ")");
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw failure("couldn't migrate the database schema", e);
    }
  }

  private static String migration(int version) throws IOException {
    try (InputStream in = Database.class.getResourceAsStream("migrations/" + version + ".sql")) {
      if (in == null) {
        throw new IOException("migration " + version + " is missing from this build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The schema version stored in the database. */
  int schemaVersion() throws IOException {
    try (Connection c = connection(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT max(version) FROM cairn_schema")) {
      r.next();
      return r.getInt(1);
    } catch (SQLException e) {
      throw failure("couldn't read the schema version", e);
    }
  }

  /**
   * {@code e} as a storage failure of the kind an operator acts on, from its SQLSTATE: disk
   * full (53100) is {@code NO_SPACE}; everything else — a lost connection, a timeout, a
   * database shutting down — may pass and is {@code OTHER}.
   */
  static StorageException failure(String what, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    Kind kind = state.equals("53100") ? Kind.NO_SPACE : Kind.OTHER;
    return new StorageException(kind, what + ": " + e.getMessage()
        + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")"), e);
  }

  @Override
  public void close() {
    pool.close();
  }
}
