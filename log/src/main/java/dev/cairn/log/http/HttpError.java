package dev.cairn.log.http;

/** A request the API answers with a 4xx or 5xx status and a one-line reason. */
public final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public HttpError(int status, String reason) {
    super(reason);
    this.status = status;
  }

  public int status() {
    return status;
  }

  static HttpError badRequest(String reason) {
    return new HttpError(400, reason);
  }

  static HttpError notFound(String reason) {
    return new HttpError(404, reason);
  }
}
