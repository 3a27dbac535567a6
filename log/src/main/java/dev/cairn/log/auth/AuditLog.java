package dev.cairn.log.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.storage.embedded.FileErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Authentication and authorisation decisions as JSON objects, one per line, appended to a file
 * that is rotated by size ({@link RotatingFile}), so it takes at most {@code (keepFiles + 1) ×
 * maxFileBytes}.
 *
 * <p>The audit trail is exact: every allowed decision and every decision about an authenticated
 * subject (403, a subject over its rate) is a line of its own, written before the request goes
 * on; {@link #record} throws if it cannot be, and an allowed request must then fail. Refusals
 * of unauthenticated requests (bad or missing credentials, an address over its rate, keys
 * unavailable) cost an attacker nothing, so they are summarised: per client address, route and
 * status, the first in each second is a line of its own and the others of that second one line
 * with their count ({@code "repeats"}); and lines of such refusals take at most {@code
 * refusalBytesPerSecond} a second — beyond it they are only counted, in one line a second
 * ({@code "dropped"}). A refusal is refused whether or not its line could be written.
 *
 * <p>A line that cannot be written is a fault of the {@code audit} part ({@link #health}:
 * logged once when it begins, readiness, {@code cairn_fault}); {@link #tick} tries again every
 * second with a {@code "gap"} line counting the decisions lost meanwhile, which clears it.
 * Lines are handed to the operating system before {@link #record} returns and forced to disk by
 * {@link #tick} and on close. Thread-safe.
 */
public final class AuditLog implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AuditLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_FIELD = 300;

  /**
   * How large the audit log may grow.
   *
   * @param maxFileBytes the size at which the file is rotated
   * @param keepFiles how many rotated files are kept (the oldest beyond is deleted)
   * @param refusalBytesPerSecond the most bytes a second of lines about unauthenticated
   *     refusals (their counts come on top, one short line per address, route and status)
   */
  public record Limits(long maxFileBytes, int keepFiles, long refusalBytesPerSecond) {
    /** 64 MiB files, 10 kept, 64 KiB a second of refusals. */
    public static final Limits DEFAULTS = new Limits(64L << 20, 10, 64L << 10);

    /** Checks the bounds. */
    public Limits {
      if (maxFileBytes < 4096 || keepFiles < 1 || refusalBytesPerSecond < 1024) {
        throw new IllegalArgumentException("the audit log needs files of at least 4096 bytes"
            + " (got " + maxFileBytes + "), at least 1 rotated file kept (got " + keepFiles
            + ") and at least 1024 bytes a second for refusals (got " + refusalBytesPerSecond
            + ")");
      }
    }
  }

  /**
   * One decision.
   *
   * @param time when
   * @param allowed whether the request may go on
   * @param status the HTTP status of a refusal (0 when allowed)
   * @param subject the caller's {@code sub}, if authenticated
   * @param role the name of the role the route needs ({@link Role#claimName()} for the log's)
   * @param route the method and path: the action
   * @param reason why it was refused, or "ok"
   * @param address the client's address
   * @param requestId the request's ID, also in the answer's {@code X-Request-Id}
   * @param target what the action is on, when the route does not say it (a log a monitor run
   *     audits), or null
   */
  public record Decision(Instant time, boolean allowed, int status, String subject, String role,
      String route, String reason, String address, String requestId, String target) {
    /** A decision about a route that names its target itself. */
    public Decision(Instant time, boolean allowed, int status, String subject, Role role,
        String route, String reason, String address, String requestId) {
      this(time, allowed, status, subject, role.claimName(), route, reason, address, requestId,
          null);
    }
  }

  /** Refusals like a first one written in full, within its second. */
  private static final class Repeats {
    long count;
    Decision last;
  }

  private final Path path;
  private final Limits limits;
  private final Clock clock;
  /** Guarded by {@code this}. */
  private boolean closed;
  private final RotatingFile file;
  private final ComponentHealth health =
      new ComponentHealth("audit", "writing the audit log failed", LOG);
  // The second being summarised, and what it holds; all guarded by this.
  private long second = Long.MIN_VALUE;
  private long refusalBytes;
  private final Map<String, Repeats> repeats = new LinkedHashMap<>();
  private final Map<Integer, Long> droppedByStatus = new TreeMap<>();
  private long dropped;
  /** Decisions not recorded since the last line that was. */
  private long lost;
  private long repeatedTotal;
  private long droppedTotal;
  private long lostTotal;

  private AuditLog(Path path, Limits limits, Clock clock, RotatingFile file) {
    this.path = path;
    this.limits = limits;
    this.clock = clock;
    this.file = file;
  }

  /** Opens {@code file} for appending, creating it (and its directory) if missing. */
  public static AuditLog open(Path file, Limits limits, Clock clock) throws IOException {
    return new AuditLog(file, limits, clock,
        RotatingFile.open(file, limits.maxFileBytes(), limits.keepFiles()));
  }

  /** The file. */
  public Path file() {
    return path;
  }

  /** Whether the audit log can be written: the {@code audit} part of the log. */
  public ComponentHealth health() {
    return health;
  }

  /** Unauthenticated refusals counted in a {@code "repeats"} line instead of their own. */
  public synchronized long repeated() {
    return repeatedTotal;
  }

  /** Unauthenticated refusals over the byte budget, counted in a {@code "dropped"} line. */
  public synchronized long dropped() {
    return droppedTotal;
  }

  /** Lines that could not be written (the decisions are counted in a later "gap" line). */
  public synchronized long lost() {
    return lostTotal;
  }

  /**
   * Records {@code d}: at once if it allows a request or concerns an authenticated subject,
   * throwing if it cannot (the request must then fail); otherwise as its summary allows, never
   * throwing.
   */
  public void record(Decision d) throws IOException {
    boolean exact = d.allowed() || d.subject() != null;
    synchronized (this) {
      roll(d.time().getEpochSecond());
      if (exact) {
        write(line(d, null));
        return;
      }
      String key = d.address() + " " + d.status() + " " + d.route();
      Repeats r = repeats.get(key);
      if (r != null) {
        r.count++;
        r.last = d;
        repeatedTotal++;
        return;
      }
      byte[] line = line(d, null);
      if (refusalBytes + line.length > limits.refusalBytesPerSecond()) {
        dropped++;
        droppedTotal++;
        droppedByStatus.merge(d.status(), 1L, Long::sum);
        return;
      }
      refusalBytes += line.length;
      repeats.put(key, new Repeats());
      try {
        write(line);
      } catch (IOException e) {
        // Counted as lost; the refusal stands either way.
      }
    }
  }

  /**
   * Once a second (the server calls it): writes the summaries of the second that ended, tries
   * the file again after a failure, and forces the lines to disk.
   */
  public synchronized void tick() {
    roll(clock.instant().getEpochSecond());
    if (health.fault().isPresent()) {
      try {
        writeGap();
      } catch (IOException e) {
        return; // still failing: counted by write
      }
    }
    try {
      file.sync();
    } catch (IOException e) {
      health.failed("forcing the audit log " + path + " to disk", FileErrors.wrap(e));
    }
  }

  /** Forces the lines written so far to disk. */
  public synchronized void sync() throws IOException {
    file.sync();
  }

  /** Ends the second under way: its summaries are written. */
  private void roll(long now) {
    // A decision timed just before the second began but let in after it counts in this second:
    // going back would clear this second's budget at every boundary under a flood.
    if (now <= second) {
      return;
    }
    for (Repeats r : repeats.values()) {
      if (r.count > 0) {
        try {
          write(line(r.last, o -> o.put("repeats", r.count)));
        } catch (IOException e) {
          // counted by write
        }
      }
    }
    if (dropped > 0) {
      ObjectNode counts = JSON.createObjectNode();
      droppedByStatus.forEach((status, n) -> counts.put(Integer.toString(status), n));
      long n = dropped;
      try {
        write(bytes(JSON.createObjectNode().put("time", Instant.ofEpochSecond(second).toString())
            .put("decision", "deny").put("dropped", n).<ObjectNode>set("statuses", counts)
            .put("reason", "refusals of unauthenticated requests beyond the audit log's "
                + limits.refusalBytesPerSecond() + " bytes a second, counted only")));
      } catch (IOException e) {
        // counted by write
      }
    }
    repeats.clear();
    droppedByStatus.clear();
    dropped = 0;
    refusalBytes = 0;
    second = now;
  }

  /** Appends {@code line}, after a {@code gap} line if lines were lost before it. */
  private void write(byte[] line) throws IOException {
    try {
      if (health.fault().isPresent()) {
        appendGap();
      }
      file.append(line);
    } catch (IOException e) {
      lost++;
      lostTotal++;
      health.failed("appending to the audit log " + path, FileErrors.wrap(e));
      throw e;
    }
    health.recovered();
  }

  /** Tries the file again after a failure, with a {@code gap} line. */
  private void writeGap() throws IOException {
    try {
      appendGap();
    } catch (IOException e) {
      health.failed("appending to the audit log " + path, FileErrors.wrap(e));
      throw e;
    }
    health.recovered();
  }

  /** Says, in the audit log itself, since when and how many lines could not be written. */
  private void appendGap() throws IOException {
    var fault = health.fault().orElseThrow();
    file.append(bytes(JSON.createObjectNode().put("time", clock.instant().toString())
        .put("decision", "gap").put("lost_lines", lost).put("since", fault.since().toString())
        .put("reason", "the audit log could not be written: " + fault.kind().description())));
    lost = 0;
  }

  private static byte[] line(Decision d, java.util.function.Consumer<ObjectNode> extra) {
    ObjectNode o = JSON.createObjectNode()
        .put("time", d.time().toString())
        .put("decision", d.allowed() ? "allow" : "deny");
    if (!d.allowed()) {
      o.put("status", d.status());
    }
    // Subjects, routes and reasons carry text from the request: cut, so that a flood of junk
    // cannot make the audit log grow faster than the requests it records.
    o.put("subject", cut(d.subject())).put("role", d.role())
        .put("route", cut(d.route())).put("reason", cut(d.reason())).put("address", d.address())
        .put("request_id", d.requestId());
    if (d.target() != null) {
      o.put("target", cut(d.target()));
    }
    if (extra != null) {
      extra.accept(o);
    }
    return bytes(o);
  }

  private static byte[] bytes(ObjectNode o) {
    try {
      return (JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree that cannot be written", e);
    }
  }

  private static String cut(String s) {
    return s == null || s.length() <= MAX_FIELD ? s : s.substring(0, MAX_FIELD) + "...";
  }

  /** Writes what is pending and closes the file; again does nothing. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    roll(Long.MAX_VALUE);
    file.close();
  }
}
