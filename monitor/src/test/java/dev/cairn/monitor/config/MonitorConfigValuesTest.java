package dev.cairn.monitor.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The small parsers under the reader: durations, URLs, spelling distance. */
class MonitorConfigValuesTest {
  @Test
  void durationsInEachUnit() {
    assertThat(Durations.parse("500ms")).contains(Duration.ofMillis(500));
    assertThat(Durations.parse("30s")).contains(Duration.ofSeconds(30));
    assertThat(Durations.parse("5m")).contains(Duration.ofMinutes(5));
    assertThat(Durations.parse("2h")).contains(Duration.ofHours(2));
    assertThat(Durations.parse("1d")).contains(Duration.ofDays(1));
    assertThat(Durations.parse("0s")).contains(Duration.ZERO);
    assertThat(Durations.parse("999999999d")).contains(Duration.ofDays(999_999_999));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "m", "5 m", " 5m", "5m ", "-5m", "+5m", "5M", "1h30m",
      "1.5h", "5min", "1000000000s", "1w", "PT5M"})
  void notDurations(String text) {
    assertThat(Durations.parse(text)).isEmpty();
  }

  @Test
  void durationsAreWrittenInTheLargestExactUnit() {
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofMinutes(120))).isEqualTo("2h");
    assertThat(Durations.format(Duration.ofHours(48))).isEqualTo("2d");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    for (String s : new String[] {"500ms", "30s", "5m", "2h", "1d", "61m"}) {
      assertThat(Durations.format(Durations.parse(s).orElseThrow())).isEqualTo(s);
    }
  }

  @Test
  void prefixesGetATrailingSlashAndALowerCaseScheme() {
    assertThat(Urls.parse("https://log.example", true).url())
        .contains(URI.create("https://log.example/"));
    assertThat(Urls.parse("HTTPS://log.example/a/b", true).url())
        .contains(URI.create("https://log.example/a/b/"));
    assertThat(Urls.parse("http://[::1]:8080/x/", true).url())
        .contains(URI.create("http://[::1]:8080/x/"));
    assertThat(Urls.parse("https://hooks.example/x?a=b", false).url())
        .contains(URI.create("https://hooks.example/x?a=b"));
  }

  @Test
  void urlsThatAreRefusedSayWhy() {
    assertThat(Urls.parse("file:///etc/passwd", false).refusal())
        .isEqualTo("is not an http(s) URL");
    assertThat(Urls.parse("/relative", false).refusal()).isEqualTo("is not an http(s) URL");
    assertThat(Urls.parse("https:///nohost", false).refusal()).isEqualTo("has no host");
    assertThat(Urls.parse("https://a.example/#frag", false).refusal())
        .startsWith("must not have a fragment");
    assertThat(Urls.parse("https://a.example/?q", true).refusal())
        .startsWith("is a prefix and must not have a query");
    assertThat(Urls.parse("https://a b", false).refusal()).startsWith("is not a URL: ");
  }

  @Test
  void spellingDistanceCountsEditsAndSwaps() {
    assertThat(Spelling.distance("name", "name")).isZero();
    assertThat(Spelling.distance("name", "nmae")).isEqualTo(1);
    assertThat(Spelling.distance("channels", "chanels")).isEqualTo(1);
    assertThat(Spelling.distance("url", "uri")).isEqualTo(1);
    assertThat(Spelling.distance("max_age", "max_count")).isEqualTo(5);
    assertThat(Spelling.distance("", "abc")).isEqualTo(3);
  }
}
