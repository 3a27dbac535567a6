// Verification of a Cairn log's answers in the browser, trusting nothing the server says:
// signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint), witness
// cosignatures (c2sp.org/tlog-cosignature, cosignature/v1), policies (c2sp.org/tlog-policy),
// proofs (c2sp.org/tlog-proof@v1), entry bundles (c2sp.org/tlog-tiles) and the Merkle tree's
// inclusion and consistency proofs (RFC 9162, 2.1.3.2 and 2.1.4.2). Pure functions over bytes;
// cryptography through WebCrypto (SHA-256, Ed25519, ECDSA P-256). Parsers are strict: anything
// out of format throws an Error naming what is wrong.

// A leading byte-order mark is kept: dropping it would show two different entries alike.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ENCODE = new TextEncoder();

export const KEY_TYPES = Object.freeze({
  0x01: 'Ed25519',
  0x02: 'ECDSA P-256',
  0x04: 'Ed25519 cosignature/v1',
  0x06: 'ML-DSA-44 subtree/v1',
});

/** Why a post-quantum signature is not checked here; shown wherever one is skipped. */
export const NO_ML_DSA = 'ML-DSA-44 is not checked in the browser: no vetted ML-DSA library'
  + ' is bundled with this page; check it with `cairn verify`';

/** The steps, by name: the page and its tests use these. */
export const STEP = Object.freeze({
  ENTRY: 'entry',
  LEAF: 'leaf hash',
  INCLUSION: 'inclusion proof',
  SIGNATURE: 'checkpoint signature',
  POST_QUANTUM: 'post-quantum signatures',
  QUORUM: 'witness quorum',
  CONSISTENCY: 'consistency proof',
});

/** The failed signature step of a page with no pinned policy. */
export const NO_PIN = 'no keys are pinned: compare the log\'s keys with those published'
  + ' elsewhere and pin them under “Pinned keys”';

/** Caps, as the Java parsers have them. */
const MAX_NOTE = 256 * 1024;
const MAX_PROOF = 300 * 1024;
const MAX_POLICY = 64 * 1024;
const MAX_SIGNATURES = 100;
const MAX_EXTENSIONS = 16;
const MAX_ITEMS = 256;
const MAX_INT64 = (1n << 63n) - 1n;

// ---- bytes ---------------------------------------------------------------------------------

export function utf8(bytes) {
  return UTF8.decode(bytes);
}

export function bytesOf(text) {
  return ENCODE.encode(text);
}

export function hex(bytes) {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text) {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) {
    throw new Error('not hexadecimal');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(text.substr(2 * i, 2), 16);
  }
  return out;
}

export function b64(bytes) {
  let s = '';
  for (const b of bytes) {
    s += String.fromCharCode(b);
  }
  return btoa(s);
}

/** Strict standard base64 with padding: anything else, or a non-canonical encoding, throws. */
export function fromB64(text) {
  if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new Error('not base64');
  }
  const bin = atob(text);
  const out = Uint8Array.from(bin, c => c.charCodeAt(0));
  if (b64(out) !== text) {
    throw new Error('not canonical base64');
  }
  return out;
}

export function equal(a, b) {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** RFC 9162 leaf hash: SHA-256(0x00 || entry). */
export function leafHash(entry) {
  return sha256(concat(Uint8Array.of(0), entry));
}

function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** A decimal without sign or leading zeros, as a BigInt; throws naming {@code what}. */
export function decimal(text, what) {
  if (!/^(0|[1-9][0-9]{0,18})$/.test(text) || BigInt(text) > MAX_INT64) {
    throw new Error(what + ' is not a canonical decimal below 2^63: '
      + JSON.stringify(text.slice(0, 40)));
  }
  return BigInt(text);
}

/** A key name: 1 to 255 UTF-8 bytes, no white space, no '+', no control characters. */
function validName(name) {
  return name.length > 0 && bytesOf(name).length <= 255
    && !/[\p{White_Space}+\p{Cc}]/u.test(name);
}

// ---- keys, notes, checkpoints, policies ---------------------------------------------------

/**
 * A verifier key {@code name+hexkeyid+base64(type || public key)}, its key ID checked:
 * SHA-256(name || 0x0A || type || key)[:4], or SHA-256(SPKI)[:4] for ECDSA.
 */
export async function parseVkey(text) {
  // The name has no '+', the key ID is 8 hex digits, and the base64 key may contain '+'.
  const m = /^([^+]+)\+([^+]*)\+(\S+)$/.exec(text);
  if (!m || !validName(m[1]) || text.length > 4096) {
    throw new Error('not a verifier key (name+keyid+key): ' + JSON.stringify(text.slice(0, 80)));
  }
  const [, name, idHex, keyB64] = m;
  if (!/^[0-9a-f]{8}$/.test(idHex)) {
    throw new Error('key ID of ' + name + ' is not 8 lower-case hex digits');
  }
  const raw = fromB64(keyB64);
  const type = raw[0];
  const pub = raw.slice(1);
  const sizes = { 0x01: 32, 0x02: 91, 0x04: 32, 0x06: 1312 };
  if (!(type in KEY_TYPES)) {
    throw new Error('key ' + name + ' has unknown type 0x' + (type ?? 0).toString(16));
  }
  if (sizes[type] !== undefined && pub.length !== sizes[type]) {
    throw new Error('key ' + name + ': a ' + KEY_TYPES[type] + ' key has ' + sizes[type]
      + ' bytes, not ' + pub.length);
  }
  const id = type === 0x02
    ? (await sha256(pub)).slice(0, 4)
    : (await sha256(concat(bytesOf(name), Uint8Array.of(0x0a), raw))).slice(0, 4);
  if (hex(id) !== idHex) {
    throw new Error('key ' + name + ': key ID ' + idHex + ' does not match the key ('
      + hex(id) + ')');
  }
  return { text, name, keyId: id, type, pub, typeName: KEY_TYPES[type] };
}

/**
 * A signed note: text ending in a newline, a blank line, then signature lines
 * {@code — name base64(keyid || signature)}.
 */
export function parseNote(bytes) {
  if (bytes.length > MAX_NOTE) {
    throw new Error('the note is larger than ' + MAX_NOTE + ' bytes');
  }
  const text = utf8(bytes);
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) {
    throw new Error('the note contains a control character');
  }
  const split = text.lastIndexOf('\n\n');
  if (split < 0 || !text.endsWith('\n')) {
    throw new Error('not a signed note: no blank line before the signatures');
  }
  const body = text.slice(0, split + 1);
  const sigs = [];
  for (const line of text.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 ([^ ]+) ([^ ]+)$/.exec(line);
    if (!m || !validName(m[1])) {
      throw new Error('signature line ' + (sigs.length + 1) + ' is malformed');
    }
    if (sigs.length === MAX_SIGNATURES) {
      throw new Error('more than ' + MAX_SIGNATURES + ' signatures');
    }
    const raw = fromB64(m[2]);
    if (raw.length < 5) {
      throw new Error('signature of ' + m[1] + ' is too short');
    }
    sigs.push({ name: m[1], keyId: raw.slice(0, 4), sig: raw.slice(4) });
  }
  if (sigs.length === 0) {
    throw new Error('the note has no signatures');
  }
  return { body, bodyBytes: bytesOf(body), sigs };
}

/** A checkpoint body: origin, size, base64 root hash, then extension lines. */
export function parseCheckpoint(body) {
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some(l => l === '')) {
    throw new Error('a checkpoint has an origin, a size and a root hash, and no empty line');
  }
  if (lines.length > 3 + MAX_EXTENSIONS) {
    throw new Error('the checkpoint has more than ' + MAX_EXTENSIONS + ' extension lines');
  }
  const size = decimal(lines[1], 'checkpoint size');
  const root = fromB64(lines[2]);
  if (root.length !== 32) {
    throw new Error('checkpoint root hash is not 32 bytes');
  }
  return { origin: lines[0], size, root, extensions: lines.slice(3) };
}

/**
 * A tlog-policy (c2sp.org/tlog-policy), as strictly as Policy.java: log, witness, group and
 * quorum lines; names defined once (not "none"), on an earlier line, each a group member at most
 * once; no public key twice; log keys Ed25519, ECDSA or ML-DSA-44, witness keys cosignature keys.
 */
export async function parsePolicy(text) {
  if (bytesOf(text).length > MAX_POLICY) {
    throw new Error('the policy is larger than ' + MAX_POLICY + ' bytes');
  }
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) {
    throw new Error('the policy contains a forbidden control character');
  }
  const logs = [];
  const witnesses = new Map();
  const groups = new Map();
  const members = new Set();
  const keys = [];
  let quorum = null;
  let n = 0;
  for (const raw of text.split('\n')) {
    n++;
    const line = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const f = line.split(/[ \t]+/);
    const known = name => witnesses.has(name) || groups.has(name);
    const newName = name => {
      if (name === 'none') throw new Error('"none" is reserved');
      if (known(name)) throw new Error('name ' + name + ' is already defined');
    };
    const newKey = key => {
      const same = keys.find(k => k.type === key.type && equal(k.pub, key.pub));
      if (same) throw new Error('public key already listed as ' + same.name);
      keys.push(key);
    };
    try {
      if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line)) {
        throw new Error('forbidden control character');
      }
      switch (f[0]) {
        case 'log': {
          if (f.length < 2 || f.length > 3) throw new Error('log <vkey> [<url>]');
          const key = await parseVkey(f[1]);
          if (![0x01, 0x02, 0x06].includes(key.type)) {
            throw new Error('a log key must be Ed25519, ECDSA P-256 or ML-DSA-44');
          }
          newKey(key);
          logs.push({ key, url: f[2] ?? null });
          break;
        }
        case 'witness': {
          if (f.length < 3 || f.length > 4) throw new Error('witness <name> <vkey> [<url>]');
          newName(f[1]);
          const key = await parseVkey(f[2]);
          if (key.type !== 0x04 && key.type !== 0x06) {
            throw new Error('witness ' + f[1] + ' needs a cosignature key (0x04 or 0x06)');
          }
          newKey(key);
          witnesses.set(f[1], { name: f[1], key, url: f[3] ?? null });
          break;
        }
        case 'group': {
          if (f.length < 4) throw new Error('group <name> all|any|<k> <member>...');
          newName(f[1]);
          const list = f.slice(3);
          for (const m of list) {
            if (!known(m)) throw new Error('group ' + f[1] + ': unknown member ' + m);
            if (members.has(m)) throw new Error(m + ' is already a member of a group');
            members.add(m);
          }
          if (f[2] !== 'all' && f[2] !== 'any' && !/^[1-9][0-9]{0,3}$/.test(f[2])) {
            throw new Error('group ' + f[1] + ': the threshold is all, any or k from 1');
          }
          const k = f[2] === 'all' ? list.length : f[2] === 'any' ? 1 : Number(f[2]);
          if (k > list.length) {
            throw new Error('group ' + f[1] + ': threshold must be 1 to ' + list.length);
          }
          groups.set(f[1], { name: f[1], threshold: k, members: list });
          break;
        }
        case 'quorum':
          if (f.length !== 2) throw new Error('quorum <name>|none');
          if (quorum !== null) throw new Error('more than one quorum line');
          if (f[1] !== 'none' && !known(f[1])) throw new Error('unknown quorum ' + f[1]);
          quorum = f[1];
          break;
        default:
          throw new Error('unknown line ' + JSON.stringify(f[0].slice(0, 20)));
      }
      if (Math.max(logs.length, witnesses.size, groups.size) > MAX_ITEMS) {
        throw new Error('more than ' + MAX_ITEMS + ' logs, witnesses or groups');
      }
    } catch (e) {
      throw new Error('policy line ' + n + ': ' + e.message);
    }
  }
  if (quorum === null) {
    throw new Error('the policy has no quorum line');
  }
  if (logs.length === 0) {
    throw new Error('the policy names no log key');
  }
  return { text, logs, witnesses, groups, quorum };
}

/** A c2sp.org/tlog-proof@v1: index, inclusion proof, and the signed checkpoint after a blank. */
export function parseTlogProof(text) {
  if (bytesOf(text).length > MAX_PROOF) {
    throw new Error('the proof is larger than ' + MAX_PROOF + ' bytes');
  }
  const lines = text.split('\n');
  if (lines[0] !== 'c2sp.org/tlog-proof@v1') {
    throw new Error('not a c2sp.org/tlog-proof@v1');
  }
  let i = 1;
  if (lines[i]?.startsWith('extra ')) {
    if (fromB64(lines[i].slice('extra '.length)).length === 0) {
      throw new Error('the extra data is empty');
    }
    i++;
  }
  const m = /^index (\S+)$/.exec(lines[i] ?? '');
  if (!m) {
    throw new Error('line ' + (i + 1) + ' must be "index <n>"');
  }
  const index = decimal(m[1], 'proof index');
  const hashes = [];
  for (i++; i < lines.length && lines[i] !== ''; i++) {
    const h = fromB64(lines[i]);
    if (h.length !== 32) {
      throw new Error('proof line ' + (i + 1) + ' is not a 32-byte hash');
    }
    hashes.push(h);
  }
  if (i >= lines.length || hashes.length > 63) {
    throw new Error('the proof has no checkpoint after its hashes');
  }
  return { index, hashes, checkpoint: bytesOf(lines.slice(i + 1).join('\n')) };
}

// ---- tiles ---------------------------------------------------------------------------------

/** The tile path of tile index {@code n}: x001/x234/067. */
export function tileIndexPath(n) {
  const digits = n.toString();
  const padded = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const parts = padded.match(/.{3}/g);
  return parts.map((p, i) => (i < parts.length - 1 ? 'x' : '') + p).join('/');
}

/** The entry bundle holding {@code index} in a tree of {@code size}: path and position. */
export function entryBundle(index, size) {
  const tile = index / 256n;
  const width = size - tile * 256n;
  const path = 'tile/entries/' + tileIndexPath(tile) + (width < 256n ? '.p/' + width : '');
  return { path, fullPath: 'tile/entries/' + tileIndexPath(tile), at: Number(index % 256n) };
}

/** The entries of a bundle: each a big-endian uint16 length, then its bytes. */
export function parseBundle(bytes) {
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) {
      throw new Error('entry bundle ends inside a length');
    }
    const n = (bytes[at] << 8) | bytes[at + 1];
    if (at + 2 + n > bytes.length) {
      throw new Error('entry bundle ends inside entry ' + out.length);
    }
    out.push(bytes.slice(at + 2, at + 2 + n));
    at += 2 + n;
  }
  return out;
}

// ---- Merkle proofs -------------------------------------------------------------------------

function hashes32(hashes) {
  if (hashes.some(x => x.length !== 32)) {
    throw new Error('a hash of the tree has 32 bytes');
  }
}

/** RFC 9162 2.1.3.2: throws naming why {@code proof} does not lead from the leaf to root. */
export async function verifyInclusion(index, size, leaf, proof, root) {
  hashes32([leaf, root, ...proof]);
  if (index >= size) {
    throw new Error('index ' + index + ' is not below the tree size ' + size);
  }
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) {
      throw new Error('the proof has more hashes than the tree has levels');
    }
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) {
    throw new Error('the proof has fewer hashes than the tree has levels');
  }
  if (!equal(r, root)) {
    throw new Error('the root computed from the proof (' + b64(r).slice(0, 12)
      + '…) differs from the checkpoint\'s root (' + b64(root).slice(0, 12) + '…)');
  }
}

/** RFC 9162 2.1.4.2: throws naming why {@code proof} does not join the two roots. */
export async function verifyConsistency(first, second, proof, firstRoot, secondRoot) {
  if (first > second) {
    throw new Error('the old size ' + first + ' is larger than the new size ' + second);
  }
  if (first === 0n) {
    throw new Error('no proof joins the empty tree to another: every tree extends it');
  }
  if (first === second) {
    if (proof.length !== 0 || !equal(firstRoot, secondRoot)) {
      throw new Error('two checkpoints of one size must have one root and an empty proof');
    }
    return;
  }
  hashes32([firstRoot, secondRoot, ...proof]);
  if (proof.length === 0) {
    throw new Error('the consistency proof is empty');
  }
  const path = (first & (first - 1n)) === 0n ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) {
      throw new Error('the proof has more hashes than it needs');
    }
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) {
    throw new Error('the proof has fewer hashes than it needs');
  }
  if (!equal(fr, firstRoot)) {
    throw new Error('the proof does not lead to the old checkpoint\'s root');
  }
  if (!equal(sr, secondRoot)) {
    throw new Error('the proof does not lead to the new checkpoint\'s root');
  }
}

// ---- signatures ----------------------------------------------------------------------------

async function ed25519(pub, sig, message) {
  if (sig.length !== 64) {
    return false;
  }
  const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, sig, message);
}

/** ASN.1 DER ECDSA signature to the 64-byte r || s WebCrypto takes; null when malformed. */
function derToRaw(der) {
  const int = (at) => {
    if (der[at] !== 0x02 || der[at + 1] > 33) return null;
    const len = der[at + 1];
    let v = der.slice(at + 2, at + 2 + len);
    while (v.length > 32 && v[0] === 0) v = v.slice(1);
    if (v.length > 32) return null;
    const out = new Uint8Array(32);
    out.set(v, 32 - v.length);
    return { v: out, next: at + 2 + len };
  };
  if (der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const r = int(2);
  const s = r && int(r.next);
  return s && s.next === der.length ? concat(r.v, s.v) : null;
}

async function ecdsa(spki, sig, message) {
  const raw = derToRaw(sig);
  if (!raw) {
    return false;
  }
  const key = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' },
    false, ['verify']);
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, message);
}

function by(sig, key) {
  return sig.name === key.name && equal(sig.keyId, key.keyId);
}

/**
 * Whether {@code note} carries a valid signature by the Ed25519 or ECDSA log key {@code key}:
 * 'valid', 'invalid' (a signature line by the key that does not verify) or 'absent'.
 */
export async function signedBy(note, key) {
  const lines = note.sigs.filter(s => by(s, key));
  if (lines.length === 0) {
    return 'absent';
  }
  for (const s of lines) {
    const ok = key.type === 0x01 ? await ed25519(key.pub, s.sig, note.bodyBytes)
      : key.type === 0x02 ? await ecdsa(key.pub, s.sig, note.bodyBytes) : false;
    if (!ok) {
      return 'invalid';
    }
  }
  return 'valid';
}

/**
 * The checkpoint's signatures checked against {@code policy}'s log keys and witnesses: the
 * steps "checkpoint signature", "post-quantum signatures" (when the policy has ML-DSA-44 keys)
 * and "witness quorum", each {@code {step, status: 'pass'|'fail'|'skip', detail}}.
 */
export async function checkCheckpoint(noteBytes, policy) {
  const note = parseNote(noteBytes);
  const cp = parseCheckpoint(note.body);
  const steps = [];
  const logKeys = policy.logs.map(l => l.key).filter(k => k.name === cp.origin);
  const classical = logKeys.filter(k => k.type === 0x01 || k.type === 0x02);
  const verified = [];
  const bad = [];
  for (const key of classical) {
    const result = await signedBy(note, key);
    if (result !== 'absent') {
      (result === 'valid' ? verified : bad).push(key.typeName + ' ' + hex(key.keyId));
    }
  }
  const pinned = keys => keys.map(k => k.name + '+' + hex(k.keyId)).join(', ');
  if (logKeys.length === 0) {
    steps.push(fail(STEP.SIGNATURE, 'no pinned log key is named for the origin ' + cp.origin
      + ' (pinned: ' + pinned(policy.logs.map(l => l.key)) + ')'));
  } else if (bad.length > 0) {
    steps.push(fail(STEP.SIGNATURE, 'the signature by the pinned key ' + bad[0]
      + ' is invalid'));
  } else if (verified.length === 0) {
    steps.push(fail(STEP.SIGNATURE, classical.length === 0
      ? 'no Ed25519 or ECDSA log key is pinned, and ' + NO_ML_DSA
      : 'no signature by a pinned log key (pinned: ' + pinned(classical) + ')'));
  } else {
    steps.push(pass(STEP.SIGNATURE, 'signed by ' + cp.origin + ' with the pinned '
      + verified.join(', ')));
  }
  const witnesses = await checkWitnesses(note, policy);
  const pq = logKeys.filter(k => k.type === 0x06);
  // During a key rotation two keys of a kind are pinned and either may sign: one is enough.
  if (pq.length > 0 && !pq.some(k => note.sigs.some(s => by(s, k)))) {
    steps.push(fail(STEP.POST_QUANTUM, 'the checkpoint has no ML-DSA-44 signature by a pinned'
      + ' log key (' + pinned(pq) + '): a log with both kinds of key signs with both'));
  } else if (pq.length > 0 || witnesses.postQuantum.length > 0) {
    const signers = (pq.length ? ['the pinned log key'] : [])
      .concat(witnesses.postQuantum.map(n => 'witness ' + n));
    steps.push(skip(STEP.POST_QUANTUM, 'ML-DSA-44 signatures by ' + signers.join(', ')
      + ' are present; ' + NO_ML_DSA));
  }
  steps.push(witnesses.step);
  return { checkpoint: cp, note, steps };
}

/** Seconds since the epoch as an RFC 3339 time, or as seconds beyond the year 275,760. */
export function timeText(seconds) {
  return seconds <= 8_640_000_000_000n
    ? new Date(Number(seconds) * 1000).toISOString()
    : seconds + ' seconds since the epoch';
}

/**
 * The witness quorum as far as the browser can check it. Ed25519 cosignatures are verified
 * (and any invalid one by a pinned witness fails the step). An ML-DSA-44 cosignature cannot be
 * checked here, so it counts only beside a verified Ed25519 cosignature under the same key name
 * (the same witness): a forged line alone satisfies nothing. Those it counts are listed in the
 * "post-quantum signatures" step, as not checked.
 */
async function checkWitnesses(note, policy) {
  const cosigned = new Map();
  const invalid = [];
  const pqLines = [];
  for (const w of policy.witnesses.values()) {
    for (const s of note.sigs.filter(s => by(s, w.key))) {
      if (w.key.type === 0x06) {
        pqLines.push(w);
        continue;
      }
      const time = s.sig.length === 72
        ? new DataView(s.sig.buffer, s.sig.byteOffset).getBigUint64(0) : -1n;
      if (time < 0n || time > MAX_INT64) {
        invalid.push(w.name);
        continue;
      }
      const message = concat(bytesOf('cosignature/v1\ntime ' + time + '\n'), note.bodyBytes);
      if (await ed25519(w.key.pub, s.sig.slice(8), message)) {
        cosigned.set(w.name, { key: w.key, time: timeText(time) });
      } else {
        invalid.push(w.name);
      }
    }
  }
  const vouched = new Set([...cosigned.values()].map(c => c.key.name));
  const postQuantum = pqLines.filter(w => vouched.has(w.key.name)).map(w => w.name);
  const alone = pqLines.filter(w => !vouched.has(w.key.name)).map(w => w.name);
  const met = name => {
    if (name === 'none') return true;
    if (policy.witnesses.has(name)) return cosigned.has(name) || postQuantum.includes(name);
    const g = policy.groups.get(name);
    return g.members.filter(met).length >= g.threshold;
  };
  const names = [...cosigned.keys()].map(n => n + ' (Ed25519, verified)')
    .concat(postQuantum.map(n => n + ' (ML-DSA-44 beside its verified Ed25519 cosignature)'));
  const extra = (alone.length ? '; not counted: an ML-DSA-44 cosignature of ' + alone.join(', ')
    + ' without a verified Ed25519 cosignature by the same witness' : '');
  const times = new Map([...cosigned].map(([n, c]) => [n, c.time]));
  let step;
  if (invalid.length > 0) {
    step = fail(STEP.QUORUM, 'invalid cosignature by the pinned witness '
      + invalid.join(', '), times);
  } else if (policy.quorum === 'none') {
    step = pass(STEP.QUORUM, 'the pinned policy requires no witnesses'
      + (names.length ? '; cosigned by ' + names.join(', ') : '') + extra, times);
  } else if (met(policy.quorum)) {
    step = pass(STEP.QUORUM, 'quorum ' + policy.quorum + ' met: cosigned by '
      + names.join(', ') + extra, times);
  } else {
    step = fail(STEP.QUORUM, 'quorum ' + policy.quorum + ' not met: '
      + (names.length ? 'cosigned only by ' + names.join(', ') : 'no verified cosignature by'
        + ' a pinned witness') + ' of ' + policy.witnesses.size + ' pinned witnesses' + extra,
    times);
  }
  return { step, postQuantum };
}

// ---- steps ---------------------------------------------------------------------------------

export function pass(step, detail, data) {
  return { step, status: 'pass', detail, data };
}

export function fail(step, detail, data) {
  return { step, status: 'fail', detail, data };
}

export function skip(step, detail, data) {
  return { step, status: 'skip', detail, data };
}

/**
 * Verified only when no step failed and at least one ran; the text is the page's own (the
 * failing step's reason, which may quote the server, is shown with the steps).
 */
export function verdict(steps) {
  const failed = steps.find(s => s.status === 'fail');
  if (failed) {
    return { ok: false, text: 'Not verified: the ' + failed.step + ' step failed.' };
  }
  if (steps.length === 0) {
    return { ok: false, text: 'Not verified: nothing was checked.' };
  }
  const skipped = [...new Set(steps.filter(s => s.status === 'skip').map(s => s.step))];
  return {
    ok: true,
    text: skipped.length
      ? 'Verified: every step checked here passed; not checked in the browser: '
        + skipped.join(', ') + '.'
      : 'Verified: every step passed.',
  };
}

/**
 * An entry checked against its proof: the steps "entry", "leaf hash", "inclusion proof", then
 * the checkpoint's. {@code index} is the index asked for (the proof must be for it);
 * {@code expectedLeaf} (the hash searched for), if given, must match. Without a pinned
 * {@code policy} the signature step fails, saying so.
 */
export async function checkEntry({ index, entry, proofText, policy, expectedLeaf }) {
  const steps = [];
  let proof;
  try {
    proof = parseTlogProof(proofText);
  } catch (e) {
    return { steps: [fail(STEP.INCLUSION, e.message)] };
  }
  const leaf = entry ? await leafHash(entry) : null;
  if (proof.index !== index) {
    steps.push(fail(STEP.ENTRY, 'the proof is for index ' + proof.index + ', not ' + index));
  } else if (!entry) {
    steps.push(fail(STEP.ENTRY, 'the log did not serve the entry\'s bytes'));
  } else {
    steps.push(pass(STEP.ENTRY, entry.length + ' bytes at index ' + index));
  }
  if (leaf && expectedLeaf && !equal(leaf, expectedLeaf)) {
    steps.push(fail(STEP.LEAF, 'the entry hashes to ' + hex(leaf) + ', not the '
      + hex(expectedLeaf) + ' searched for'));
  } else if (leaf) {
    steps.push(pass(STEP.LEAF, 'SHA-256(0x00 || entry) = ' + hex(leaf)));
  }
  let checked;
  try {
    checked = policy ? await checkCheckpoint(proof.checkpoint, policy) : {
      note: parseNote(proof.checkpoint),
      steps: [fail(STEP.SIGNATURE, NO_PIN)],
    };
    checked.checkpoint ??= parseCheckpoint(checked.note.body);
  } catch (e) {
    steps.push(fail(STEP.SIGNATURE, 'the proof\'s checkpoint: ' + e.message));
    return { steps, proof };
  }
  if (leaf) {
    try {
      await verifyInclusion(proof.index, checked.checkpoint.size, leaf, proof.hashes,
        checked.checkpoint.root);
      steps.push(pass(STEP.INCLUSION, proof.hashes.length + ' hashes lead from the leaf to'
        + ' the root of the checkpoint of size ' + checked.checkpoint.size));
    } catch (e) {
      steps.push(fail(STEP.INCLUSION, e.message));
    }
  }
  steps.push(...checked.steps);
  return { steps, proof, checkpoint: checked.checkpoint, note: checked.note, leaf };
}
