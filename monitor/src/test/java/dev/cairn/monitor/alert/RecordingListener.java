package dev.cairn.monitor.alert;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what a {@link DeliveryListener} is told, as {@code channel:what}. */
final class RecordingListener implements DeliveryListener {
  final List<String> attempts = new CopyOnWriteArrayList<>();
  final List<String> states = new CopyOnWriteArrayList<>();

  @Override
  public void attempted(String channel, String outcome) {
    attempts.add(channel + ":" + outcome);
  }

  @Override
  public void breakerState(String channel, String state) {
    states.add(channel + ":" + state);
  }
}
