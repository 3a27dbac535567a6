package dev.cairn.http;

import dev.cairn.auth.AuditLog;
import dev.cairn.auth.AuthException;
import dev.cairn.auth.AuthSettings;
import dev.cairn.auth.JwtAuthenticator;
import dev.cairn.auth.Principal;
import dev.cairn.auth.Role;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * Who may use the routes that need a role. With authentication off (the {@code dev} profile
 * without a JWKS) everyone may, and nothing is recorded. With it on, every request to such a
 * route is authenticated (bearer JWT), authorised (the route's role) and recorded in the audit
 * log — allowed or refused — before anything else happens; a decision that cannot be recorded
 * refuses the request with 503.
 */
public final class WriteGuard implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WriteGuard.class);
  private final JwtAuthenticator authenticator;
  private final AuditLog audit;
  private final Clock clock;
  private final Thread syncer;

  private WriteGuard(JwtAuthenticator authenticator, AuditLog audit, Clock clock) {
    this.authenticator = authenticator;
    this.audit = audit;
    this.clock = clock;
    this.syncer = audit == null ? null : Thread.ofVirtual().name("cairn-audit-sync").start(
        this::syncEverySecond);
  }

  /** No authentication: every caller may write (development only). */
  public static WriteGuard open() {
    return new WriteGuard(null, null, Clock.systemUTC());
  }

  /** Bearer JWTs as {@code settings} say, every decision appended to {@code auditFile}. */
  public static WriteGuard jwt(AuthSettings settings, Path auditFile, Clock clock)
      throws IOException {
    return new WriteGuard(new JwtAuthenticator(settings, clock), AuditLog.open(auditFile),
        clock);
  }

  /** Whether requests are checked. */
  public boolean enabled() {
    return authenticator != null;
  }

  /**
   * Lets the request go on if its credentials carry {@code role}; otherwise throws the {@link
   * HttpError} to answer (401 with {@code WWW-Authenticate}, 403, or 503).
   */
  void check(Exchange x, Role role) {
    if (authenticator == null) {
      return;
    }
    String requestId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    x.response.getHeaders().put("X-Request-Id", requestId);
    String route = x.method() + " " + x.path();
    String address = Request.getRemoteAddr(x.request);
    Principal who = null;
    int status = 0;
    String reason = "ok";
    try {
      who = authenticator.authenticate(x.request.getHeaders().get(HttpHeader.AUTHORIZATION));
      if (!who.roles().contains(role)) {
        status = 403;
        reason = "subject \"" + who.subject() + "\" lacks the role " + role.claimName();
      }
    } catch (AuthException e) {
      status = e.status();
      reason = e.getMessage();
    }
    try {
      audit.record(new AuditLog.Decision(clock.instant(), status == 0, status,
          who == null ? null : who.subject(), role, route, reason, address, requestId));
    } catch (IOException e) {
      LOG.error("couldn't write the audit log {}: {}", audit.file(), e.toString());
      throw new HttpError(503, "the request cannot be recorded in the audit log; try again");
    }
    if (status == 401) {
      x.response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
    }
    if (status != 0) {
      throw new HttpError(status, reason);
    }
  }

  private void syncEverySecond() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(1000);
        audit.sync();
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        LOG.error("couldn't sync the audit log {}: {}", audit.file(), e.toString());
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (syncer != null) {
      syncer.interrupt();
      audit.close();
    }
  }
}
