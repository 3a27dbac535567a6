package dev.cairn.log.keys;

/** The wrapper's own log lines, at DEBUG: it reports every login and session at INFO. */
final class WrapperLog implements org.xipki.pkcs11.wrapper.Logger {
  private static final org.slf4j.Logger OUT = org.slf4j.LoggerFactory.getLogger(
      "org.xipki.pkcs11.wrapper");

  @Override
  public void info(String format, Object... args) {
    OUT.debug(format, args);
  }

  @Override
  public void warn(String format, Object... args) {
    OUT.warn(format, args);
  }

  @Override
  public void error(String format, Object... args) {
    OUT.error(format, args);
  }

  @Override
  public void debug(String format, Object... args) {
    OUT.debug(format, args);
  }

  @Override
  public void trace(String format, Object... args) {
    OUT.trace(format, args);
  }

  @Override
  public boolean isDebugEnabled() {
    return OUT.isDebugEnabled();
  }

  @Override
  public boolean isInfoEnabled() {
    return OUT.isDebugEnabled();
  }

  @Override
  public boolean isWarnEnabled() {
    return OUT.isWarnEnabled();
  }

  @Override
  public boolean isTraceEnabled() {
    return OUT.isTraceEnabled();
  }
}
