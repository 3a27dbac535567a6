package dev.cairn.cluster;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where an {@link S3ObjectStore} keeps its objects: a bucket, a key prefix, and how to reach
 * the service. Written as a URL:
 *
 * <pre>s3://&lt;bucket&gt;[/&lt;prefix&gt;][?endpoint=&lt;http(s)://host[:port]&gt;][&amp;region=&lt;region&gt;][&amp;path_style=true|false]</pre>
 *
 * <ul>
 *   <li>{@code bucket}: an S3 bucket name, 3 to 63 of {@code a-z 0-9 . -}, starting and ending
 *       with a letter or digit.
 *   <li>{@code prefix}: {@code /}-separated segments of {@code A-Z a-z 0-9 . _ -}, none empty,
 *       {@code .} or {@code ..}, without a trailing {@code /}; absent or empty for the bucket's
 *       root. Object {@code p} is stored at key {@code <prefix>/p}.
 *   <li>{@code endpoint}: an S3-compatible service ({@code http} or {@code https}, a host, a
 *       port, no path); absent for AWS itself.
 *   <li>{@code region}: default {@code us-east-1}.
 *   <li>{@code path_style}: address the bucket in the path ({@code host/bucket/key}) rather than
 *       the host name ({@code bucket.host/key}), as most self-hosted services need; default
 *       {@code false}.
 * </ul>
 *
 * <p>Each parameter at most once, no others. Credentials never belong in the URL (it is logged):
 * one with user information is refused.
 */
public record S3Location(String bucket, String prefix, Optional<URI> endpoint, String region,
    boolean pathStyle) {
  private static final Pattern BUCKET =
      Pattern.compile("[a-z0-9](?:[a-z0-9.-]{1,61})[a-z0-9]");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");
  private static final String DEFAULT_REGION = "us-east-1";

  /** Checks every part as {@link #parse} does. */
  public S3Location {
    if (!BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException("bad bucket name '" + bucket + "': 3 to 63 of a-z 0-9"
          + " . -, starting and ending with a letter or digit");
    }
    if (!prefix.isEmpty()) {
      for (String segment : prefix.split("/", -1)) {
        if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
          throw new IllegalArgumentException("bad prefix '" + prefix + "': segments of"
              + " A-Z a-z 0-9 . _ -, none empty, '.' or '..', and no trailing '/'");
        }
      }
    }
    endpoint.ifPresent(S3Location::checkEndpoint);
    if (!REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("bad region '" + region + "': expected a-z 0-9 -,"
          + " for example us-east-1");
    }
  }

  /**
   * Parses an {@code s3://} URL of the form above.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static S3Location parse(String url) {
    if (!url.startsWith("s3://")) {
      throw new IllegalArgumentException("not an s3:// URL: " + url);
    }
    String rest = url.substring("s3://".length());
    int q = rest.indexOf('?');
    String query = q < 0 ? "" : rest.substring(q + 1);
    String location = q < 0 ? rest : rest.substring(0, q);
    if (location.contains("@")) {
      // Not echoed: the part before '@' is probably a secret.
      throw new IllegalArgumentException("an s3:// URL carries no credentials: give them in"
          + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or another source of the AWS default"
          + " chain)");
    }
    if (location.contains("#")) {
      throw new IllegalArgumentException("an s3:// URL has no fragment: " + url);
    }
    int slash = location.indexOf('/');
    String bucket = slash < 0 ? location : location.substring(0, slash);
    String prefix = slash < 0 ? "" : location.substring(slash + 1);
    if (bucket.isEmpty()) {
      throw new IllegalArgumentException("missing bucket in " + url
          + ": expected s3://<bucket>[/<prefix>]");
    }
    Map<String, String> params = parameters(query, url);
    String endpoint = params.remove("endpoint");
    String region = params.remove("region");
    String pathStyle = params.remove("path_style");
    if (!params.isEmpty()) {
      throw new IllegalArgumentException("unknown parameter '" + params.keySet().iterator().next()
          + "' in " + url + ": known are endpoint, region and path_style");
    }
    if (pathStyle != null && !pathStyle.equals("true") && !pathStyle.equals("false")) {
      throw new IllegalArgumentException("bad path_style '" + pathStyle
          + "': expected true or false");
    }
    return new S3Location(bucket, prefix,
        Optional.ofNullable(endpoint).map(S3Location::endpointUri),
        region != null ? region : DEFAULT_REGION, "true".equals(pathStyle));
  }

  private static Map<String, String> parameters(String query, String url) {
    Map<String, String> params = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return params;
    }
    for (String pair : query.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("bad parameter '" + pair + "' in " + url
            + ": expected name=value");
      }
      String name = pair.substring(0, eq);
      String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (params.put(name, value) != null) {
        throw new IllegalArgumentException("parameter '" + name + "' given twice in " + url);
      }
    }
    return params;
  }

  private static URI endpointUri(String endpoint) {
    try {
      return new URI(endpoint);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad endpoint '" + endpoint + "': " + e.getReason(), e);
    }
  }

  private static void checkEndpoint(URI endpoint) {
    String scheme = endpoint.getScheme();
    boolean http = "http".equals(scheme) || "https".equals(scheme);
    String path = endpoint.getRawPath();
    if (!http || endpoint.getHost() == null || endpoint.getRawUserInfo() != null
        || (path != null && !path.isEmpty() && !path.equals("/"))
        || endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
      throw new IllegalArgumentException("bad endpoint '"
          + (endpoint.getRawUserInfo() != null ? "(with user information)" : endpoint)
          + "': expected http(s)://host[:port], for example http://127.0.0.1:9000");
    }
  }

  /** The object key of {@code path}. */
  String key(String path) {
    return prefix.isEmpty() ? path : prefix + "/" + path;
  }

  /** {@code path} as a URL, for messages. */
  String where(String path) {
    return "s3://" + bucket + "/" + key(path);
  }

  /** The URL {@link #parse} reads back to this location. */
  @Override
  public String toString() {
    StringBuilder url = new StringBuilder("s3://").append(bucket);
    if (!prefix.isEmpty()) {
      url.append('/').append(prefix);
    }
    url.append("?");
    endpoint.ifPresent(e -> url.append("endpoint=").append(e).append('&'));
    return url.append("region=").append(region).append("&path_style=").append(pathStyle)
        .toString();
  }
}
