package dev.cairn.monitor.alert;

/**
 * What delivery does, for metrics. Called from the channels' workers, concurrently: an
 * implementation MUST be thread-safe and quick (it is on the delivery path), and SHOULD NOT
 * throw (what it throws is logged and ignored).
 */
public interface DeliveryListener {
  /** Does nothing. */
  DeliveryListener NONE = new DeliveryListener() {};

  /**
   * One delivery attempt on {@code channel} ended.
   *
   * @param outcome {@code delivered}; {@code failed} (it will be retried); or {@code given_up}
   *     (it failed and was the last attempt: the alert is recorded failed)
   */
  default void attempted(String channel, String outcome) {}

  /**
   * {@code channel}'s circuit breaker changed state.
   *
   * @param state {@code closed} (delivering), {@code open} (not trying until the cooldown
   *     ends), or {@code half_open} (one trial delivery)
   */
  default void breakerState(String channel, String state) {}

  /** {@code channel} now has {@code pending} alerts queued or being delivered. */
  default void queued(String channel, int pending) {}
}
