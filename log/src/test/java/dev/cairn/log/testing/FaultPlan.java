package dev.cairn.log.testing;

import java.io.IOException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults a wrapper injects into its next calls: each armed fault hits exactly one later call
 * whose key starts with the fault's prefix, in the order they were armed. Thread-safe.
 */
final class FaultPlan {
  @FunctionalInterface
  interface Write {
    void run() throws IOException;
  }

  private record Armed(Fault fault, String prefix) {}

  private final String what;
  /** The process crash shared by every store of a test, if any. */
  private volatile Crash crash;
  private final ConcurrentLinkedQueue<Armed> armed = new ConcurrentLinkedQueue<>();
  private final AtomicInteger injected = new AtomicInteger();

  FaultPlan(String what) {
    this.what = what;
  }

  void crashWith(Crash crash) {
    this.crash = crash;
  }

  /** Runs {@code write}, unless a crash comes first; injects no fault. */
  void step(String key, Write write) throws IOException {
    Crash c = crash;
    if (c == null) {
      write.run();
    } else {
      c.step(what + " " + key, write);
    }
  }

  void arm(Fault fault) {
    arm(fault, "");
  }

  void arm(Fault fault, String keyPrefix) {
    armed.add(new Armed(fault, keyPrefix));
  }

  void clear() {
    armed.clear();
  }

  int injected() {
    return injected.get();
  }

  /** Runs {@code write} for {@code key}, or fails it as the first matching armed fault says. */
  void apply(String key, Write write) throws IOException {
    Fault f = take(key);
    if (f == null) {
      step(key, write);
      return;
    }
    injected.incrementAndGet();
    if (f == Fault.PERSIST) {
      step(key, write);
    }
    throw new IOException("injected " + f + " fault in " + what + " " + key);
  }

  private Fault take(String key) {
    for (Armed a : armed) {
      if (key.startsWith(a.prefix()) && armed.remove(a)) {
        return a.fault();
      }
    }
    return null;
  }
}
