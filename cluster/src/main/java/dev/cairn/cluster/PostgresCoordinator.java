package dev.cairn.cluster;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.SequencedBatch;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StorageException.Kind;
import dev.cairn.log.storage.StoredCheckpoint;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.Version;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Coordinator} of a log whose nodes share one PostgreSQL database. The database is
 * the commit point: a batch's indices and deduplication become final in one transaction
 * committed with {@code synchronous_commit=on}, and that commit is what a node acknowledges.
 * Every node commits ({@link #commit}); the lease holder builds the tree over what was committed
 * ({@link Lease#assign} adopts it), integrates and publishes.
 *
 * <p>Serialisation: every commit takes the one {@code sequencing} row {@code FOR UPDATE}, so
 * commits from all nodes form one order and indices are contiguous; indices never come from a
 * PostgreSQL sequence ({@code nextval} is not transactional: a rolled-back batch would leave a
 * gap).
 *
 * <p>Fencing: the lease row is taken and renewed on the database's clock, never the nodes' —
 * {@code clock_timestamp()}, not {@code now()}: a transaction's {@code now()} is when it began,
 * so a node whose update waited for the row would grant itself a lease already partly spent
 * (measured in a drill: expired on arrival, and taken by the next node 40 ms later). Every change a holder makes reads the lease row {@code FOR SHARE} in its own
 * transaction and fails with {@code FENCED} unless the epoch is still its own and unexpired; a
 * node taking the lease must update that row, so it waits for such a transaction to end, and
 * none can commit after the lease passed.
 */
public final class PostgresCoordinator implements Coordinator {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresCoordinator.class);

  private final Database db;
  private final ObjectStoreReader tiles;
  private final String node;
  private final Duration ttl;
  private final History history = new History();
  private final java.util.Set<PgLease> leases = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A coordinator over {@code db}, checking checkpoints against the tiles in {@code tiles}.
   *
   * @param node this node's name, recorded with its commits and checkpoints
   * @param ttl how long a lease lives unless renewed
   */
  public PostgresCoordinator(Database db, ObjectStoreReader tiles, String node, Duration ttl) {
    this.db = db;
    this.tiles = tiles;
    this.node = node;
    this.ttl = ttl;
  }

  /** How long a lease lives unless renewed. */
  public Duration leaseTtl() {
    return ttl;
  }

  @Override
  public PgLease acquire(String holder) throws IOException {
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement("UPDATE lease SET holder = ?,"
          + " epoch = epoch + 1, expires_at = clock_timestamp() + make_interval(secs => ?)"
          + " WHERE id = 1 AND expires_at < clock_timestamp() RETURNING epoch")) {
        s.setString(1, holder);
        s.setDouble(2, ttl.toMillis() / 1000.0);
        try (ResultSet r = s.executeQuery()) {
          if (r.next()) {
            long epoch = r.getLong(1);
            c.commit();
            LOG.info("{} took the lease, epoch {}", holder, epoch);
            PgLease lease = new PgLease(holder, epoch, System.nanoTime());
            leases.add(lease);
            lease.keepAlive();
            return lease;
          }
        }
      }
      try (PreparedStatement s = c.prepareStatement("SELECT holder, epoch,"
          + " extract(epoch FROM expires_at - clock_timestamp()) FROM lease WHERE id = 1");
          ResultSet r = s.executeQuery()) {
        r.next();
        String other = r.getString(1);
        long epoch = r.getLong(2);
        double left = r.getDouble(3);
        c.rollback();
        throw new StorageException(Kind.FENCED, "the lease is held by " + other + " (epoch "
            + epoch + ") for another " + String.format(java.util.Locale.ROOT, "%.1f", left)
            + " s");
      }
    } catch (SQLException e) {
      throw Database.failure("couldn't take the lease", e);
    }
  }

  /** How long the lease has left, by the database's clock (zero or less: it is free). */
  public Duration leaseLeft() throws IOException {
    try (Connection c = db.connection();
        PreparedStatement s = c.prepareStatement(
            "SELECT extract(epoch FROM expires_at - clock_timestamp()) FROM lease WHERE id = 1");
        ResultSet r = s.executeQuery()) {
      r.next();
      return Duration.ofNanos((long) (r.getDouble(1) * 1e9));
    } catch (SQLException e) {
      throw Database.failure("couldn't read the lease", e);
    }
  }

  /**
   * Commits a batch without the lease, as every node of a cluster does: entries already
   * sequenced get their index, the others the next indices, durably and together with their
   * deduplication. The lease holder builds them into the tree at its next {@link Lease#assign}.
   * The returned head is the tree head the lease holder last recorded, which may not cover the
   * batch yet.
   */
  public Lease.Assignment commit(List<Lease.Submission> batch) throws IOException {
    String what = "committing a batch of " + batch.size() + " entries";
    try {
      return query(what, c -> commitOnce(c, batch));
    } catch (StorageException e) {
      if (!(e.getCause() instanceof SQLException q) || !"23505".equals(q.getSQLState())) {
        throw e;
      }
      // Another node committed one of these entries between the lookup and the commit: look
      // again under the lock, where nobody can.
      return transaction(what, c -> {
        try (PreparedStatement s = c.prepareStatement(
            "SELECT next_index FROM sequencing WHERE id = 1 FOR UPDATE")) {
          s.executeQuery().close();
        }
        return commitOnce(c, batch);
      });
    }
  }

  /**
   * The commit every node makes, without a lease, as one statement in its own transaction (so
   * the {@code sequencing} row is locked only while it runs and its WAL record is flushed):
   * the index moved on by the batch's size, and the deduplication rows and the batch inserted
   * from the start the update returns — one row version gives every value. The leaf hashes were looked up just before; one that another
   * node committed since makes the insert fail on the key (SQLSTATE 23505), and the caller
   * looks again.
   */
  private static final String COMMIT = "WITH u AS (UPDATE sequencing"
      + " SET next_index = next_index + ? WHERE id = 1 RETURNING next_index - ? AS start),"
      + " d AS (INSERT INTO dedup SELECT t.h, u.start + t.ord - 1"
      + " FROM u, unnest(?::bytea[]) WITH ORDINALITY AS t(h, ord)),"
      + " b AS (INSERT INTO batches (start, count, entries, node)"
      + " SELECT u.start, ?, ?, ? FROM u)"
      + " SELECT start FROM u";

  private Lease.Assignment commitOnce(Connection c, List<Lease.Submission> batch)
      throws SQLException, IOException {
    Fresh f = fresh(c, batch);
    if (!f.entries().isEmpty()) {
      long start;
      try (PreparedStatement s = c.prepareStatement(COMMIT)) {
        byte[][] h = new byte[f.hashes().size()][];
        for (int i = 0; i < h.length; i++) {
          h[i] = f.hashes().get(i).toByteArray();
        }
        s.setInt(1, h.length);
        s.setInt(2, h.length);
        s.setArray(3, c.createArrayOf("bytea", h));
        s.setInt(4, h.length);
        s.setBytes(5, pack(f.entries()));
        s.setString(6, node);
        try (ResultSet r = s.executeQuery()) {
          r.next();
          start = r.getLong(1);
        }
      }
      f.placeAt(start);
    } else if (batch.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement("SELECT 1"); ResultSet r = s.executeQuery()) {
        r.next(); // a probe: the database answers
      }
    }
    return new Lease.Assignment(f.indices(), f.duplicates(), sequencedHead(c));
  }

  /**
   * A batch split into what is sequenced already (its index known) and what is new (an index
   * relative to the first new one until {@link #placeAt}); a repeat within the batch counts as
   * a duplicate of its first occurrence.
   */
  private record Fresh(long[] indices, boolean[] duplicates, List<byte[]> entries,
      List<Hash> hashes, boolean[] relative) {
    void placeAt(long start) {
      for (int i = 0; i < indices.length; i++) {
        if (relative[i]) {
          indices[i] += start;
        }
      }
    }
  }

  private static Fresh fresh(Connection c, List<Lease.Submission> batch) throws SQLException {
    int n = batch.size();
    List<Hash> all = new ArrayList<>(n);
    for (Lease.Submission s : batch) {
      all.add(s.leafHash());
    }
    Map<Hash, Long> known = n == 0 ? Map.of() : lookup(c, all);
    Map<Hash, Integer> inBatch = new HashMap<>();
    Fresh f = new Fresh(new long[n], new boolean[n], new ArrayList<>(), new ArrayList<>(),
        new boolean[n]);
    for (int i = 0; i < n; i++) {
      Lease.Submission s = batch.get(i);
      Long index = known.get(s.leafHash());
      Integer earlier = inBatch.get(s.leafHash());
      if (index != null) {
        f.indices()[i] = index;
        f.duplicates()[i] = true;
      } else if (earlier != null) {
        f.indices()[i] = earlier;
        f.duplicates()[i] = true;
        f.relative()[i] = true;
      } else {
        f.indices()[i] = f.entries().size();
        f.relative()[i] = true;
        inBatch.put(s.leafHash(), f.entries().size());
        f.entries().add(s.entry());
        f.hashes().add(s.leafHash());
      }
    }
    return f;
  }

  @Override
  public Optional<StoredCheckpoint> latest() throws IOException {
    return query("reading the latest checkpoint", c -> latestRow(c, false).map(Latest::stored));
  }

  @Override
  public CheckpointHistory history() {
    return history;
  }

  @Override
  public Map<Hash, Long> lookup(Collection<Hash> leafHashes) throws IOException {
    if (leafHashes.isEmpty()) {
      return Map.of();
    }
    return query("looking up " + leafHashes.size() + " leaf hashes",
        c -> lookup(c, new ArrayList<>(leafHashes)));
  }

  @Override
  public TreeHead integrated() throws IOException {
    return query("reading the integrated tree", c -> integratedRow(c, false));
  }

  /** The tree head the lease holder last built over the committed batches. */
  public TreeHead sequenced() throws IOException {
    return query("reading the sequenced tree", PostgresCoordinator::sequencedHead);
  }

  /** The first index no committed batch has. */
  public long committed() throws IOException {
    return query("reading the committed size", c -> {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT next_index FROM sequencing WHERE id = 1"); ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    });
  }

  /** Ends the leases it gave; the database is the caller's to close. */
  @Override
  public void close() {
    for (PgLease l : leases) {
      l.close();
    }
  }

  /** The lease of one holder, renewed by {@link #renew}. */
  public final class PgLease implements Lease {
    private final String holder;
    private final long epoch;
    /** When the last renewal that succeeded started, on this process's clock. */
    private volatile long renewedNanos;
    private volatile boolean closed;
    /** A renewal found the lease ended. */
    private volatile boolean lost;

    private PgLease(String holder, long epoch, long renewedNanos) {
      this.holder = holder;
      this.epoch = epoch;
      this.renewedNanos = renewedNanos;
    }

    @Override
    public long epoch() {
      return epoch;
    }

    @Override
    public String holder() {
      return holder;
    }

    /**
     * Whether this process may still believe it holds the lease: not closed, and renewed less
     * than a TTL ago by its own clock (the database ends it a TTL after that renewal began).
     * Every change checks the lease in the database regardless.
     */
    public boolean live() {
      return !closed && !lost && System.nanoTime() - renewedNanos < ttl.toNanos();
    }

    /**
     * Renews the lease every quarter TTL on a thread of its own until it is closed or found to
     * have ended ({@link #live} then says so), so that nothing the holder does — opening,
     * integrating a backlog, waiting for witnesses — can outlast it unrenewed.
     */
    void keepAlive() {
      Thread.ofVirtual().name("cairn-lease-renewal").start(() -> {
        long period = Math.max(1, ttl.toMillis() / 4);
        while (!closed && !lost) {
          try {
            Thread.sleep(period);
            if (closed) {
              return;
            }
            renew();
          } catch (InterruptedException e) {
            return;
          } catch (StorageException e) {
            if (e.kind() == Kind.FENCED) {
              lost = true;
              LOG.warn("{}", e.getMessage());
              return;
            }
            LOG.warn("couldn't renew the lease (it lasts until {} s after the last renewal): {}",
                ttl.toSeconds(), e.getMessage());
          } catch (IOException | RuntimeException e) {
            LOG.warn("couldn't renew the lease: {}", e.toString());
          }
        }
      });
    }

    /**
     * Extends the lease by a TTL from now, on the database's clock.
     *
     * @throws StorageException of kind {@code FENCED} if it ended
     */
    public void renew() throws IOException {
      long started = System.nanoTime();
      transaction("renewing the lease", c -> {
        try (PreparedStatement s = c.prepareStatement("UPDATE lease SET expires_at = clock_timestamp()"
            + " + make_interval(secs => ?) WHERE id = 1 AND epoch = ? AND expires_at > clock_timestamp()")) {
          s.setDouble(1, ttl.toMillis() / 1000.0);
          s.setLong(2, epoch);
          if (s.executeUpdate() != 1 || closed) {
            throw fenced();
          }
        }
        return null;
      });
      renewedNanos = started;
    }

    private StorageException fenced() {
      return new StorageException(Kind.FENCED, holder + "'s lease (epoch " + epoch
          + ") ended: another node may be integrating");
    }

    /** Fails with {@code FENCED} unless this lease is live, holding it until the commit. */
    private void check(Connection c) throws SQLException, StorageException {
      if (closed) {
        throw fenced();
      }
      try (PreparedStatement s = c.prepareStatement("SELECT epoch = ? AND expires_at > clock_timestamp()"
          + " FROM lease WHERE id = 1 FOR SHARE")) {
        s.setLong(1, epoch);
        try (ResultSet r = s.executeQuery()) {
          if (!r.next() || !r.getBoolean(1)) {
            throw fenced();
          }
        }
      }
    }

    @Override
    public Assignment assign(List<Submission> batch, Extension extension) throws IOException {
      if (batch.isEmpty()) {
        return adopt(this, extension);
      }
      return transaction("sequencing a batch of " + batch.size() + " entries",
          c -> sequence(c, batch, this, extension));
    }

    @Override
    public TreeHead sequenced() throws IOException {
      return PostgresCoordinator.this.sequenced();
    }

    @Override
    public void replay(long size, Batches batches) throws IOException {
      List<SequencedBatch> found = query("replaying batches after size " + size, c -> {
        List<SequencedBatch> out = new ArrayList<>();
        TreeHead head = sequencedHead(c);
        try (PreparedStatement s = c.prepareStatement("SELECT start, count, entries, head_root"
            + " FROM batches WHERE start + count > ? AND start < ? ORDER BY start")) {
          s.setLong(1, size);
          s.setLong(2, head.size());
          try (ResultSet r = s.executeQuery()) {
            // Batches the holder adopted together end with one head: hand them over as one.
            long groupStart = -1;
            List<byte[]> entries = new ArrayList<>();
            while (r.next()) {
              if (groupStart < 0) {
                groupStart = r.getLong(1);
              }
              entries.addAll(unpack(r.getBytes(3), r.getInt(2)));
              byte[] root = r.getBytes(4);
              if (root != null) {
                out.add(new SequencedBatch(groupStart, entries,
                    new TreeHead(groupStart + entries.size(), Hash.of(root))));
                groupStart = -1;
                entries = new ArrayList<>();
              }
            }
            if (groupStart >= 0) {
              throw new StorageException(Kind.CORRUPT, "the committed batches from "
                  + groupStart + " below the sequenced size " + head.size() + " have no head");
            }
          }
        }
        return out;
      });
      for (SequencedBatch b : found) {
        batches.batch(b);
      }
    }

    @Override
    public TreeHead integrated() throws IOException {
      return PostgresCoordinator.this.integrated();
    }

    @Override
    public TreeHead integrate(long fromSize, Integration integration) throws IOException {
      record State(TreeHead head, long epoch) {}
      State state = query("reading the integrated tree", c -> {
        check(c);
        try (PreparedStatement s = c.prepareStatement(
            "SELECT epoch FROM tree_state WHERE id = 1"); ResultSet r = s.executeQuery()) {
          r.next();
          return new State(integratedRow(c, false), r.getLong(1));
        }
      });
      TreeHead from = state.head();
      if (from.size() != fromSize) {
        // This lease's own earlier integration whose reply was lost: if this one ends where it
        // did, it is that one, done.
        if (from.size() > fromSize && state.epoch() == epoch
            && integration.write(from).equals(from)) {
          return from;
        }
        throw new StorageException(Kind.CONFLICT, "integrating from size " + fromSize
            + ", but the object store holds the tree up to size " + from.size());
      }
      // The crash-safe order: the objects are durable before the head that claims them is.
      TreeHead head = integration.write(from);
      return transaction("recording the integrated tree at size " + head.size(), c -> {
        check(c);
        TreeHead sequenced = sequencedHead(c);
        if (head.size() > sequenced.size()) {
          throw new StorageException(Kind.CONFLICT, "cannot integrate up to size "
              + head.size() + ": only " + sequenced.size() + " entries are sequenced");
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE tree_state SET size = ?,"
            + " root = ?, epoch = ? WHERE id = 1 AND size = ? AND root = ?")) {
          s.setLong(1, head.size());
          s.setBytes(2, head.root().toByteArray());
          s.setLong(3, epoch);
          s.setLong(4, from.size());
          s.setBytes(5, from.root().toByteArray());
          if (s.executeUpdate() != 1) {
            throw new StorageException(Kind.CONFLICT, "the integrated tree moved from size "
                + from.size() + " during integration: another node is integrating");
          }
        }
        // What the object store holds no longer needs its batch.
        try (PreparedStatement s = c.prepareStatement(
            "DELETE FROM batches WHERE start + count <= ?")) {
          s.setLong(1, head.size());
          s.executeUpdate();
        }
        return head;
      });
    }

    @Override
    public Optional<StoredCheckpoint> latest() throws IOException {
      return PostgresCoordinator.this.latest();
    }

    @Override
    public Version swap(Optional<Version> expected, Checkpoint checkpoint, byte[] note,
        Instant time) throws IOException {
      // Read outside the transaction: tiles are immutable, and this may fetch several.
      TreeHead integrated = query("reading the integrated tree", c -> {
        check(c);
        return integratedRow(c, false);
      });
      if (checkpoint.size() > integrated.size()) {
        throw notBacked(checkpoint, integrated);
      }
      Hash root = checkpoint.size() == integrated.size() ? integrated.root()
          : tiles.treeHash(checkpoint.size());
      if (!root.equals(checkpoint.root())) {
        throw notBacked(checkpoint, integrated);
      }
      return transaction("publishing the checkpoint at size " + checkpoint.size(), c -> {
        check(c);
        Optional<Latest> current = latestRow(c, true);
        if (!current.map(l -> l.stored().version()).equals(expected)) {
          throw new StorageException(Kind.CONFLICT, "the latest checkpoint is not the one"
              + " this publisher last saw: another node published meanwhile");
        }
        long version = 1;
        if (current.isPresent()) {
          StoredCheckpoint now = current.get().stored();
          long size = current.get().size();
          if (checkpoint.size() <= size) {
            if (Arrays.equals(now.note(), note)) {
              return now.version();
            }
            throw new StorageException(Kind.CONFLICT, "a checkpoint of size "
                + checkpoint.size() + " cannot follow the latest, of size " + size);
          }
          if (time.isBefore(now.time())) {
            throw new StorageException(Kind.CONFLICT, "a checkpoint published at " + time
                + " cannot follow one published at " + now.time());
          }
          version = Long.parseLong(now.version().token()) + 1;
        }
        long ns = nanos(time);
        try (PreparedStatement s = c.prepareStatement("INSERT INTO latest_checkpoint"
            + " VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version,"
            + " size = excluded.size, note = excluded.note,"
            + " published_ns = excluded.published_ns")) {
          s.setLong(1, version);
          s.setLong(2, checkpoint.size());
          s.setBytes(3, note);
          s.setLong(4, ns);
          s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement(
            "INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?)")) {
          s.setLong(1, checkpoint.size());
          s.setLong(2, ns);
          s.setBytes(3, note);
          s.setString(4, node);
          s.setLong(5, epoch);
          s.executeUpdate();
        }
        return new Version(Long.toString(version));
      });
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      leases.remove(this);
      try {
        transaction("releasing the lease", c -> {
          try (PreparedStatement s = c.prepareStatement("UPDATE lease SET expires_at = clock_timestamp()"
              + " - interval '1 microsecond' WHERE id = 1 AND epoch = ?")) {
            s.setLong(1, epoch);
            s.executeUpdate();
          }
          return null;
        });
      } catch (IOException e) {
        LOG.warn("couldn't release the lease (it expires by itself): {}", e.getMessage());
      }
    }
  }

  private static StorageException notBacked(Checkpoint checkpoint, TreeHead integrated) {
    return new StorageException(Kind.CONFLICT, "the checkpoint of size " + checkpoint.size()
        + " and root " + checkpoint.root() + " is not backed by the object store, which holds"
        + " the tree up to size " + integrated.size() + " (root " + integrated.root() + ")");
  }

  /**
   * The holder's adoption, for an empty batch: the batches committed since its head are read
   * (committed batches below {@code next_index} never change, so no lock is needed), its tree
   * grows by them outside any transaction, and then the new head is recorded — a compare-and-
   * swap on the old one, in a transaction that checks the lease. Commits go on meanwhile.
   */
  private Lease.Assignment adopt(PgLease lease, Lease.Extension extension) throws IOException {
    record Pending(TreeHead head, List<byte[]> entries, List<Hash> hashes, long lastStart) {}
    Pending p = query("reading the committed batches", c -> {
      lease.check(c);
      TreeHead head = sequencedHead(c);
      long next;
      try (PreparedStatement s = c.prepareStatement(
          "SELECT next_index FROM sequencing WHERE id = 1"); ResultSet r = s.executeQuery()) {
        r.next();
        next = r.getLong(1);
      }
      Committed since = committedSince(c, head.size(), next);
      return new Pending(head, since.entries(), since.hashes(), since.lastStart());
    });
    if (p.entries().isEmpty()) {
      return new Lease.Assignment(new long[0], new boolean[0], p.head());
    }
    TreeHead grown = extension.extend(p.head().size(), p.entries(), p.hashes());
    if (grown.size() != p.head().size() + p.entries().size()) {
      throw new IllegalStateException("the tree grew to " + grown.size() + ", not "
          + (p.head().size() + p.entries().size()));
    }
    return transaction("recording the sequenced tree at size " + grown.size(), c -> {
      lease.check(c);
      moveHead(c, p.head(), grown, p.lastStart());
      return new Lease.Assignment(new long[0], new boolean[0], grown);
    });
  }

  /** Committed entries from one size to another, their leaf hashes, and the last batch's start. */
  private record Committed(List<byte[]> entries, List<Hash> hashes, long lastStart) {}

  /**
   * The entries of the batches committed from {@code from} (a batch boundary) up to {@code
   * next}, checked to be contiguous.
   */
  private static Committed committedSince(Connection c, long from, long next)
      throws SQLException, StorageException {
    List<byte[]> entries = new ArrayList<>();
    List<Hash> hashes = new ArrayList<>();
    long lastStart = -1;
    if (next == from) {
      return new Committed(entries, hashes, lastStart);
    }
    try (PreparedStatement s = c.prepareStatement("SELECT start, count, entries FROM batches"
        + " WHERE start >= ? AND start < ? ORDER BY start")) {
      s.setLong(1, from);
      s.setLong(2, next);
      try (ResultSet r = s.executeQuery()) {
        Hasher hasher = Hasher.threadLocal();
        while (r.next()) {
          if (r.getLong(1) != from + entries.size()) {
            throw new StorageException(Kind.CORRUPT, "the committed batches jump from size "
                + (from + entries.size()) + " to " + r.getLong(1));
          }
          lastStart = r.getLong(1);
          for (byte[] e : unpack(r.getBytes(3), r.getInt(2))) {
            entries.add(e);
            hashes.add(hasher.leaf(e));
          }
        }
      }
    }
    if (from + entries.size() != next) {
      throw new StorageException(Kind.CORRUPT, "the committed batches end at size "
          + (from + entries.size()) + ", but " + next + " indices are committed");
    }
    return new Committed(entries, hashes, lastStart);
  }

  /** Records {@code to} as the sequenced head if it is still {@code from}, on its last batch. */
  private static void moveHead(Connection c, TreeHead from, TreeHead to, long lastStart)
      throws SQLException, StorageException {
    try (PreparedStatement s = c.prepareStatement("UPDATE sequenced_head SET size = ?,"
        + " root = ? WHERE id = 1 AND size = ? AND root = ?")) {
      s.setLong(1, to.size());
      s.setBytes(2, to.root().toByteArray());
      s.setLong(3, from.size());
      s.setBytes(4, from.root().toByteArray());
      if (s.executeUpdate() != 1) {
        throw new StorageException(Kind.CONFLICT, "the sequenced tree moved from size "
            + from.size() + ": another node is building it");
      }
    }
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE batches SET head_root = ? WHERE start = ?")) {
      s.setBytes(1, to.root().toByteArray());
      s.setLong(2, lastStart);
      if (s.executeUpdate() != 1) {
        throw new StorageException(Kind.CORRUPT, "the committed batch at " + lastStart
            + ", the last of the tree at size " + to.size() + ", is missing");
      }
    }
  }

  /**
   * The holder's own batch, in the caller's transaction, as the embedded backend commits one:
   * under the {@code sequencing} row lock it adopts every batch other nodes committed since its
   * head, gives the batch's new entries the next indices, and writes the deduplication rows, the
   * batch, the index and the head the extension returns together.
   */
  private Lease.Assignment sequence(Connection c, List<Lease.Submission> batch, PgLease lease,
      Lease.Extension extension) throws SQLException, IOException {
    lease.check(c);
    long next;
    try (PreparedStatement s = c.prepareStatement(
        "SELECT next_index FROM sequencing WHERE id = 1 FOR UPDATE");
        ResultSet r = s.executeQuery()) {
      r.next();
      next = r.getLong(1);
    }
    TreeHead head = sequencedHead(c);
    Fresh f = fresh(c, batch);
    f.placeAt(next);
    long end = next + f.entries().size();
    if (!f.entries().isEmpty()) {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO dedup SELECT * FROM unnest(?::bytea[], ?::bigint[])")) {
        byte[][] h = new byte[f.hashes().size()][];
        Long[] idx = new Long[h.length];
        for (int i = 0; i < h.length; i++) {
          h[i] = f.hashes().get(i).toByteArray();
          idx[i] = next + i;
        }
        s.setArray(1, c.createArrayOf("bytea", h));
        s.setArray(2, c.createArrayOf("bigint", idx));
        s.executeUpdate();
      }
    }
    if (end == head.size()) {
      return new Lease.Assignment(f.indices(), f.duplicates(), head);
    }
    // Adopt what other nodes committed since the holder's head, then this batch.
    Committed adopted = committedSince(c, head.size(), next);
    List<byte[]> entries = new ArrayList<>(adopted.entries());
    List<Hash> leafHashes = new ArrayList<>(adopted.hashes());
    long lastStart = adopted.lastStart();
    entries.addAll(f.entries());
    leafHashes.addAll(f.hashes());
    TreeHead grown = extension.extend(head.size(), entries, leafHashes);
    if (grown.size() != end) {
      throw new IllegalStateException("the tree grew to " + grown.size() + ", not " + end);
    }
    if (!f.entries().isEmpty()) {
      lastStart = next;
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO batches (start, count, entries, node) VALUES (?, ?, ?, ?)")) {
        s.setLong(1, next);
        s.setInt(2, f.entries().size());
        s.setBytes(3, pack(f.entries()));
        s.setString(4, node);
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE sequencing SET next_index = ? WHERE id = 1")) {
        s.setLong(1, end);
        s.executeUpdate();
      }
    }
    moveHead(c, head, grown, lastStart);
    return new Lease.Assignment(f.indices(), f.duplicates(), grown);
  }

  private static Map<Hash, Long> lookup(Connection c, List<Hash> hashes) throws SQLException {
    byte[][] h = new byte[hashes.size()][];
    for (int i = 0; i < h.length; i++) {
      h[i] = hashes.get(i).toByteArray();
    }
    Map<Hash, Long> found = new HashMap<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT leaf_hash, idx FROM dedup WHERE leaf_hash = ANY(?)")) {
      s.setArray(1, c.createArrayOf("bytea", h));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          found.put(Hash.of(r.getBytes(1)), r.getLong(2));
        }
      }
    }
    return found;
  }

  private static TreeHead sequencedHead(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT size, root FROM sequenced_head WHERE id = 1");
        ResultSet r = s.executeQuery()) {
      r.next();
      return new TreeHead(r.getLong(1), Hash.of(r.getBytes(2)));
    }
  }

  private static TreeHead integratedRow(Connection c, boolean lock) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT size, root FROM tree_state WHERE"
        + " id = 1" + (lock ? " FOR UPDATE" : "")); ResultSet r = s.executeQuery()) {
      r.next();
      return new TreeHead(r.getLong(1), Hash.of(r.getBytes(2)));
    }
  }

  /** The latest checkpoint's row: the stored checkpoint and its size. */
  private record Latest(StoredCheckpoint stored, long size) {}

  private static Optional<Latest> latestRow(Connection c, boolean lock) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT version, note, published_ns, size"
        + " FROM latest_checkpoint WHERE id = 1" + (lock ? " FOR UPDATE" : ""));
        ResultSet r = s.executeQuery()) {
      if (!r.next()) {
        return Optional.empty();
      }
      return Optional.of(new Latest(new StoredCheckpoint(r.getBytes(2), instant(r.getLong(3)),
          new Version(Long.toString(r.getLong(1)))), r.getLong(4)));
    }
  }

  static long nanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
        Math.floorMod(nanos, 1_000_000_000L));
  }

  /** Entries as one value: each as a 4-byte big-endian length and its bytes. */
  static byte[] pack(List<byte[]> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] e : entries) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(e.length).array());
      out.writeBytes(e);
    }
    return out.toByteArray();
  }

  static List<byte[]> unpack(byte[] packed, int count) throws StorageException {
    ByteBuffer b = ByteBuffer.wrap(packed);
    List<byte[]> out = new ArrayList<>(count);
    try {
      for (int i = 0; i < count; i++) {
        byte[] e = new byte[b.getInt()];
        b.get(e);
        out.add(e);
      }
    } catch (RuntimeException e) {
      throw new StorageException(Kind.CORRUPT, "a committed batch is truncated", e);
    }
    if (b.hasRemaining()) {
      throw new StorageException(Kind.CORRUPT, "a committed batch holds more than " + count
          + " entries");
    }
    return out;
  }

  /** Work in one connection. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException, IOException;
  }

  private <T> T query(String what, Work<T> work) throws IOException {
    try (Connection c = db.connection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw Database.failure("couldn't finish " + what, e);
    }
  }

  /**
   * Runs {@code work} in one transaction and commits it. A failure rolls back; a failure of the
   * commit itself leaves it unknown whether it landed (the callers read back what is durable).
   */
  private <T> T transaction(String what, Work<T> work) throws IOException {
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | IOException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw Database.failure("couldn't finish " + what, e);
    }
  }

  /** The history, from the {@code checkpoints} table. */
  private final class History implements CheckpointHistory {
    @Override
    public Optional<Entry> last() throws IOException {
      List<Entry> e = select("ORDER BY size DESC LIMIT 1", s -> {});
      return e.isEmpty() ? Optional.empty() : Optional.of(e.getFirst());
    }

    @Override
    public Optional<Entry> bySize(long size) throws IOException {
      List<Entry> e = select("WHERE size = ?", s -> s.setLong(1, size));
      return e.isEmpty() ? Optional.empty() : Optional.of(e.getFirst());
    }

    @Override
    public List<Entry> list(long after, int limit, Instant from, Instant to) throws IOException {
      return select("WHERE size > ? AND published_ns >= ? AND published_ns < ?"
          + " ORDER BY size LIMIT ?", s -> {
            s.setLong(1, after);
            s.setLong(2, from.equals(Instant.MIN) || from.isBefore(MIN) ? Long.MIN_VALUE
                : nanos(from));
            s.setLong(3, to.isAfter(MAX) ? Long.MAX_VALUE : nanos(to));
            s.setInt(4, limit);
          });
    }

    private static final Instant MIN = instant(Long.MIN_VALUE);
    private static final Instant MAX = instant(Long.MAX_VALUE);

    @FunctionalInterface
    private interface Params {
      void set(PreparedStatement s) throws SQLException;
    }

    private List<Entry> select(String where, Params params) throws IOException {
      return query("reading the checkpoint history", c -> {
        try (PreparedStatement s = c.prepareStatement(
            "SELECT size, published_ns, note FROM checkpoints " + where)) {
          params.set(s);
          List<Entry> out = new ArrayList<>();
          try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
              out.add(new Entry(r.getLong(1), instant(r.getLong(2)), r.getBytes(3)));
            }
          }
          return out;
        }
      });
    }
  }
}
