package dev.cairn.log.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Every authentication and authorisation decision as one JSON object per line, appended to a
 * file. A decision that cannot be written fails its request (the caller turns the exception into
 * a 503): nothing is allowed or refused without a record. Lines are handed to the operating
 * system before the request goes on and forced to disk by {@link #sync} (the server calls it
 * every second) and on close.
 */
public final class AuditLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_FIELD = 300;
  private final Path file;
  private final FileChannel channel;

  private AuditLog(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /** Opens {@code file} for appending, creating it (and its directory) if missing. */
  public static AuditLog open(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    return new AuditLog(file, FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.APPEND));
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /**
   * One decision.
   *
   * @param time when
   * @param allowed whether the request may go on
   * @param status the HTTP status of a refusal (0 when allowed)
   * @param subject the caller's {@code sub}, if authenticated
   * @param role the role the route needs
   * @param route the method and path
   * @param reason why it was refused, or "ok"
   * @param address the client's address
   * @param requestId the request's ID, also in the answer's {@code X-Request-Id}
   */
  public record Decision(Instant time, boolean allowed, int status, String subject, Role role,
      String route, String reason, String address, String requestId) {}

  /** Appends {@code d}; throws if it cannot, and the request must then fail. */
  public void record(Decision d) throws IOException {
    ObjectNode o = JSON.createObjectNode()
        .put("time", d.time().toString())
        .put("decision", d.allowed() ? "allow" : "deny");
    if (!d.allowed()) {
      o.put("status", d.status());
    }
    // Subjects, routes and reasons carry text from the request: cut, so that a flood of junk
    // cannot make the audit log grow faster than the requests it records.
    o.put("subject", cut(d.subject())).put("role", d.role().claimName())
        .put("route", cut(d.route())).put("reason", cut(d.reason())).put("address", d.address())
        .put("request_id", d.requestId());
    ByteBuffer line = ByteBuffer.wrap((JSON.writeValueAsString(o) + "\n")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    synchronized (this) {
      while (line.hasRemaining()) {
        channel.write(line);
      }
    }
  }

  private static String cut(String s) {
    return s == null || s.length() <= MAX_FIELD ? s : s.substring(0, MAX_FIELD) + "...";
  }

  /** Forces the lines written so far to disk. */
  public void sync() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    try {
      sync();
    } finally {
      channel.close();
    }
  }
}
