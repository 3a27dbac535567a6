package dev.cairn.log.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * The query parameters of the audit routes ({@code /proof/inclusion}, {@code
 * /proof/consistency}, {@code /checkpoints}) and the witness's and monitor's, read as the routes
 * read them: each is absent, a value, or an {@link HttpError} 400 — never another exception (a
 * 500). An accepted number is canonical and an accepted time lies in years 0000 to 9999.
 */
class QueryParamsFuzzTest {
  private static final List<String> NAMES =
      List.of("index", "size", "hash", "old", "new", "after", "limit", "from", "to", "origin");
  private static final Instant FIRST = Instant.parse("0000-01-01T00:00:00Z");
  private static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999999999Z");

  @FuzzTest(maxDuration = "2m")
  void query(byte[] data) {
    QueryParams params;
    try {
      params = QueryParams.parse(new String(data, StandardCharsets.UTF_8));
    } catch (HttpError e) {
      assertThat(e.status()).isEqualTo(400);
      return;
    }
    for (String name : NAMES) {
      try {
        long n = params.decimal(name, -1);
        if (n >= 0) {
          assertThat(Long.toString(n)).isEqualTo(params.get(name));
        }
      } catch (HttpError e) {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains(name);
      }
      try {
        Instant t = params.time(name, Instant.EPOCH);
        assertThat(t).isBetween(FIRST, LAST);
      } catch (HttpError e) {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains(name);
      }
    }
  }
}
