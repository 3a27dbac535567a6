package dev.cairn.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * What random access to a shared file mapping costs on this machine, against anonymous memory:
 * the memory the dedup index lives in. Maps a file of the given size in the given directory,
 * then times 2 M random 8-byte reads and 2 M random writes, four rounds, syncing the mapping
 * after the second (so the writes after it fault on clean pages again), and the same reads on a
 * direct buffer. Run it on its own, no build needed:
 *
 * <pre>java bench/src/main/java/dev/cairn/bench/MappedReadProbe.java 600 /path/on/the/disk</pre>
 */
public final class MappedReadProbe {
  private MappedReadProbe() {}

  public static void main(String[] args) throws IOException {
    int mb = Integer.parseInt(args[0]);
    Path file = Files.createTempFile(Path.of(args[1]), "mapped-read-probe", ".bin");
    int n = 2_000_000;
    Random random = new Random(1);
    int[] at = new int[n];
    for (int i = 0; i < n; i++) {
      at[i] = random.nextInt((mb << 20) / 8) * 8;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      ByteBuffer zero = ByteBuffer.allocateDirect(1 << 20);
      for (int i = 0; i < mb; i++) {
        ch.write(zero.clear());
      }
      MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) mb << 20);
      for (int round = 1; round <= 4; round++) {
        long t0 = System.nanoTime();
        long sum = 0;
        for (int i = 0; i < n; i++) {
          sum += mapped.getLong(at[i]);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          mapped.putLong(at[i], i);
        }
        long t2 = System.nanoTime();
        System.out.printf("round %d, %d MB mapped: read %.1f ns, write %.1f ns (%d)%n", round, mb,
            (t1 - t0) / (double) n, (t2 - t1) / (double) n, sum & 1);
        if (round == 2) {
          long t3 = System.nanoTime();
          mapped.force();
          System.out.printf("  synced in %.0f ms%n", (System.nanoTime() - t3) / 1e6);
        }
      }
    } finally {
      Files.delete(file);
    }
    ByteBuffer anonymous = ByteBuffer.allocateDirect(mb << 20);
    for (int round = 1; round <= 2; round++) {
      long t0 = System.nanoTime();
      long sum = 0;
      for (int i = 0; i < n; i++) {
        sum += anonymous.getLong(at[i]);
      }
      System.out.printf("round %d, %d MB anonymous: read %.1f ns (%d)%n", round, mb,
          (System.nanoTime() - t0) / (double) n, sum & 1);
    }
  }
}
