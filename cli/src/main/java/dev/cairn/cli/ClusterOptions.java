package dev.cairn.cli;

import dev.cairn.cluster.ClusterStorage;
import dev.cairn.cluster.Database;
import dev.cairn.cluster.S3Location;
import java.io.IOException;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --postgres} and {@code --objects}: a log on a cluster's storage, for the commands that
 * read or write one offline ({@code backup}, {@code verify}, {@code restore}).
 */
final class ClusterOptions {
  @Option(names = "--postgres", paramLabel = "URL", description = "A cluster's PostgreSQL"
      + " database, postgresql://HOST:PORT/DB?user=NAME (the password from PGPASSWORD or"
      + " CAIRN_POSTGRES_PASSWORD_FILE); with --objects.")
  String postgres;

  @Option(names = "--objects", paramLabel = "URL", description = "The cluster's bucket,"
      + " s3://BUCKET[/PREFIX][?endpoint=URL&region=R&path_style=true] (credentials from"
      + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); with --postgres.")
  String objects;

  /** Whether either is given. */
  boolean given() {
    return postgres != null || objects != null;
  }

  /** Opens the cluster's storage for {@code command}, or fails with a usage or I/O error. */
  ClusterStorage open(String command) {
    if (postgres == null || objects == null) {
      throw new CliException(CliException.USAGE, "a cluster's storage needs both --postgres"
          + " and --objects");
    }
    try {
      return open(postgres, "--postgres", objects, "--objects", System.getenv(), "cairn "
          + command);
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't open the cluster's storage: "
          + e.getMessage());
    }
  }

  /**
   * Opens the database at {@code postgres} and the bucket at {@code objects}; a bad URL is a
   * usage error naming its setting.
   *
   * @throws IOException if the database cannot be reached or its schema is newer than this build
   */
  static ClusterStorage open(String postgres, String postgresName, String objects,
      String objectsName, Map<String, String> env, String node) throws IOException {
    try {
      S3Location.parse(objects);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, objectsName + ": " + e.getMessage());
    }
    try {
      return ClusterStorage.open(postgres, objects, Database.passwordFrom(env), node);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, postgresName + ": " + e.getMessage());
    }
  }
}
