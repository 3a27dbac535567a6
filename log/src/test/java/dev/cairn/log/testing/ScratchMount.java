package dev.cairn.log.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;

/**
 * A small real file system mounted for one test, so that storage faults come from the kernel:
 * a size-capped tmpfs that fills up, a mount turned read-only, or ext4 on a loop device whose
 * backing image is made immutable (every write to the device then fails with EIO) or which the
 * kernel turns read-only after an error.
 *
 * <p>Mounting needs root and {@code mount(8)}: where the first mount is not permitted the test is
 * skipped by a JUnit assumption that says so. {@link #close} always unmounts, lazily if the file
 * system is still busy.
 */
public final class ScratchMount implements AutoCloseable {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  /** The exit status of a command that is not installed, as the shell reports it. */
  private static final int NOT_FOUND = 127;

  private final Path mountPoint;
  private final Path image;
  private boolean mounted = true;

  private ScratchMount(Path mountPoint, Path image) {
    this.mountPoint = mountPoint;
    this.image = image;
  }

  /** Mounts a tmpfs of at most {@code bytes} at {@code mountPoint} (created if missing). */
  public static ScratchMount tmpfs(Path mountPoint, long bytes) throws IOException {
    return tmpfs(mountPoint, bytes, 0);
  }

  /**
   * Mounts a tmpfs of at most {@code bytes} and {@code inodes} files and directories (0: no
   * limit) at {@code mountPoint}; creating a file beyond the limit fails with ENOSPC.
   */
  public static ScratchMount tmpfs(Path mountPoint, long bytes, long inodes) throws IOException {
    Files.createDirectories(mountPoint);
    String options = "size=" + (bytes >> 10) + "k" + (inodes > 0 ? ",nr_inodes=" + inodes : "");
    mountOrSkip(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs", mountPoint.toString()));
    return new ScratchMount(mountPoint, null);
  }

  /**
   * Makes an ext4 file system without a journal in a sparse {@code image} of {@code bytes} and
   * mounts it through a loop device at {@code mountPoint}, with {@code errors} as ext4's error
   * behaviour ({@code continue} or {@code remount-ro}).
   */
  public static ScratchMount ext4OnLoop(Path mountPoint, Path image, long bytes, String errors)
      throws IOException {
    Files.createDirectories(mountPoint);
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(bytes);
    }
    Result mkfs = exec(List.of("mkfs.ext4", "-q", "-F", "-O", "^has_journal", image.toString()));
    Assumptions.assumeFalse(mkfs.code() == NOT_FOUND,
        () -> "mkfs.ext4 is not installed, so this real-disk fault test cannot run");
    if (mkfs.code() != 0) {
      throw new IOException("mkfs.ext4 failed (" + mkfs.code() + "): " + mkfs.output());
    }
    mountOrSkip(List.of("mount", "-o", "loop,errors=" + errors, image.toString(),
        mountPoint.toString()));
    return new ScratchMount(mountPoint, image);
  }

  private static void mountOrSkip(List<String> command) throws IOException {
    Result r = exec(command);
    if (r.code() != 0) {
      String out = r.output().toLowerCase(Locale.ROOT);
      boolean notPermitted = r.code() == NOT_FOUND || !isRoot()
          || out.contains("permission denied") || out.contains("not permitted")
          || out.contains("only root") || out.contains("must be superuser")
          || out.contains("failed to setup loop device");
      Assumptions.assumeFalse(notPermitted, () -> "mounting a scratch file system is not"
          + " permitted here (needs root, mount(8) and a free loop device), so this real-disk"
          + " fault test cannot run: " + String.join(" ", command) + " said: " + r.output());
      throw new IOException(String.join(" ", command) + " failed (" + r.code() + "): "
          + r.output());
    }
  }

  private static boolean isRoot() {
    try {
      return "0".equals(exec(List.of("id", "-u")).output().strip());
    } catch (IOException e) {
      return false;
    }
  }

  /** Where it is mounted. */
  public Path path() {
    return mountPoint;
  }

  /**
   * Remounts read-only. Linux refuses while a file on it is open for writing, so this retries
   * until {@code timeout}: a file system whose writers open files briefly goes read-only between
   * two writes.
   */
  public void remountReadOnly(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Result r = exec(List.of("mount", "-o", "remount,ro", mountPoint.toString()));
      if (r.code() == 0) {
        return;
      }
      if (!r.output().contains("busy") || System.nanoTime() - deadline > 0) {
        throw new IOException("couldn't remount " + mountPoint + " read-only: " + r.output());
      }
      LockSupport.parkNanos(200_000);
    }
  }

  /** Grows (or shrinks) a tmpfs to {@code bytes} in place, as an operator grows a volume. */
  public void resize(long bytes) throws IOException {
    run(List.of("mount", "-o", "remount,size=" + (bytes >> 10) + "k", mountPoint.toString()));
  }

  /** Remounts read-write. */
  public void remountReadWrite() throws IOException {
    run(List.of("mount", "-o", "remount,rw", mountPoint.toString()));
  }

  /**
   * Makes the loop device's backing image immutable: from now on every write that reaches the
   * device fails, and the file system answers writes and syncs with EIO (a failing disk).
   */
  public void failWrites() throws IOException {
    run(List.of("chattr", "+i", requireImage().toString()));
    // Where the image lives on a file system that ignores the flag for open files (tmpfs, for
    // one), the device keeps working: then this drill cannot run here.
    Path probe = mountPoint.resolve("eio-probe");
    boolean failed;
    try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(4096));
      ch.force(true);
      failed = false;
    } catch (IOException expected) {
      failed = true;
    }
    if (!failed) {
      healWrites();
      Files.deleteIfExists(probe);
      Assumptions.abort("writes to " + mountPoint + " still work with its loop image "
          + image + " immutable (the image's file system ignores the flag for open files),"
          + " so EIO cannot be produced here");
    }
  }

  /** Lets writes reach the device again. */
  public void healWrites() throws IOException {
    run(List.of("chattr", "-i", requireImage().toString()));
  }

  /**
   * Reports an error to ext4 through its {@code trigger_fs_error} test hook; mounted with {@code
   * errors=remount-ro}, the kernel then turns the whole file system read-only at once, open
   * files included — what a real metadata error does. It stays read-only until unmounted.
   */
  public void triggerFsError(String message) throws IOException {
    String device = exec(List.of("findmnt", "-n", "-o", "SOURCE", mountPoint.toString()))
        .output().strip();
    Path hook = Path.of("/sys/fs/ext4", Path.of(device).getFileName().toString(),
        "trigger_fs_error");
    Assumptions.assumeTrue(Files.exists(hook), () -> "this kernel has no " + hook
        + ", so the file system cannot be made to fail here");
    Files.writeString(hook, message, StandardCharsets.US_ASCII);
  }

  /** Unmounts, checks the file system with e2fsck (repairing what it finds) and mounts it again. */
  public void remountAfterCheck() throws IOException {
    run(List.of("umount", mountPoint.toString()));
    Result check = exec(List.of("e2fsck", "-f", "-y", requireImage().toString()));
    // 0: clean; 1: errors corrected (the error the test reported is one).
    if (check.code() > 1) {
      throw new IOException("e2fsck found uncorrected errors (" + check.code() + "): "
          + check.output());
    }
    run(List.of("mount", "-o", "loop,errors=continue", requireImage().toString(),
        mountPoint.toString()));
  }

  private Path requireImage() {
    if (image == null) {
      throw new IllegalStateException(mountPoint + " is not on a loop device");
    }
    return image;
  }

  /**
   * Undoes what a drill may have left — an immutable image, a read-only tmpfs — as far as that
   * can be done in place, so that the log on it can close. Errors are ignored: this is cleanup.
   */
  public void undoFaults() throws IOException {
    if (image != null) {
      exec(List.of("chattr", "-i", image.toString()));
    } else {
      exec(List.of("mount", "-o", "remount,rw", mountPoint.toString()));
    }
  }

  /** Unmounts; lazily if something still holds it. */
  @Override
  public void close() throws IOException {
    if (!mounted) {
      return;
    }
    mounted = false;
    if (image != null) {
      exec(List.of("chattr", "-i", image.toString()));
    }
    Result r = exec(List.of("umount", mountPoint.toString()));
    if (r.code() != 0) {
      Result lazy = exec(List.of("umount", "-l", mountPoint.toString()));
      if (lazy.code() != 0) {
        throw new IOException("couldn't unmount " + mountPoint + ": " + r.output() + "; lazily: "
            + lazy.output());
      }
    }
  }

  private record Result(int code, String output) {}

  private static void run(List<String> command) throws IOException {
    Result r = exec(command);
    if (r.code() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + r.code() + "): "
          + r.output());
    }
  }

  private static Result exec(List<String> command) throws IOException {
    Process p;
    try {
      p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
    } catch (IOException e) {
      return new Result(NOT_FOUND, command.get(0) + " could not be run: " + e.getMessage());
    }
    try {
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in "
            + COMMAND_TIMEOUT);
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted running " + command.get(0), e);
    }
  }
}
