package dev.cairn.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/** One request and its response, with the few helpers the routes need. */
final class Exchange {
  final Request request;
  final Response response;
  final Callback callback;
  private Fields query;
  private int status;

  Exchange(Request request, Response response, Callback callback) {
    this.request = request;
    this.response = response;
    this.callback = callback;
  }

  String path() {
    return request.getHttpURI().getPath();
  }

  String method() {
    return request.getMethod();
  }

  boolean isHead() {
    return "HEAD".equals(request.getMethod());
  }

  /** The status sent, 0 before anything was sent. */
  int status() {
    return status;
  }

  /** A query parameter, if present exactly once. */
  String param(String name) {
    if (query == null) {
      query = Request.extractQueryParameters(request);
    }
    Fields.Field f = query.get(name);
    if (f == null) {
      return null;
    }
    if (f.getValues().size() != 1) {
      throw HttpError.badRequest("query parameter " + name + " is given more than once");
    }
    return f.getValue();
  }

  /** A query parameter as a non-negative decimal, or {@code absent} if missing. */
  long longParam(String name, long absent) {
    String v = param(name);
    if (v == null) {
      return absent;
    }
    if (!v.matches("0|[1-9][0-9]{0,18}")) {
      throw HttpError.badRequest(name + " must be a non-negative decimal, got \""
          + abbreviate(v) + "\"");
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw HttpError.badRequest(name + " is too large");
    }
  }

  boolean accepts(String mediaType) {
    String accept = request.getHeaders().get(HttpHeader.ACCEPT);
    return accept != null && accept.contains(mediaType);
  }

  /** Reads the body, refusing more than {@code max} bytes with 413. */
  byte[] body(int max) throws IOException {
    long declared = request.getLength();
    if (declared > max) {
      throw new HttpError(413, "request body of " + declared + " bytes is larger than the "
          + max + " allowed");
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw new HttpError(413, "request body is larger than the " + max + " bytes allowed");
      }
      return b;
    }
  }

  void send(int code, String contentType, String cacheControl, byte[] body) {
    status = code;
    response.setStatus(code);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    if (cacheControl != null) {
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, cacheControl);
    }
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, isHead() ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
  }

  void text(int code, String cacheControl, String text) {
    send(code, "text/plain; charset=utf-8", cacheControl, text.getBytes(StandardCharsets.UTF_8));
  }

  void error(int code, String reason) {
    text(code, "no-store", oneLine(reason) + "\n");
  }

  static String oneLine(String s) {
    String line = s == null ? "error" : s.replaceAll("[\\r\\n]+", " ");
    return line.length() > 500 ? line.substring(0, 500) + "..." : line;
  }

  static String abbreviate(String s) {
    String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
