package dev.cairn.cli.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each type's accepted text, and the message for what it refuses. */
class SettingTypeTest {
  enum Colour { RED, GREEN, BLUE }

  @Test
  void durationsInMillisecondsSecondsOrMinutes() {
    SettingType<Duration> t = SettingType.duration();
    assertThat(t.parse("10ms")).isEqualTo(Duration.ofMillis(10));
    assertThat(t.parse(" 1s ")).isEqualTo(Duration.ofSeconds(1));
    assertThat(t.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(t.parse("0s")).isZero();
    assertThat(t.parse("999999999ms")).isEqualTo(Duration.ofMillis(999_999_999));
    for (String bad : new String[] {"", "5", "5 minutes", "1h", "-1s", "1.5s", "1S",
        "1000000000ms", "s"}) {
      assertThatThrownBy(() -> t.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("expected a duration like 25ms, 1s or 2m");
    }
    assertThat(t.label()).isEqualTo("DURATION");
  }

  @Test
  void wholeNumbersOfAtMostNineDigits() {
    SettingType<Integer> t = SettingType.wholeNumber();
    assertThat(t.parse("0")).isZero();
    assertThat(t.parse("65536")).isEqualTo(65536);
    assertThat(t.parse("007")).isEqualTo(7);
    assertThat(t.parse("999999999")).isEqualTo(999_999_999);
    for (String bad : new String[] {"", "-1", "+1", "1e3", "4,096", "0x10", "1000000000", "x"}) {
      assertThatThrownBy(() -> t.parse(bad)).as(bad)
          .hasMessage("expected a positive whole number");
    }
  }

  @Test
  void bytesAreAWholeNumberWithAnOptionalBinaryUnit() {
    SettingType<Long> t = SettingType.bytes();
    assertThat(t.parse("65536")).isEqualTo(65_536L);
    assertThat(t.parse("0")).isZero();
    assertThat(t.parse("512KiB")).isEqualTo(512L << 10);
    assertThat(t.parse(" 64MiB ")).isEqualTo(64L << 20);
    assertThat(t.parse("999999999GiB")).isEqualTo(999_999_999L << 30);
    for (String bad : new String[] {"", "-1", "64 MiB", "64MB", "64mib", "1.5GiB", "64M",
        "1000000000", "GiB"}) {
      assertThatThrownBy(() -> t.parse(bad)).as(bad)
          .hasMessage("expected a number of bytes like 65536, 512KiB, 64MiB or 1GiB");
    }
  }

  @Test
  void booleansAreTrueOrFalseAndMayBeAFlagAlone() {
    SettingType<Boolean> t = SettingType.bool();
    assertThat(t.parse("true")).isTrue();
    assertThat(t.parse("false")).isFalse();
    for (String bad : new String[] {"", "yes", "1", "TRUE", "on"}) {
      assertThatThrownBy(() -> t.parse(bad)).as(bad).hasMessage("expected true or false");
    }
    assertThat(t.flagAlone()).isTrue();
    assertThat(SettingType.wholeNumber().flagAlone()).isFalse();
  }

  @Test
  void hostAndPort() {
    SettingType<HostPort> t = SettingType.hostPort();
    assertThat(t.parse("127.0.0.1:8080")).isEqualTo(new HostPort("127.0.0.1", 8080));
    assertThat(t.parse("[::1]:8443")).isEqualTo(new HostPort("::1", 8443));
    assertThat(t.parse("log.example:0")).isEqualTo(new HostPort("log.example", 0));
    assertThat(t.parse("0.0.0.0:65535").port()).isEqualTo(65535);
    for (String bad : new String[] {"nonsense", ":8080", "host:", "host:65536", "host:123456",
        "host:-1", "host:http"}) {
      assertThatThrownBy(() -> t.parse(bad)).as(bad)
          .hasMessage("expected HOST:PORT, e.g. 127.0.0.1:8080");
    }
  }

  @Test
  void pathsMustNotBeEmpty() {
    SettingType<Path> t = SettingType.path();
    assertThat(t.parse("/srv/log")).isEqualTo(Path.of("/srv/log"));
    assertThat(t.parse(" ./cairn-data ")).isEqualTo(Path.of("./cairn-data"));
    assertThatThrownBy(() -> t.parse("  ")).hasMessage("must not be empty");
    assertThatThrownBy(() -> t.parse("a\0b")).hasMessageStartingWith("not a path: ");
  }

  @Test
  void enumsByNameInAnyCase() {
    SettingType<Colour> t = SettingType.oneOf(Colour.class);
    assertThat(t.parse("red")).isEqualTo(Colour.RED);
    assertThat(t.parse("BLUE")).isEqualTo(Colour.BLUE);
    assertThatThrownBy(() -> t.parse("purple")).hasMessage("expected red, green or blue");
    assertThat(t.label()).isEqualTo("red|green|blue");
  }

  @Test
  void optionalIsNothingWhenEmptyAndStrictOtherwise() {
    SettingType<Optional<Integer>> t = SettingType.wholeNumber().optional();
    assertThat(t.parse("")).isEmpty();
    assertThat(t.parse("   ")).isEmpty();
    assertThat(t.parse("12")).contains(12);
    assertThatThrownBy(() -> t.parse("twelve")).hasMessage("expected a positive whole number");
    assertThat(SettingType.text().optional().parse(" example.com/log "))
        .contains("example.com/log");
  }

  @Test
  void aSettingDerivesItsFlagAndVariableFromItsKey() {
    Setting<Integer> s = Setting.of("max_connections_per_address", SettingType.wholeNumber(),
        "1024", "Most connections from one address.");
    assertThat(s.flag()).isEqualTo("--max-connections-per-address");
    assertThat(s.environmentVariable()).isEqualTo("CAIRN_MAX_CONNECTIONS_PER_ADDRESS");
    assertThat(s.named()).isEqualTo("max_connections_per_address"
        + " (--max-connections-per-address)");
    assertThat(s.label()).isEqualTo("N");
    assertThat(s.label("COUNT").label()).isEqualTo("COUNT");
  }

  @Test
  void aBadDeclarationFailsWhenDeclared() {
    assertThatThrownBy(() -> Setting.of("pool_limit", SettingType.wholeNumber(), "lots", "."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the default of pool_limit, \"lots\", is not valid: expected a positive"
            + " whole number");
    for (String key : new String[] {"Pool_limit", "pool-limit", "pool__limit", "_pool", "pool_",
        "1pool", ""}) {
      assertThatThrownBy(() -> Setting.of(key, SettingType.text(), "", ".")).as(key)
          .hasMessageContaining("lower_snake_case");
    }
  }
}
