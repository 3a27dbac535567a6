package dev.cairn.cli;

import dev.cairn.read.TrustedCertificates;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The commands' {@code --ca-cert FILE} option: the JDK's trusted authorities, or the PEM
 * certificates in that file alone (a log with a private CA), as {@link TrustedCertificates} does
 * it; a file it cannot use is a usage error.
 */
final class HttpClients {
  private HttpClients() {}

  /** A client builder trusting {@code caCert}'s certificates if given, else the JDK's. */
  static HttpClient.Builder builder(Optional<Path> caCert, Duration connectTimeout) {
    try {
      return TrustedCertificates.httpClient(caCert, connectTimeout);
    } catch (IOException e) {
      throw badCaCert(e);
    }
  }

  /** The usage error for a {@code --ca-cert} file that {@link TrustedCertificates} refused. */
  static CliException badCaCert(IOException e) {
    return new CliException(CliException.USAGE, "--ca-cert: " + e.getMessage());
  }
}
