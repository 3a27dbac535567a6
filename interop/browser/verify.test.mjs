// The explorer's verification code (verify.js, served at /ui/verify.js) against the spec test
// vectors the Java verifier is tested with (core/src/test/resources/vectors): RFC 9162 proofs
// from transparency-dev/merkle (positive and negative), signed-note Ed25519 and real ECDSA
// checkpoints, and tile paths; plus its strict parsers. Node's WebCrypto is the browser's API.
// Run by ExplorerVerifyJsTest.java, which sets VERIFY_JS and VECTORS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const v = await import(pathToFileURL(process.env.VERIFY_JS).href);
const VECTORS = process.env.VECTORS;

function jsonVectors(kind) {
  const dir = join(VECTORS, 'merkle', kind);
  return readdirSync(dir, { recursive: true }).filter(f => f.endsWith('.json'))
    .map(f => ({ file: f, ...JSON.parse(readFileSync(join(dir, f), 'utf8')) }));
}

/** The vector's hash, or an empty array for a missing one (which must then fail). */
const h = b64 => (b64 ? v.fromB64(b64) : new Uint8Array(0));

async function outcome(fn) {
  try {
    await fn();
    return 'accepted';
  } catch {
    return 'refused';
  }
}

test('inclusion proofs: exactly the vectors without wantErr are accepted', async () => {
  const vectors = jsonVectors('inclusion');
  assert.ok(vectors.length > 40, 'vectors found: ' + vectors.length);
  for (const t of vectors) {
    const got = await outcome(() => v.verifyInclusion(BigInt(t.leafIdx), BigInt(t.treeSize),
      h(t.leafHash), (t.proof ?? []).map(h), h(t.root)));
    assert.equal(got, t.wantErr ? 'refused' : 'accepted', t.file + ': ' + t.desc);
  }
});

test('consistency proofs: exactly the vectors without wantErr are accepted', async () => {
  const vectors = jsonVectors('consistency');
  assert.ok(vectors.length > 40, 'vectors found: ' + vectors.length);
  for (const t of vectors) {
    const got = await outcome(() => v.verifyConsistency(BigInt(t.size1), BigInt(t.size2),
      (t.proof ?? []).map(h), h(t.root1), h(t.root2)));
    assert.equal(got, t.wantErr ? 'refused' : 'accepted', t.file + ': ' + t.desc);
  }
});

/** Each VKEY= line with the note that follows it up to END (<blank> = an empty line). */
function noteVectors(file) {
  const out = [];
  let current = null;
  for (const line of readFileSync(join(VECTORS, file), 'utf8').split('\n')) {
    if (line.startsWith('VKEY=')) {
      current = { vkey: line.slice(5), lines: [] };
    } else if (line === 'END' && current) {
      out.push({ vkey: current.vkey, note: current.lines.join('\n') + '\n' });
      current = null;
    } else if (current) {
      current.lines.push(line === '<blank>' ? '' : line);
    }
  }
  return out;
}

test('real ECDSA P-256 checkpoints (Rekor, Pixel 6) verify, and a changed one does not',
  async () => {
    const vectors = noteVectors('signed-note-ecdsa.txt');
    assert.equal(vectors.length, 2);
    for (const t of vectors) {
      const key = await v.parseVkey(t.vkey);
      assert.equal(key.type, 0x02);
      assert.equal(await v.signedBy(v.parseNote(v.bytesOf(t.note)), key), 'valid', t.vkey);
      const changed = t.note.replace(/\n(\d+)\n/, (m, n) => '\n' + (BigInt(n) + 1n) + '\n');
      assert.notEqual(changed, t.note);
      assert.equal(await v.signedBy(v.parseNote(v.bytesOf(changed)), key), 'invalid');
    }
  });

test('the signed-note spec\'s Ed25519 example verifies; another key\'s line is absent',
  async () => {
    const text = readFileSync(join(VECTORS, 'signed-note.txt'), 'utf8');
    const vkey = /^VKEY=(.*)$/m.exec(text)[1];
    const key = await v.parseVkey(vkey);
    assert.equal(key.type, 0x01);
    const note = 'If you think cryptography is the answer to your problem,\n'
      + 'then you don\'t know what your problem is.\n\n'
      + /^(— PeterNeumann .*)$/m.exec(text)[1] + '\n'
      + /^(— EnochRoot .*)$/m.exec(text)[1] + '\n';
    const parsed = v.parseNote(v.bytesOf(note));
    assert.equal(parsed.sigs.length, 2);
    assert.equal(await v.signedBy(parsed, key), 'valid');
    const other = await v.parseVkey(/^VKEY_SPEC=(.*)$/m.exec(text)[1]);
    assert.equal(await v.signedBy(parsed, other), 'absent');
    const changed = v.parseNote(v.bytesOf(note.replace('answer', 'Answer')));
    assert.equal(await v.signedBy(changed, key), 'invalid');
  });

test('verifier keys: a wrong key ID, length or type is refused, naming it', async () => {
  const good = /^VKEY=(.*)$/m.exec(readFileSync(join(VECTORS, 'signed-note.txt'), 'utf8'))[1];
  await v.parseVkey(good);
  const [name, id, key] = good.split('+');
  await assert.rejects(v.parseVkey(name + '+00000000+' + key), /key ID 00000000 does not match/);
  await assert.rejects(v.parseVkey(name + '+' + id + '+' + key.slice(0, -4)), /not base64|bytes/);
  await assert.rejects(v.parseVkey(name + '+' + id + '+CQ=='), /unknown type 0x9/);
  await assert.rejects(v.parseVkey('no-plus-signs'), /not a verifier key/);
});

test('tile paths are the spec\'s', () => {
  const lines = readFileSync(join(VECTORS, 'tile-paths.txt'), 'utf8').split('\n')
    .filter(l => l.startsWith('ok tile/entries/'));
  assert.ok(lines.length >= 2);
  for (const l of lines) {
    const [, path, , n, width] = l.split(' ');
    const size = BigInt(n) * 256n + BigInt(width);
    const bundle = v.entryBundle(BigInt(n) * 256n, size);
    assert.equal(bundle.path, path, l);
  }
  assert.equal(v.tileIndexPath(1234067n), 'x001/x234/067');
  assert.equal(v.entryBundle(511n, 1000n).path, 'tile/entries/001');
  assert.equal(v.entryBundle(512n, 600n).path, 'tile/entries/002.p/88');
  assert.equal(v.entryBundle(512n, 600n).at, 0);
});

test('bundles, proofs and policies are parsed strictly', async () => {
  assert.deepEqual(v.parseBundle(Uint8Array.of(0, 1, 65, 0, 0)).map(e => [...e]), [[65], []]);
  assert.throws(() => v.parseBundle(Uint8Array.of(0, 2, 65)), /ends inside entry 0/);
  assert.throws(() => v.parseBundle(Uint8Array.of(0)), /ends inside a length/);
  const hash = v.b64(new Uint8Array(32));
  const proof = v.parseTlogProof('c2sp.org/tlog-proof@v1\nindex 3\n' + hash + '\n\nnote\n');
  assert.equal(proof.index, 3n);
  assert.equal(proof.hashes.length, 1);
  assert.equal(new TextDecoder().decode(proof.checkpoint), 'note\n');
  assert.throws(() => v.parseTlogProof('c2sp.org/tlog-proof@v2\nindex 3\n\nx'), /not a c2sp/);
  assert.throws(() => v.parseTlogProof('c2sp.org/tlog-proof@v1\nindex 03\n\nx'), /canonical/);
  assert.throws(() => v.parseTlogProof('c2sp.org/tlog-proof@v1\nindex 3\nAAAA\n\nx'),
    /not a 32-byte hash/);
  assert.throws(() => v.parseCheckpoint('origin\n-1\n' + hash + '\n'), /size/);
  assert.throws(() => v.parseNote(v.bytesOf('text\n\nno dash line\n')), /not a signature/);
  assert.throws(() => v.parseNote(v.bytesOf('text without signatures\n')), /no blank line/);
  const vkey = /^VKEY=(.*)$/m.exec(readFileSync(join(VECTORS, 'signed-note.txt'), 'utf8'))[1];
  await assert.rejects(v.parsePolicy('log ' + vkey + '\n'), /no quorum line/);
  await assert.rejects(v.parsePolicy('log ' + vkey + '\nquorum w1\n'), /unknown quorum w1/);
  await assert.rejects(v.parsePolicy('log ' + vkey + '\nwitness w1 ' + vkey + '\nquorum w1\n'),
    /needs a cosignature key/);
  await assert.rejects(v.parsePolicy('frobnicate\nquorum none\n'), /policy line 1: unknown line/);
  const ok = await v.parsePolicy('# comment\nlog ' + vkey + '\nquorum none\n');
  assert.equal(ok.logs.length, 1);
  assert.equal(ok.quorum, 'none');
});

test('the verdict is verified only when no step failed', () => {
  assert.equal(v.verdict([]).ok, false);
  assert.equal(v.verdict([v.pass('a', 'x')]).ok, true);
  assert.equal(v.verdict([v.pass('a', 'x'), v.skip('b', 'y')]).text,
    'Verified: every step checked here passed (not checked here: b)');
  const failed = v.verdict([v.pass('a', 'x'), v.fail('b', 'why'), v.fail('c', 'later')]);
  assert.equal(failed.ok, false);
  assert.equal(failed.text, 'Not verified: b failed — why');
});
