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
const subtle = globalThis.crypto.subtle;
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
  assert.throws(() => v.parseNote(v.bytesOf('text\n\nno dash line\n')),
    /signature line 1 is malformed/);
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
    'Verified: every step checked here passed; not checked in the browser: b.');
  const failed = v.verdict([v.pass('a', 'x'), v.fail('b', 'why'), v.fail('c', 'later')]);
  assert.equal(failed.ok, false);
  assert.equal(failed.text, 'Not verified: the b step failed.');
});

// ---- checkpoints, signatures and quorums, with keys made here ------------------------------

/** An Ed25519 key of {@code type} (0x01 log, 0x04 cosignature) named {@code name}. */
async function makeKey(name, type) {
  const pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const pub = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const raw = Uint8Array.of(type, ...pub);
  const id = (await v.sha256(Uint8Array.of(...v.bytesOf(name + '\n'), ...raw))).slice(0, 4);
  const text = name + '+' + v.hex(id) + '+' + v.b64(raw);
  return { name, id, text, sign: m => subtle.sign({ name: 'Ed25519' }, pair.privateKey, m) };
}

/** A fake ML-DSA-44 key (0x06): its lines can be carried but not checked here. */
async function fakePqKey(name) {
  const raw = new Uint8Array(1313);
  raw[0] = 0x06;
  globalThis.crypto.getRandomValues(raw.subarray(1));
  const id = (await v.sha256(Uint8Array.of(...v.bytesOf(name + '\n'), ...raw))).slice(0, 4);
  return { name, id, text: name + '+' + v.hex(id) + '+' + v.b64(raw) };
}

function line(key, sig) {
  return '\u2014 ' + key.name + ' ' + v.b64(Uint8Array.of(...key.id, ...sig)) + '\n';
}

async function cosign(key, body, time = 1700000000n) {
  const msg = v.bytesOf('cosignature/v1\ntime ' + time + '\n' + body);
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, time);
  return line(key, Uint8Array.of(...ts, ...new Uint8Array(await key.sign(msg))));
}

const ORIGIN = 'example.com/js-test';
const BODY = ORIGIN + '\n5\n' + v.b64(new Uint8Array(32).fill(7)) + '\n';

async function fixture() {
  const log = await makeKey(ORIGIN, 0x01);
  const wa = await makeKey('wa.example', 0x04);
  const wb = await makeKey('wb.example', 0x04);
  const wc = await makeKey('wc.example', 0x04);
  const waPq = await fakePqKey('wa.example');
  const lonePq = await fakePqKey('wd.example');
  const logLine = line(log, new Uint8Array(await log.sign(v.bytesOf(BODY))));
  const lines = {
    a: await cosign(wa, BODY), b: await cosign(wb, BODY), c: await cosign(wc, BODY),
    aPq: line(waPq, new Uint8Array(2420)), dPq: line(lonePq, new Uint8Array(2420)),
  };
  const witnesses = 'witness a ' + wa.text + '\nwitness b ' + wb.text + '\nwitness c '
    + wc.text + '\nwitness a-pq ' + waPq.text + '\nwitness d-pq ' + lonePq.text + '\n';
  return { log, logLine, lines, witnesses, wa };
}

async function quorumStep(f, policyTail, sigLines) {
  const policy = await v.parsePolicy('log ' + f.log.text + '\n' + f.witnesses + policyTail);
  const checked = await v.checkCheckpoint(v.bytesOf(BODY + '\n' + f.logLine
    + sigLines.join('')), policy);
  return Object.fromEntries(checked.steps.map(s => [s.step, s]));
}

test('checkpoint signature: valid, changed, by another key, missing', async () => {
  const f = await fixture();
  const policy = await v.parsePolicy('log ' + f.log.text + '\nquorum none\n');
  const ok = await v.checkCheckpoint(v.bytesOf(BODY + '\n' + f.logLine), policy);
  assert.equal(ok.steps[0].status, 'pass', ok.steps[0].detail);
  const changed = await v.checkCheckpoint(v.bytesOf(BODY.replace('\n5\n', '\n6\n') + '\n'
    + f.logLine), policy);
  assert.match(changed.steps[0].detail, /signature by the pinned key Ed25519 .* is invalid/);
  const other = await makeKey(ORIGIN, 0x01);
  const otherLine = line(other, new Uint8Array(await other.sign(v.bytesOf(BODY))));
  const notPinned = await v.checkCheckpoint(v.bytesOf(BODY + '\n' + otherLine), policy);
  assert.match(notPinned.steps[0].detail, /no signature by a pinned log key/);
  const pq = await fakePqKey(ORIGIN);
  const both = await v.parsePolicy('log ' + f.log.text + '\nlog ' + pq.text + '\nquorum none\n');
  const noPq = await v.checkCheckpoint(v.bytesOf(BODY + '\n' + f.logLine), both);
  const pqStep = noPq.steps.find(s => s.step === 'post-quantum signatures');
  assert.equal(pqStep.status, 'fail', 'a pinned ML-DSA-44 log key without its signature');
});

test('witness quorum: groups, thresholds, forged and unverifiable cosignatures', async () => {
  const f = await fixture();
  const { a, b, c, aPq, dPq } = f.lines;
  const status = async (tail, sigs) => (await quorumStep(f, tail, sigs))['witness quorum'];
  assert.equal((await status('group g 2 a b c\nquorum g\n', [a, b])).status, 'pass');
  assert.equal((await status('group g 2 a b c\nquorum g\n', [a])).status, 'fail');
  assert.equal((await status('group g all a b\nquorum g\n', [a, b])).status, 'pass');
  assert.equal((await status('group g all a b\nquorum g\n', [a, c])).status, 'fail');
  assert.equal((await status('group g any a b\nquorum g\n', [b])).status, 'pass');
  assert.equal((await status('group g1 any a b\ngroup g2 all g1 c\nquorum g2\n', [b, c]))
    .status, 'pass');
  assert.equal((await status('group g1 any a b\ngroup g2 all g1 c\nquorum g2\n', [c]))
    .status, 'fail');
  // An ML-DSA-44 line counts beside a verified Ed25519 cosignature under its name, never alone.
  assert.equal((await status('group g all a a-pq\nquorum g\n', [a, aPq])).status, 'pass');
  assert.equal((await status('group g all a a-pq\nquorum g\n', [aPq])).status, 'fail');
  const alone = await status('group g any d-pq b\nquorum g\n', [dPq]);
  assert.equal(alone.status, 'fail');
  assert.match(alone.detail, /not counted: an ML-DSA-44 cosignature of d-pq/);
  const steps = await quorumStep(f, 'group g all a a-pq\nquorum g\n', [a, aPq]);
  assert.equal(steps['post-quantum signatures'].status, 'skip');
  assert.match(steps['post-quantum signatures'].detail, /witness a-pq/);
  // A forged cosignature by a pinned witness fails the step, even when none is required.
  const forged = a.replace(/.{6}\n$/, m => (m[0] === 'A' ? 'B' : 'A') + m.slice(1));
  assert.notEqual(forged, a);
  assert.equal((await status('quorum none\n', [forged])).status, 'fail');
  assert.match((await status('group g any a b\nquorum g\n', [forged, b])).detail,
    /invalid cosignature by the pinned witness a/);
  // A timestamp beyond 2^63 - 1 is not a cosignature.
  const late = await status('quorum a\n', [await cosign(f.wa, BODY, 1n << 63n)]);
  assert.equal(late.status, 'fail');
  assert.match(late.detail, /invalid cosignature by the pinned witness a/);
});

test('policies are refused as Policy.java refuses them', async () => {
  const f = await fixture();
  const log = 'log ' + f.log.text + '\n';
  const refused = async (text, why) => assert.rejects(v.parsePolicy(text), why, text);
  const wa = /^witness a (\S+)$/m.exec(f.witnesses)[1];
  const wb = /^witness b (\S+)$/m.exec(f.witnesses)[1];
  await refused(log + 'witness a ' + wa + '\nwitness b ' + wa + '\nquorum a\n',
    /public key already listed as wa.example/);
  await refused(log + 'witness a ' + wa + '\nwitness b ' + wb
    + '\ngroup g 2 a a\nquorum g\n', /a is already a member of a group/);
  await refused(log + 'witness a ' + wa + '\ngroup g1 any a\ngroup g2 any a\nquorum g2\n',
    /a is already a member of a group/);
  await refused(log + 'witness none ' + wa + '\nquorum none\n', /"none" is reserved/);
  await refused(log + 'witness a ' + wa + '\nwitness a ' + wb + '\nquorum a\n',
    /name a is already defined/);
  await refused(log + 'witness a ' + wa + '\ngroup g 0 a\nquorum g\n', /threshold/);
  await refused(log + 'witness a ' + wa + '\ngroup g 2 a\nquorum g\n', /threshold must be 1 to 1/);
  await refused('log ' + wa + '\nquorum none\n', /a log key must be/);
  await refused(log + 'quorum none\r\n', /forbidden control character/);
  await refused(log + 'quorum none\nquorum none\n', /more than one quorum line/);
  await refused(log + '\u00a0quorum none\n', /unknown line/);
});

test('a key rotation, far-future cosignature times, and stricter proofs and policies',
  async () => {
    const f = await fixture();
    // Two pinned ML-DSA-44 log keys during a rotation: a line by either one is enough.
    const pqOld = await fakePqKey(ORIGIN);
    const pqNew = await fakePqKey(ORIGIN);
    const rotating = await v.parsePolicy('log ' + f.log.text + '\nlog ' + pqOld.text + '\nlog '
      + pqNew.text + '\nquorum none\n');
    const note = sigs => v.bytesOf(BODY + '\n' + f.logLine + sigs);
    const pqStep = async sigs => (await v.checkCheckpoint(note(sigs), rotating)).steps
      .find(s => s.step === 'post-quantum signatures');
    assert.equal((await pqStep(line(pqNew, new Uint8Array(2420)))).status, 'skip');
    assert.equal((await pqStep('')).status, 'fail');
    // A cosignature time Java accepts but Date cannot hold is shown as seconds.
    const far = 10_000_000_000_000n;
    const steps = await quorumStep(f, 'quorum a\n', [await cosign(f.wa, BODY, far)]);
    assert.equal(steps['witness quorum'].status, 'pass');
    assert.equal(steps['witness quorum'].data.get('a'), far + ' seconds since the epoch');
    assert.equal(v.timeText(1700000000n), '2023-11-14T22:13:20.000Z');
    // Control characters are refused in comments too; extra data must be canonical base64.
    await assert.rejects(v.parsePolicy('# note\r\nlog ' + f.log.text + '\nquorum none\n'),
      /forbidden control character/);
    const hash = v.b64(new Uint8Array(32));
    assert.throws(() => v.parseTlogProof('c2sp.org/tlog-proof@v1\nextra \nindex 0\n' + hash
      + '\n\nnote\n'), /extra data is empty/);
    assert.throws(() => v.parseTlogProof('c2sp.org/tlog-proof@v1\nextra QQ\nindex 0\n' + hash
      + '\n\nnote\n'), /base64/);
    assert.equal(v.parseTlogProof('c2sp.org/tlog-proof@v1\nextra QQ==\nindex 0\n' + hash
      + '\n\nnote\n').index, 0n);
  });

test('policies: the same verdict as Policy.java on shared cases', async () => {
  const cases = JSON.parse(readFileSync(process.env.POLICY_CASES, 'utf8'));
  assert.ok(cases.length >= 30, 'cases: ' + cases.length);
  assert.ok(cases.some(c => c.java) && cases.some(c => !c.java));
  for (const c of cases) {
    const js = await outcome(() => v.parsePolicy(c.text));
    assert.equal(js, c.java ? 'accepted' : 'refused', JSON.stringify(c.text));
  }
});
