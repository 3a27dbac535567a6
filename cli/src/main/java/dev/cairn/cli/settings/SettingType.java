package dev.cairn.cli.settings;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the text of a setting becomes a value. Every parser strips surrounding white space first
 * and is strict about the rest; a text it refuses gets an {@link IllegalArgumentException} whose
 * message says what was expected, which {@link SettingValues} prefixes with the key, the text and
 * where it came from.
 *
 * @param <T> the value's type
 */
public final class SettingType<T> {
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m)");
  private static final Pattern BYTES = Pattern.compile("([0-9]{1,9})(KiB|MiB|GiB)?");

  private final String label;
  private final Function<String, T> parser;
  private final boolean flagAlone;

  private SettingType(String label, Function<String, T> parser, boolean flagAlone) {
    this.label = label;
    this.parser = parser;
    this.flagAlone = flagAlone;
  }

  /** A type parsed by {@code parser}, shown in help as {@code label}. */
  public static <T> SettingType<T> of(String label, Function<String, T> parser) {
    return new SettingType<>(label, parser, false);
  }

  /** {@code <n>ms}, {@code <n>s} or {@code <n>m}, with n of at most nine digits. */
  public static SettingType<Duration> duration() {
    return of("DURATION", text -> {
      Matcher m = DURATION.matcher(text);
      if (!m.matches()) {
        throw new IllegalArgumentException("expected a duration like 25ms, 1s or 2m");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        default -> Duration.ofMinutes(n);
      };
    });
  }

  /** A whole number of at most nine decimal digits: no sign, no exponent; 0 is accepted. */
  public static SettingType<Integer> wholeNumber() {
    return of("N", text -> {
      if (!text.matches("[0-9]{1,9}")) {
        throw new IllegalArgumentException("expected a positive whole number");
      }
      return Integer.parseInt(text);
    });
  }

  /**
   * A number of bytes: a whole number of at most nine digits, alone or followed by {@code KiB},
   * {@code MiB} or {@code GiB} (powers of 1024, no space): {@code 65536}, {@code 64MiB}.
   */
  public static SettingType<Long> bytes() {
    return of("BYTES", text -> {
      Matcher m = BYTES.matcher(text);
      if (!m.matches()) {
        throw new IllegalArgumentException("expected a number of bytes like 65536, 512KiB,"
            + " 64MiB or 1GiB");
      }
      long n = Long.parseLong(m.group(1));
      return m.group(2) == null ? n : n << switch (m.group(2)) {
        case "KiB" -> 10;
        case "MiB" -> 20;
        default -> 30;
      };
    });
  }

  /** {@code true} or {@code false}, in lower case; the flag given alone means {@code true}. */
  public static SettingType<Boolean> bool() {
    return new SettingType<>("true|false", text -> switch (text) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("expected true or false");
    }, true);
  }

  /** An address to listen on, as {@link HostPort#parse} accepts it. */
  public static SettingType<HostPort> hostPort() {
    return of("HOST:PORT", HostPort::parse);
  }

  /** A file system path, not empty. */
  public static SettingType<Path> path() {
    return of("FILE", text -> {
      if (text.isEmpty()) {
        throw new IllegalArgumentException("must not be empty");
      }
      try {
        return Path.of(text);
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException("not a path: " + e.getReason());
      }
    });
  }

  /** Any text, as given (but stripped). */
  public static SettingType<String> text() {
    return of("TEXT", text -> text);
  }

  /** One of the constants of {@code type}, named in any case: {@code dev} or {@code PROD}. */
  public static <E extends Enum<E>> SettingType<E> oneOf(Class<E> type) {
    List<E> constants = List.of(type.getEnumConstants());
    List<String> names = constants.stream().map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
    String expected = "expected " + (names.size() == 1 ? names.getFirst()
        : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast());
    return of(String.join("|", names), text -> constants.stream()
        .filter(e -> e.name().equalsIgnoreCase(text)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(expected)));
  }

  /** This type, or nothing when the text is empty. */
  public SettingType<Optional<T>> optional() {
    return new SettingType<>(label, text -> text.isEmpty() ? Optional.empty()
        : Optional.of(parser.apply(text)), flagAlone);
  }

  /** What help shows for the value, e.g. {@code DURATION}. */
  public String label() {
    return label;
  }

  /** Whether the flag may be given without a value, meaning {@code true}. */
  public boolean flagAlone() {
    return flagAlone;
  }

  /** The value of {@code text}; throws {@link IllegalArgumentException} saying what it expected. */
  public T parse(String text) {
    return parser.apply(text.strip());
  }
}
