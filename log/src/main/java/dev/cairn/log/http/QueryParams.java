package dev.cairn.log.http;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.UrlEncoded;

/**
 * A request's query parameters, read strictly: the query is {@code name=value} pairs joined by
 * {@code &}, percent-encoded UTF-8; each parameter a route reads is given at most once; numbers
 * are canonical non-negative decimals ({@code 0|[1-9][0-9]{0,18}}); times are RFC 3339 in years
 * 0000 to 9999 or epoch seconds. Anything else is an {@link HttpError} 400 naming the parameter.
 */
final class QueryParams {
  private static final Instant FIRST = Instant.parse("0000-01-01T00:00:00Z");
  private static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999999999Z");
  private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,18}");
  private static final Pattern EPOCH_SECONDS = Pattern.compile("[0-9]{1,11}");

  private final Fields fields;

  private QueryParams(Fields fields) {
    this.fields = fields;
  }

  /**
   * The parameters of {@code query}, the raw (still encoded) query string; null for none.
   *
   * @throws HttpError 400 if it is not valid percent-encoded UTF-8
   */
  static QueryParams parse(String query) {
    Fields fields = new Fields(true);
    if (query != null && !query.isBlank()) {
      try {
        UrlEncoded.decodeUtf8To(query, fields);
      } catch (IllegalArgumentException e) {
        // Jetty's answer to "%zz" or "%A0" (not UTF-8): the client's mistake, not a 500.
        throw HttpError.badRequest("the query is not percent-encoded UTF-8: \""
            + Exchange.abbreviate(query) + "\"");
      }
    }
    return new QueryParams(fields);
  }

  /** A parameter's value, or null if absent; an error if given more than once. */
  String get(String name) {
    Fields.Field f = fields.get(name);
    if (f == null) {
      return null;
    }
    if (f.getValues().size() != 1) {
      throw HttpError.badRequest("query parameter " + name + " is given more than once");
    }
    return f.getValue();
  }

  /** A parameter as a canonical non-negative decimal, or {@code absent} if missing. */
  long decimal(String name, long absent) {
    String v = get(name);
    if (v == null) {
      return absent;
    }
    if (!DECIMAL.matcher(v).matches()) {
      throw HttpError.badRequest(name + " must be a non-negative decimal, got \""
          + Exchange.abbreviate(v) + "\"");
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw HttpError.badRequest(name + " is too large");
    }
  }

  /** A parameter as an RFC 3339 time or epoch seconds, or {@code absent} if missing. */
  Instant time(String name, Instant absent) {
    String v = get(name);
    if (v == null) {
      return absent;
    }
    Instant t;
    try {
      t = EPOCH_SECONDS.matcher(v).matches() ? Instant.ofEpochSecond(Long.parseLong(v))
          : Instant.parse(v);
    } catch (DateTimeParseException e) {
      t = null;
    }
    if (t == null || t.isBefore(FIRST) || t.isAfter(LAST)) {
      throw HttpError.badRequest(name + " must be an RFC 3339 time in years 0000-9999"
          + " (2026-11-22T10:00:00Z) or epoch seconds, got \"" + Exchange.abbreviate(v) + "\"");
    }
    return t;
  }
}
