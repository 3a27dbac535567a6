package dev.cairn.log.http;

/**
 * Tells Jetty how many references pad its queues to a cache line, before Jetty asks the JVM: it
 * asks whether references are compressed through the platform MBean server, which it builds for
 * that alone, with every platform bean and their descriptions (~0.1 s of CPU at every start on
 * two cores; docs/design/start-up.md).
 */
public final class JettyPadding {
  private static final String REFERENCES_PER_CACHE_LINE =
      "org.eclipse.jetty.util.referencesPerCacheLine";

  private JettyPadding() {}

  /**
   * Sets Jetty's {@code referencesPerCacheLine}, unless the operator did: a cache line ({@code
   * org.eclipse.jetty.util.cacheLineBytes}, 64 bytes unless set) in 4-byte references. That is
   * Jetty's own answer with compressed references, and twice its padding without them. Call it
   * before the process first uses Jetty.
   */
  public static void apply() {
    if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
      int bytes = Integer.getInteger("org.eclipse.jetty.util.cacheLineBytes", 64);
      System.setProperty(REFERENCES_PER_CACHE_LINE, Integer.toString(Math.max(1, bytes / 4)));
    }
  }
}
