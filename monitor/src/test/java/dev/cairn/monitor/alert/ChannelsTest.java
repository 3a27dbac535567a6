package dev.cairn.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.monitor.config.MonitorConfig.ChannelConfig;
import dev.cairn.monitor.config.MonitorConfig.Smtp;
import dev.cairn.monitor.report.Severity;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Channels built from configuration. */
class ChannelsTest {
  private static final URI URL = URI.create("https://hooks.example/x/secret");

  @Test
  void buildsEachTypeWithItsMinimumSeverity() throws Exception {
    List<Route> routes = Channels.routes(List.of(
        new ChannelConfig("hook", "webhook", Optional.of(URL),
            Optional.of("k".getBytes(StandardCharsets.UTF_8)), Optional.empty(), Severity.INFO),
        new ChannelConfig("chat", "slack", Optional.of(URL), Optional.empty(), Optional.empty(),
            Severity.ERROR),
        new ChannelConfig("mail", "email", Optional.empty(), Optional.empty(),
            Optional.of(new Smtp("smtp.example", 587, true, Optional.empty(), Optional.empty(),
                "monitor@example.com", List.of("ops@example.com"), Optional.empty())),
            Severity.CRITICAL)),
        TestAlerts.delivery(3, 3, Duration.ofMinutes(1), Duration.ofSeconds(10)));
    assertThat(routes).extracting(r -> r.channel().getClass().getSimpleName())
        .containsExactly("WebhookChannel", "SlackChannel", "EmailChannel");
    assertThat(routes).extracting(Route::minSeverity)
        .containsExactly(Severity.INFO, Severity.ERROR, Severity.CRITICAL);
    assertThat(routes.get(1).channel().toString()).doesNotContain("secret");
    assertThat(routes.get(1).accepts(TestAlerts.alert("1", "opened"))).isTrue();
  }

  @Test
  void aMissingSettingOrUnknownTypeNamesTheChannel() {
    var delivery = TestAlerts.delivery(3, 3, Duration.ofMinutes(1), Duration.ofSeconds(10));
    assertThatThrownBy(() -> Channels.routes(List.of(new ChannelConfig("hook", "webhook",
        Optional.of(URL), Optional.empty(), Optional.empty(), Severity.INFO)), delivery))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("channel hook: a webhook channel needs an HMAC secret");
    assertThatThrownBy(() -> Channels.routes(List.of(new ChannelConfig("x", "pager",
        Optional.of(URL), Optional.empty(), Optional.empty(), Severity.INFO)), delivery))
        .hasMessageContaining("channel x: unknown type \"pager\"");
  }
}
