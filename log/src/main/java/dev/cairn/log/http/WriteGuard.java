package dev.cairn.log.http;

import dev.cairn.log.auth.AuditLog;
import dev.cairn.log.auth.AuthException;
import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.JwtAuthenticator;
import dev.cairn.log.auth.Principal;
import dev.cairn.log.auth.Role;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * Who may use the routes that need a role. With authentication off (the {@code dev} profile
 * without a JWKS) everyone may, and nothing is recorded. With it on, every request to such a
 * route is authenticated (bearer JWT), authorised (the route's role) and recorded in the audit
 * log — allowed or refused — before anything else happens; an allowed request whose decision
 * cannot be recorded is refused with 503 (a refusal stands either way).
 */
public final class WriteGuard implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WriteGuard.class);
  private final JwtAuthenticator authenticator;
  private final AuditLog audit;
  private final Clock clock;
  private final Thread syncer;
  private final RateLimit byAddress;
  private final RateLimit bySubject;

  private WriteGuard(JwtAuthenticator authenticator, AuditLog audit, Clock clock, Thread syncer,
      RateLimit byAddress, RateLimit bySubject) {
    this.authenticator = authenticator;
    this.audit = audit;
    this.clock = clock;
    this.syncer = syncer;
    this.byAddress = byAddress;
    this.bySubject = bySubject;
  }

  /**
   * No authentication, but every decision recorded in {@code auditFile} (as {@code anonymous}):
   * for services whose routes anyone may use in development, yet whose actions must be traced.
   */
  public static WriteGuard auditOnly(Path auditFile, Clock clock) throws IOException {
    AuditLog audit = AuditLog.open(auditFile, AuditLog.Limits.DEFAULTS, clock);
    Thread syncer = Thread.ofVirtual().name("cairn-audit-sync").start(() -> syncEverySecond(
        audit));
    return new WriteGuard(null, audit, clock, syncer, null, null);
  }

  /** No authentication: every caller may write (development only). */
  public static WriteGuard open() {
    return new WriteGuard(null, null, Clock.systemUTC(), null, null, null);
  }

  /**
   * Bearer JWTs as {@code settings} say, decisions appended to {@code auditFile} within the
   * default {@linkplain AuditLog.Limits limits}.
   */
  public static WriteGuard jwt(AuthSettings settings, Path auditFile, Clock clock)
      throws IOException {
    return jwt(settings, auditFile, AuditLog.Limits.DEFAULTS, clock);
  }

  /** Bearer JWTs as {@code settings} say, decisions appended to {@code auditFile}. */
  public static WriteGuard jwt(AuthSettings settings, Path auditFile, AuditLog.Limits limits,
      Clock clock) throws IOException {
    AuditLog audit = AuditLog.open(auditFile, limits, clock);
    Thread syncer = Thread.ofVirtual().name("cairn-audit-sync").start(() -> syncEverySecond(
        audit));
    return new WriteGuard(new JwtAuthenticator(settings, clock), audit, clock, syncer, null,
        null);
  }

  /**
   * This guard with token-bucket limits on writes: {@code perAddress} requests a second from
   * one client address and {@code perSubject} from one token subject (bursts of twice that;
   * 0 for no limit). Over the limit a write gets 429 with {@code Retry-After}.
   */
  public WriteGuard withRateLimits(double perAddress, double perSubject) {
    return new WriteGuard(authenticator, audit, clock, syncer,
        perAddress > 0 ? RateLimit.perSecond(perAddress) : null,
        perSubject > 0 ? RateLimit.perSecond(perSubject) : null);
  }

  /** Whether writes are checked at all. */
  public boolean enabled() {
    return authenticator != null || byAddress != null || bySubject != null;
  }

  /** Whether writes need a token (whose check may block on fetching the JWKS). */
  public boolean authenticates() {
    return authenticator != null;
  }

  /**
   * Lets the request go on if its credentials carry {@code role}; otherwise throws the {@link
   * HttpError} to answer (401 with {@code WWW-Authenticate}, 403, or 503).
   *
   * @return who asked, or null with authentication off
   */
  Principal check(Exchange x, Role role) {
    if (authenticator == null) {
      if (role == Role.ADMIN) {
        throw new HttpError(403, "admin actions need authentication: start the log with"
            + " --auth-jwks, --auth-issuer and --auth-audience");
      }
      if (byAddress != null) {
        long wait = byAddress.take(Request.getRemoteAddr(x.request));
        if (wait > 0) {
          throw tooMany(x, wait, "address " + Request.getRemoteAddr(x.request));
        }
      }
      return null;
    }
    return authorize(x, role.claimName(), who -> who.roles().contains(role), null);
  }

  /**
   * Lets the request go on if its credentials satisfy {@code allowed} (which says whether the
   * caller has the route's role, named {@code role} in the audit log); otherwise throws the
   * {@link HttpError} to answer (401 with {@code WWW-Authenticate}, 403, 429 or 503). The
   * decision, allowed or not, is recorded in the audit log first, naming {@code target} if not
   * null. With authentication off ({@link #auditOnly}) every caller is allowed, as {@code
   * anonymous}, and recorded.
   *
   * @return who asked, or null with authentication off
   */
  public Principal authorize(Exchange x, String role, Predicate<Principal> allowed,
      String target) {
    String address = Request.getRemoteAddr(x.request);
    String requestId = x.id();
    String route = x.method() + " " + x.path();
    Principal who = null;
    HttpError refusal = null;
    try {
      long wait = byAddress == null ? 0 : byAddress.take(address);
      if (wait > 0) {
        refusal = tooMany(x, wait, "address " + address);
      } else if (authenticator != null) {
        who = authenticator.authenticate(x.request.getHeaders().get(HttpHeader.AUTHORIZATION));
        if (!allowed.test(who)) {
          refusal = new HttpError(403, "subject \"" + who.subject() + "\" lacks the role "
              + role);
        } else if (bySubject != null && (wait = bySubject.take(who.subject())) > 0) {
          refusal = tooMany(x, wait, "subject \"" + who.subject() + "\"");
        }
      }
    } catch (AuthException e) {
      refusal = new HttpError(e.status(), e.getMessage());
      if (e.status() == 401) {
        x.response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE,
            "Bearer error=\"invalid_token\"");
      } else if (e.status() == 503) {
        x.response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
      }
    } catch (RuntimeException e) {
      LOG.error("checking credentials failed (request {})", requestId, e);
      x.response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
      refusal = new HttpError(503, "credentials cannot be checked; try again later (the"
          + " server's log has the error of request " + requestId + ")");
    }
    if (audit != null) {
      try {
        String subject = who != null ? who.subject()
            : authenticator == null ? "anonymous" : null;
        audit.record(new AuditLog.Decision(clock.instant(), refusal == null,
            refusal == null ? 0 : refusal.status(), subject, role, route,
            refusal == null ? "ok" : refusal.getMessage(), address, requestId, target));
      } catch (IOException e) {
        // The audit log's health logs the fault once and readiness shows it. A refusal stands
        // without its line; nothing is allowed without one.
        if (refusal == null) {
          x.response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
          throw new HttpError(503, "the request cannot be recorded in the audit log; try again"
              + " later");
        }
      }
    }
    if (refusal != null) {
      throw refusal;
    }
    return who;
  }

  /**
   * Records, durably, what an allowed admin action is about to do, did or could not do (after
   * {@link #check} recorded that it was allowed), with the same request id.
   *
   * @throws IOException if it cannot be recorded (logged by the audit log's health; the caller
   *     decides the answer)
   */
  void recordAction(Exchange x, Principal who, Role role, String what) throws IOException {
    recordAction(x, who, role.claimName(), what, null);
  }

  /**
   * Records, durably, what an allowed action is about to do or did, with the request's ID
   * ({@code who} null with authentication off: {@code anonymous}).
   *
   * @throws IOException if it cannot be recorded
   */
  public void recordAction(Exchange x, Principal who, String role, String what, String target)
      throws IOException {
    audit.record(new AuditLog.Decision(clock.instant(), true, 0,
        who == null ? "anonymous" : who.subject(), role, x.method() + " " + x.path(), what,
        Request.getRemoteAddr(x.request), x.id(), target));
    audit.sync();
  }

  private static HttpError tooMany(Exchange x, long waitNanos, String who) {
    long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    x.response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(seconds));
    return new HttpError(429, "too many writes from " + who + "; retry after " + seconds + " s");
  }

  private static void syncEverySecond(AuditLog audit) {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
      audit.tick();
    }
  }

  /** The audit log, with authentication on. */
  public java.util.Optional<AuditLog> audit() {
    return java.util.Optional.ofNullable(audit);
  }

  /** Where the JWKS comes from and how its fetches went, with authentication on. */
  public java.util.Optional<dev.cairn.log.auth.JwksStatus> keys() {
    return java.util.Optional.ofNullable(authenticator).map(JwtAuthenticator::keys);
  }

  @Override
  public void close() throws IOException {
    if (syncer != null && syncer.isAlive()) {
      syncer.interrupt();
      audit.close();
    }
  }
}
