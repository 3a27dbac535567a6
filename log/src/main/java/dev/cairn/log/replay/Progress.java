package dev.cairn.log.replay;

/** Receives the progress of a long run: a unit, a total and how far it got. */
public interface Progress {
  /** A progress that shows nothing. */
  Progress NONE = new Progress() {
    @Override
    public void start(String task, long total, String unit) {}

    @Override
    public void advance(long done) {}

    @Override
    public void finish() {}
  };

  /** A new task of {@code total} units (0 if unknown). */
  void start(String task, long total, String unit);

  /** {@code done} units of the current task are done. */
  void advance(long done);

  /** The current task is over. */
  void finish();
}
