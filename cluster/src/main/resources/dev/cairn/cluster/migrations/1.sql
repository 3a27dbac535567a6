-- Cairn cluster schema, version 1. Run once, in one transaction, under an advisory lock
-- (dev.cairn.cluster.Schema); never edited once released: a change is a new numbered file.

-- Who integrates and publishes: one row, taken and renewed on the database's clock. The epoch
-- grows with every new holder; every change a holder makes checks it in its transaction.
CREATE TABLE lease (
  id         int PRIMARY KEY CHECK (id = 1),
  holder     text NOT NULL,
  epoch      bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
INSERT INTO lease VALUES (1, '', 0, '-infinity');

-- The commit point: next_index is the first index no committed batch has (never a sequence:
-- nextval is not transactional). Every commit takes this row FOR UPDATE, for one statement.
CREATE TABLE sequencing (
  id         int PRIMARY KEY CHECK (id = 1),
  next_index bigint NOT NULL
);
INSERT INTO sequencing VALUES (1, 0);

-- The tree the lease holder built over the committed batches (every batch below size). Apart
-- from the commit row, so that building the tree never holds up a commit.
CREATE TABLE sequenced_head (
  id   int PRIMARY KEY CHECK (id = 1),
  size bigint NOT NULL,
  root bytea NOT NULL
);
INSERT INTO sequenced_head VALUES (1, 0,
  decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'));

-- Committed batches not yet integrated (deleted once the object store holds them). entries:
-- each entry as a 4-byte big-endian length and its bytes. head_root: the root after this batch
-- where the lease holder built the tree up to its end.
CREATE TABLE batches (
  start        bigint PRIMARY KEY,
  count        int NOT NULL,
  entries      bytea NOT NULL,
  head_root    bytea,
  node         text NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now()
);
-- Entries are mostly hashes and signatures: compressing them costs CPU and saves nothing.
ALTER TABLE batches ALTER COLUMN entries SET STORAGE EXTERNAL;

-- Deduplication: every sequenced leaf hash and its index, committed with its batch.
CREATE TABLE dedup (
  leaf_hash bytea PRIMARY KEY,
  idx       bigint NOT NULL
);

-- How far the object store holds the tree; advanced only by a compare-and-swap on (size,
-- root) that also checks the lease's epoch.
CREATE TABLE tree_state (
  id    int PRIMARY KEY CHECK (id = 1),
  size  bigint NOT NULL,
  root  bytea NOT NULL,
  epoch bigint NOT NULL
);
INSERT INTO tree_state VALUES (1, 0,
  decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'), 0);

-- The latest checkpoint (a compare-and-swap on version) and every checkpoint published.
CREATE TABLE latest_checkpoint (
  id           int PRIMARY KEY CHECK (id = 1),
  version      bigint NOT NULL,
  size         bigint NOT NULL,
  note         bytea NOT NULL,
  published_ns bigint NOT NULL
);
CREATE TABLE checkpoints (
  size         bigint PRIMARY KEY,
  published_ns bigint NOT NULL,
  note         bytea NOT NULL,
  node         text NOT NULL,
  epoch        bigint NOT NULL
);
CREATE INDEX checkpoints_time ON checkpoints (published_ns);
