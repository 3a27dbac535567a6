package dev.cairn.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Slack message, and that the webhook URL (a secret) stays out of errors. */
class SlackChannelTest {
  private static final String SECRET_PATH = "/services/T000/B000/XXXXsecretXXXX";

  @Test
  void postsOneReadableMessage() throws Exception {
    Alert opened = TestAlerts.alert("12", "opened");
    Alert resolved = TestAlerts.alert("12", "resolved");
    try (Receiver receiver = Receiver.ok();
        SlackChannel channel = new SlackChannel("slack", receiver.uri(SECRET_PATH),
            Duration.ofSeconds(5))) {
      channel.deliver(opened);
      channel.deliver(resolved);
      Receiver.Request r = receiver.requests().get(0);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      JsonNode body = AlertJson.MAPPER.readTree(r.body());
      assertThat(body.size()).isEqualTo(1);
      assertThat(body.get("text").textValue()).isEqualTo(
          ":rotating_light: *CRITICAL* `log.split_view` on *example*: opened\n"
              + "log example served two checkpoints of size 12 &lt;&amp;&gt;\n"
              + "Run `run-1` · fingerprint `" + opened.finding().fingerprint() + "`");
      String text = AlertJson.MAPPER.readTree(receiver.requests().get(1).body()).get("text")
          .textValue();
      assertThat(text).startsWith(":white_check_mark: *Resolved:* *CRITICAL* `log.split_view`"
          + " on *example*\n");
    }
  }

  @Test
  void errorsNameOnlyTheSchemeAndHost() throws Exception {
    try (Receiver receiver = new Receiver((n, r) -> 404);
        SlackChannel channel = new SlackChannel("slack", receiver.uri(SECRET_PATH),
            Duration.ofSeconds(5))) {
      URI origin = receiver.uri("");
      assertThatThrownBy(() -> channel.deliver(TestAlerts.alert("1", "opened")))
          .isInstanceOf(IOException.class)
          .hasMessage("POST " + origin + " answered 404: nope: status 404")
          .hasMessageNotContaining("secret").hasNoCause();
      assertThat(channel.toString()).doesNotContain("secret");
    }
    URI gone;
    try (Receiver receiver = Receiver.ok()) {
      gone = receiver.uri(SECRET_PATH);
    }
    try (SlackChannel channel = new SlackChannel("slack", gone, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> channel.deliver(TestAlerts.alert("1", "opened")))
          .isInstanceOf(IOException.class).hasMessageNotContaining("secret").hasNoCause();
    }
  }
}
