package dev.cairn.monitor.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * The URLs {@code monitor.yaml} accepts: absolute {@code http} or {@code https} URLs with a host,
 * no user information (credentials belong in a secret) and no fragment. A prefix (a log's or a
 * witness's) also has no query, and its path is made to end with {@code /}.
 */
final class Urls {
  private Urls() {}

  /** {@code text} as a URL, or why it is not one (without repeating it). */
  static Result parse(String text, boolean prefix) {
    URI u;
    try {
      u = new URI(text);
    } catch (URISyntaxException e) {
      return new Result(Optional.empty(), "is not a URL: " + e.getReason());
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return refused("is not an http(s) URL");
    }
    if (u.getRawAuthority() == null || u.getHost() == null) {
      return refused("has no host");
    }
    if (u.getRawUserInfo() != null) {
      return refused("must not carry credentials (user:password@)");
    }
    if (u.getRawFragment() != null) {
      return refused("must not have a fragment (#...)");
    }
    if (prefix && u.getRawQuery() != null) {
      return refused("is a prefix and must not have a query (?...)");
    }
    String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
    if (prefix && !path.endsWith("/")) {
      path += "/";
    }
    return new Result(Optional.of(URI.create(scheme + "://" + u.getRawAuthority() + path
        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()))), "");
  }

  private static Result refused(String why) {
    return new Result(Optional.empty(), why);
  }

  /**
   * A URL, or why there is none.
   *
   * @param url the URL, scheme in lower case
   * @param refusal why the text was refused, when it was
   */
  record Result(Optional<URI> url, String refusal) {}
}
