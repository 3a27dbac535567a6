// Browser tests of the explorer (/ui/): Playwright driving the system's Chromium against a real
// `cairn serve` with a real witness, started by ExplorerBrowserTest.java, which also added the
// entries listed in CAIRN_ENTRIES. Run by that test; by hand:
//   CAIRN_URL=http://127.0.0.1:8080 CAIRN_ENTRIES=entries.json node --test explorer.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { webcrypto as crypto } from 'node:crypto';
import { chromium } from 'playwright-core';

const BASE = process.env.CAIRN_URL;
const SHOTS = process.env.CAIRN_SCREENSHOTS ?? 'screenshots';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WAIT = 20_000;

let browser;
let entries;
let checkpoints;
/** Every CSP or Trusted Types complaint any page printed, and every dialog any page opened. */
const violations = [];
const dialogs = [];

before(async () => {
  assert.ok(BASE, 'CAIRN_URL names the log to test');
  entries = JSON.parse(await readFile(process.env.CAIRN_ENTRIES, 'utf8'))
    .map(e => ({ ...e, bytes: Buffer.from(e.base64, 'base64') }));
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

function entry(label) {
  const e = entries.find(x => x.label === label);
  assert.ok(e, 'no entry labelled ' + label);
  return e;
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.on('console', m => {
    if (/Content.Security.Policy|Trusted.Type|TrustedHTML|TrustedScript/i.test(m.text())) {
      violations.push(m.text());
    }
  });
  page.on('pageerror', e => violations.push('page error: ' + e.message));
  page.on('dialog', d => {
    dialogs.push(d.message());
    d.dismiss();
  });
  return page;
}

let visits = 0;

/** Loads the explorer afresh (a new document each time) at {@code hash}. */
async function visit(page, hash, query = '') {
  visits++;
  await page.goto(BASE + '/ui/?v=' + visits + query + hash);
  await page.waitForSelector('body[data-ready]', { timeout: WAIT });
}

/** Waits until the verdict in {@code id} is given, and returns its state and text. */
async function verdict(page, id) {
  const box = page.locator('#' + id);
  await page.waitForFunction(i => ['verified', 'failed']
    .includes(document.getElementById(i).dataset.state), id, { timeout: WAIT });
  return { state: await box.getAttribute('data-state'), text: await box.textContent() };
}

/** The verification steps shown in list {@code id}: {step: status}. */
async function steps(page, id) {
  const items = await page.locator('#' + id + ' li').evaluateAll(lis => lis.map(li => [
    li.dataset.step, li.dataset.status, li.textContent]));
  return Object.fromEntries(items.map(([s, status, text]) => [s, { status, text }]));
}

async function pinPublished(page) {
  await visit(page, '#keys');
  await page.getByRole('button', { name: 'Pin the published policy' }).click();
  await page.locator('#keys-status', { hasText: 'Pinned:' }).waitFor({ timeout: WAIT });
}

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: join(SHOTS, 'explorer-' + name + '.png'), fullPage });
}

function assertVerifiedEntry(v, s) {
  assert.equal(v.state, 'verified', v.text);
  assert.equal(v.text, 'Verified: every step checked here passed; not checked in the browser:'
    + ' post-quantum signatures.');
  for (const step of ['entry', 'leaf hash', 'inclusion proof', 'checkpoint signature',
    'witness quorum']) {
    assert.equal(s[step]?.status, 'pass', step + ': ' + JSON.stringify(s[step]));
  }
  assert.equal(s['post-quantum signatures'].status, 'skip');
  assert.ok(s['witness quorum'].text.includes('quorum w1 met: cosigned by w1-ed (Ed25519,'
    + ' verified), w1-pq (ML-DSA-44 beside its verified Ed25519 cosignature)'),
  s['witness quorum'].text);
}

async function sha256Hex(bytes) {
  const d = await crypto.subtle.digest('SHA-256', Buffer.concat([Buffer.of(0), bytes]));
  return Buffer.from(d).toString('hex');
}

test('a first visit shows the published keys, unpinned, and pins them', async () => {
  const page = await newPage();
  await visit(page, '');
  const status = page.locator('#keys-status');
  await status.filter({ hasText: 'No keys are pinned yet' }).waitFor({ timeout: WAIT });
  const published = await page.locator('#published-keys li').allTextContents();
  assert.ok(published.some(t => t.startsWith('log: ') && t.includes('Ed25519')), published.join());
  assert.ok(published.some(t => t.startsWith('witness w1-ed: ')), published.join());
  // Without pinned keys, nothing is "verified", and the verdict says what to do.
  await visit(page, '#entry/' + entry('plain').index);
  const v = await verdict(page, 'entry-verdict');
  assert.equal(v.state, 'failed');
  assert.equal(v.text, 'Not verified: the checkpoint signature step failed.');
  const s = await steps(page, 'entry-steps');
  assert.match(s['checkpoint signature'].text, /no keys are pinned/);
  assert.equal(s['inclusion proof'].status, 'pass');
  await visit(page, '#keys');
  await shot(page, 'keys', false);
  await page.getByRole('button', { name: 'Pin the published policy' }).click();
  await status.filter({ hasText: 'Pinned:' }).waitFor({ timeout: WAIT });
  assert.match(await page.locator('#pinned-policy').textContent(), /^log /);
  await page.context().close();
});

test('an entry looked up by index is verified in the page', async () => {
  const page = await newPage();
  await pinPublished(page);
  const e = entry('plain');
  await visit(page, '#entry/' + e.index);
  assertVerifiedEntry(await verdict(page, 'entry-verdict'), await steps(page, 'entry-steps'));
  assert.equal(await page.locator('#entry-bytes').textContent(), e.bytes.toString('utf8'));
  const facts = await page.locator('#entry-facts').textContent();
  assert.ok(facts.includes(await sha256Hex(e.bytes)), facts);
  assert.match(facts, /Cosigned byw1-ed at \d{4}-/);
  await shot(page, 'entry');
  await page.getByRole('button', { name: 'Hex' }).click();
  assert.equal(await page.locator('#entry-bytes').textContent(), '000000  '
    + [...e.bytes].map(b => b.toString(16).padStart(2, '0')).join(' ').padEnd(47) + '  '
    + e.bytes.toString('latin1'));
  assert.equal(await page.getByRole('button', { name: 'Hex' }).getAttribute('aria-pressed'),
    'true');
  await page.context().close();
});

test('an entry looked up by its leaf hash, hex or base64, is verified', async () => {
  const page = await newPage();
  await pinPublished(page);
  const e = entry('release');
  const hexHash = await sha256Hex(e.bytes);
  for (const typed of [hexHash, Buffer.from(hexHash, 'hex').toString('base64')]) {
    await visit(page, '#search');
    await page.getByLabel('Leaf hash (SHA-256, hex or base64)').fill(typed);
    await page.getByRole('button', { name: 'Look up by hash' }).click();
    await page.locator('#entry-title', { hasText: 'Entry ' + e.index }).waitFor();
    assertVerifiedEntry(await verdict(page, 'entry-verdict'), await steps(page, 'entry-steps'));
  }
  await page.context().close();
});

test('pasted or chosen entry bytes are hashed in the page and found', async () => {
  const page = await newPage();
  await pinPublished(page);
  const uploads = [];
  page.on('request', r => {
    if (r.method() !== 'GET') uploads.push(r.method() + ' ' + r.url());
  });
  const e = entry('release');
  await visit(page, '#search');
  await page.getByLabel('Entry text (paste it, or drop a file here)').fill(e.bytes.toString());
  await page.getByRole('button', { name: 'Look up these bytes' }).click();
  await page.locator('#entry-title', { hasText: 'Entry ' + e.index }).waitFor();
  assertVerifiedEntry(await verdict(page, 'entry-verdict'), await steps(page, 'entry-steps'));
  // Dropped on the text box as a file.
  await visit(page, '#search');
  const dropped = await page.evaluateHandle(b64 => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), c => c.charCodeAt(0))], 'entry.txt'));
    return dt;
  }, e.base64);
  await page.dispatchEvent('#bytes-input', 'drop', { dataTransfer: dropped });
  await page.waitForFunction(n => document.getElementById('bytes-input').placeholder
    .includes('(' + n + ' bytes)'), e.bytes.length);
  await page.getByRole('button', { name: 'Look up these bytes' }).click();
  await page.locator('#entry-title', { hasText: 'Entry ' + e.index }).waitFor();
  assertVerifiedEntry(await verdict(page, 'entry-verdict'), await steps(page, 'entry-steps'));
  // A binary entry, from a file: found, and shown as hex because it is not UTF-8.
  const bin = entry('invalid-utf8');
  await visit(page, '#search');
  await page.getByLabel('or choose the entry\'s file').setInputFiles({
    name: 'entry.bin', mimeType: 'application/octet-stream', buffer: bin.bytes });
  await page.getByRole('button', { name: 'Look up these bytes' }).click();
  await page.locator('#entry-title', { hasText: 'Entry ' + bin.index }).waitFor();
  assertVerifiedEntry(await verdict(page, 'entry-verdict'), await steps(page, 'entry-steps'));
  assert.equal(await page.locator('#bytes-note').textContent(),
    'The entry is not valid UTF-8: shown as hex.');
  assert.match(await page.locator('#entry-bytes').textContent(), /^000000 {2}ff fe 00 /);
  // Bytes the log does not have: not found, and said so.
  await visit(page, '#search');
  await page.getByLabel('Entry text (paste it, or drop a file here)').fill('never logged');
  await page.getByRole('button', { name: 'Look up these bytes' }).click();
  const v = await verdict(page, 'entry-verdict');
  assert.equal(v.state, 'failed');
  assert.equal(v.text, 'Not verified: the inclusion proof step failed.');
  assert.match((await steps(page, 'entry-steps'))['inclusion proof'].text,
    /the log answered 404: no entry with leaf hash/);
  assert.deepEqual(uploads, [], 'the page sent something other than GET requests');
  await page.context().close();
});

test('a tampered inclusion proof is caught, whatever the entry says', async () => {
  const page = await newPage();
  await pinPublished(page);
  await page.route('**/proof/inclusion?*', async route => {
    const r = await route.fetch();
    const lines = (await r.text()).split('\n');
    const h = Buffer.from(lines[2], 'base64');
    h[0] ^= 1;
    lines[2] = h.toString('base64');
    await route.fulfill({ response: r, body: lines.join('\n') });
  });
  // The entry's own text claims to be verified: the verdict, not the entry, decides.
  const e = entry('claims-verified');
  await visit(page, '#entry/' + e.index);
  const v = await verdict(page, 'entry-verdict');
  assert.equal(v.state, 'failed');
  assert.equal(v.text, 'Not verified: the inclusion proof step failed.');
  const s = await steps(page, 'entry-steps');
  assert.equal(s['inclusion proof'].status, 'fail');
  assert.match(s['inclusion proof'].text, /the root computed from the proof .* differs/);
  assert.equal(s['checkpoint signature'].status, 'pass');
  assert.equal(await page.locator('#entry-bytes').textContent(), e.bytes.toString('utf8'));
  assert.equal(await page.getByRole('status').filter({ visible: true }).count(), 1);
  await shot(page, 'tampered');
  await page.context().close();
});

test('a pinned key the checkpoint is not signed with fails the signature step', async () => {
  const page = await newPage();
  await pinPublished(page);
  const published = await page.locator('#published-policy').textContent();
  const origin = /^log ([^+]+)\+/m.exec(published)[1];
  const other = await vkey(origin);
  await page.getByLabel('Or paste a policy (tlog-policy lines) published elsewhere')
    .fill('log ' + other + '\nquorum none\n');
  await page.getByRole('button', { name: 'Pin the pasted policy' }).click();
  await page.locator('#keys-status', { hasText: 'different from the one you pinned' }).waitFor();
  await visit(page, '#entry/' + entry('plain').index);
  const v = await verdict(page, 'entry-verdict');
  assert.equal(v.state, 'failed');
  assert.equal(v.text, 'Not verified: the checkpoint signature step failed.');
  const why = (await steps(page, 'entry-steps'))['checkpoint signature'].text;
  assert.match(why, /no signature by a pinned log key \(pinned: /);
  assert.ok(why.includes(other.split('+').slice(0, 2).join('+')), why);
  assert.match(await page.locator('#banner').textContent(), /different from the one you pinned/);
  // A policy that does not parse is refused, and the pinned one is kept.
  await visit(page, '#keys');
  await page.getByLabel('Or paste a policy (tlog-policy lines) published elsewhere')
    .fill('log not-a-key\nquorum none\n');
  await page.getByRole('button', { name: 'Pin the pasted policy' }).click();
  await page.locator('#keys-status', { hasText: 'Not pinned: policy line 1:' }).waitFor();
  assert.ok((await page.locator('#pinned-policy').textContent()).includes(other));
  await page.context().close();
});

/** A fresh Ed25519 verifier key named {@code name}: not the log's. */
async function vkey(name) {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const pub = Buffer.from(await crypto.subtle.exportKey('raw', pair.publicKey));
  const raw = Buffer.concat([Buffer.of(1), pub]);
  const id = Buffer.from(await crypto.subtle.digest('SHA-256',
    Buffer.concat([Buffer.from(name + '\n'), raw]))).subarray(0, 4);
  return name + '+' + id.toString('hex') + '+' + raw.toString('base64');
}

/** Serves the checkpoint, and the checkpoints in proofs, through {@code change}. */
async function alterCheckpoints(page, change) {
  await page.route('**/checkpoint', async route => {
    const r = await route.fetch();
    await route.fulfill({ response: r, body: change(await r.text()) });
  });
  await page.route('**/proof/inclusion?*', async route => {
    const r = await route.fetch();
    const text = await r.text();
    const at = text.indexOf('\n\n') + 2;
    await route.fulfill({ response: r, body: text.slice(0, at) + change(text.slice(at)) });
  });
}

test('a checkpoint without its witness quorum is not verified', async () => {
  const page = await newPage();
  await pinPublished(page);
  const pinned = await page.locator('#pinned-policy').textContent();
  const witness = /^witness w1-ed ([^+]+)\+/m.exec(pinned)[1];
  const edKeyId = /^witness w1-ed [^+]+\+([0-9a-f]{8})\+/m.exec(pinned)[1];
  await alterCheckpoints(page, note => note.split('\n')
    .filter(l => !l.startsWith('\u2014 ' + witness + ' ')).join('\n'));
  await visit(page, '#checkpoint');
  let v = await verdict(page, 'checkpoint-verdict');
  assert.equal(v.state, 'failed');
  assert.equal(v.text, 'Not verified: the witness quorum step failed.');
  assert.match((await steps(page, 'checkpoint-steps'))['witness quorum'].text,
    /witness quorum FAILED: quorum w1 not met: no verified cosignature by a pinned witness/);
  await visit(page, '#entry/' + entry('plain').index);
  v = await verdict(page, 'entry-verdict');
  assert.equal(v.text, 'Not verified: the witness quorum step failed.');
  assert.equal((await steps(page, 'entry-steps'))['inclusion proof'].status, 'pass');
  await shot(page, 'no-quorum');
  // Only the Ed25519 cosignature removed: the ML-DSA-44 line left alone cannot be checked
  // here, and a line anyone could forge counts for nothing.
  await page.unrouteAll();
  await alterCheckpoints(page, note => note.split('\n').filter(l => {
    const m = /^\u2014 (\S+) (\S+)$/.exec(l);
    return !m || Buffer.from(m[2], 'base64').subarray(0, 4).toString('hex') !== edKeyId;
  }).join('\n'));
  await visit(page, '#checkpoint');
  v = await verdict(page, 'checkpoint-verdict');
  assert.equal(v.text, 'Not verified: the witness quorum step failed.');
  assert.match((await steps(page, 'checkpoint-steps'))['witness quorum'].text,
    /not counted: an ML-DSA-44 cosignature of w1-pq without a verified Ed25519 cosignature/);
  await page.context().close();
});

test('a proof for another index than the one asked for is refused', async () => {
  const page = await newPage();
  await pinPublished(page);
  const asked = entry('release');
  const served = entry('plain');
  await page.route('**/proof/inclusion?index=' + asked.index, async route => {
    const r = await page.request.get(BASE + '/proof/inclusion?index=' + served.index);
    await route.fulfill({ status: 200, contentType: 'text/plain', body: await r.text() });
  });
  await visit(page, '#entry/' + asked.index);
  const v = await verdict(page, 'entry-verdict');
  assert.equal(v.text, 'Not verified: the entry step failed.');
  assert.match((await steps(page, 'entry-steps')).entry.text,
    new RegExp('the proof is for index ' + served.index + ', not ' + asked.index));
  await page.context().close();
});

test('a slow answer never overwrites a later view', async () => {
  const page = await newPage();
  await pinPublished(page);
  const slow = entry('release');
  const fast = entry('plain');
  let release;
  const held = new Promise(r => { release = r; });
  await page.route('**/proof/inclusion?index=' + slow.index, async route => {
    await held;
    await route.fulfill({ response: await route.fetch() });
  });
  // The first view waits for its held answer (so the page is not "ready" yet).
  await page.goto(BASE + '/ui/?slow#entry/' + slow.index);
  await page.locator('#entry-verdict[data-state="working"]').waitFor({ timeout: WAIT });
  await page.evaluate(i => { location.hash = '#entry/' + i; }, String(fast.index));
  await page.locator('#entry-title', { hasText: 'Entry ' + fast.index }).waitFor();
  assertVerifiedEntry(await verdict(page, 'entry-verdict'), await steps(page, 'entry-steps'));
  release();
  // The slow view, once its answer is in, notices it was left and draws nothing.
  await page.waitForFunction(() => Number(document.body.dataset.discarded ?? 0) >= 1, null,
    { timeout: WAIT });
  assert.equal(await page.locator('#entry-title').textContent(), 'Entry ' + fast.index);
  assert.equal(await page.locator('#entry-bytes').textContent(), fast.bytes.toString('utf8'));
  await page.context().close();
});

test('key names and texts from the log cannot reorder what the page shows', async () => {
  const page = await newPage();
  await pinPublished(page);
  const name = 'example.com/\u202Egnp.exe';
  const key = await vkey(name);
  await page.getByLabel('Or paste a policy (tlog-policy lines) published elsewhere')
    .fill('log ' + key + '\nquorum none\n');
  await page.getByRole('button', { name: 'Pin the pasted policy' }).click();
  await page.locator('#keys-status', { hasText: 'different from the one you pinned' }).waitFor();
  const pinned = await page.locator('#pinned-policy').textContent();
  assert.ok(pinned.includes('example.com/U+202Egnp.exe'), pinned);
  assert.ok(!pinned.includes('\u202e'));
  await visit(page, '#checkpoint');
  await verdict(page, 'checkpoint-verdict');
  const why = (await steps(page, 'checkpoint-steps'))['checkpoint signature'].text;
  assert.ok(why.includes('U+202E') && !why.includes('\u202e'), why);
  await page.context().close();
});

test('a forged witness cosignature is caught', async () => {
  const page = await newPage();
  await pinPublished(page);
  const witness = /^witness w1-ed ([^+]+)\+/m.exec(
    await page.locator('#pinned-policy').textContent())[1];
  await alterCheckpoints(page, note => note.split('\n').map(l => {
    if (!l.startsWith('\u2014 ' + witness + ' ')) return l;
    const sig = Buffer.from(l.split(' ')[2], 'base64');
    sig[sig.length - 1] ^= 1;
    return '\u2014 ' + witness + ' ' + sig.toString('base64');
  }).join('\n'));
  await visit(page, '#checkpoint');
  const v = await verdict(page, 'checkpoint-verdict');
  assert.equal(v.state, 'failed');
  assert.equal(v.text, 'Not verified: the witness quorum step failed.');
  assert.match((await steps(page, 'checkpoint-steps'))['witness quorum'].text,
    /invalid cosignature by the pinned witness w1-ed/);
  await page.context().close();
});

test('hostile entries render inert', async () => {
  const page = await newPage();
  await pinPublished(page);
  const width = await page.evaluate(() => document.documentElement.clientWidth);
  for (const label of ['markup', 'bidi', 'long-line', 'invalid-utf8', 'controls',
    'claims-verified', 'bom', 'tags']) {
    const e = entry(label);
    await visit(page, '#entry/' + e.index);
    assertVerifiedEntry(await verdict(page, 'entry-verdict'), await steps(page, 'entry-steps'));
    const shape = await page.evaluate(() => ({
      scripts: document.scripts.length,
      images: document.images.length,
      foreign: [...document.getElementById('entry-bytes').childNodes]
        .filter(n => n.nodeType !== Node.TEXT_NODE
          && !(n.nodeName === 'SPAN' && n.className === 'escape')).length,
      scrollWidth: document.documentElement.scrollWidth,
      boxRight: document.getElementById('entry-bytes').getBoundingClientRect().right,
      statusBoxes: document.querySelectorAll('[role=status]').length,
    }));
    assert.deepEqual({ scripts: shape.scripts, images: shape.images, foreign: shape.foreign },
      { scripts: 1, images: 0, foreign: 0 }, label);
    assert.ok(shape.scrollWidth <= width, label + ': the page got wider: ' + shape.scrollWidth);
    assert.ok(shape.boxRight <= width, label + ': the entry box overflows');
    assert.equal(shape.statusBoxes, 4, label + ': the page\'s own status boxes only');
    const shown = await page.locator('#entry-bytes').textContent();
    if (label === 'markup') {
      assert.equal(shown, e.bytes.toString('utf8'));
      await shot(page, 'hostile-markup');
    } else if (label === 'bidi') {
      assert.match(shown, /U\+202E/);
      assert.ok(!shown.includes('\u202e'), 'the override character itself is shown');
      await shot(page, 'hostile-bidi');
    } else if (label === 'controls') {
      assert.match(shown, /U\+0000.*U\+001B.*U\+200B.*U\+FEFF/s);
    } else if (label === 'bom') {
      assert.match(shown, /^U\+FEFFrelease v1\.2\.3$/);
    } else if (label === 'tags') {
      assert.match(shown, /^hiddenU\+E0041U\+E0042 textU\+034F$/);
    } else if (label === 'long-line') {
      assert.equal(shown.length, e.bytes.length);
    }
  }
  assert.deepEqual(dialogs, []);
  await page.context().close();
});

test('the history pages through checkpoints, and consistency is checked', async () => {
  const page = await newPage();
  await pinPublished(page);
  await visit(page, '#history', '&page=2');
  const sizes = async () => page.locator('#history-table tbody tr td:first-child')
    .allTextContents();
  await page.locator('#history-table tbody tr').first().waitFor();
  const first = await sizes();
  assert.equal(first.length, 2);
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.waitForFunction(f => document.querySelector('#history-table tbody td')
    ?.textContent !== f, first[0]);
  const second = await sizes();
  assert.ok(BigInt(second[0]) > BigInt(first[1]), second.join());
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.waitForFunction(f => document.querySelector('#history-table tbody td')
    ?.textContent === f, first[0]);
  // Consistency of the second checkpoint (the first is the empty tree) with the latest.
  await page.getByRole('button', { name: 'Check ' + first[1] + ' against the latest' }).click();
  let v = await verdict(page, 'consistency-verdict');
  assert.equal(v.state, 'verified', v.text);
  const s = await steps(page, 'consistency-steps');
  for (const step of ['old checkpoint', 'new checkpoint', 'consistency proof']) {
    assert.equal(s[step].status, 'pass', step);
  }
  assert.equal(s['post-quantum signatures'].status, 'skip');
  await shot(page, 'history');
  // Two sizes typed in, and a tampered proof.
  await page.route('**/proof/consistency?*', async route => {
    const r = await route.fetch();
    const lines = (await r.text()).split('\n');
    const h = Buffer.from(lines[0], 'base64');
    h[31] ^= 0x80;
    lines[0] = h.toString('base64');
    await route.fulfill({ response: r, body: lines.join('\n') });
  });
  await page.getByLabel('Old size').fill(first[1]);
  await page.getByLabel('New size').fill(second[0]);
  await page.getByRole('button', { name: 'Check consistency' }).click();
  await page.waitForFunction(() => document.getElementById('consistency-verdict').dataset
    .state === 'failed', null, { timeout: WAIT });
  v = await verdict(page, 'consistency-verdict');
  assert.equal(v.text, 'Not verified: the consistency proof step failed.');
  assert.match((await steps(page, 'consistency-steps'))['consistency proof'].text,
    /the proof does not lead to the (old|new)/);
  // A size the log never published: inside the 300 entries added in one batch.
  await page.unrouteAll();
  await page.getByLabel('Old size').fill('100');
  await page.getByRole('button', { name: 'Check consistency' }).click();
  await page.waitForFunction(() => /published no checkpoint of size 100/.test(
    document.getElementById('consistency-steps').textContent), null, { timeout: WAIT });
  await page.context().close();
});

test('consistency checks: the latest one wins, paging drops none, history fields are inert',
  async () => {
    const page = await newPage();
    await pinPublished(page);
    await visit(page, '#history', '&page=2');
    await page.locator('#history-table tbody tr').first().waitFor();
    const sizes = await page.locator('#history-table tbody tr td:first-child')
      .allTextContents();
    const older = sizes[1];
    // A first check whose proof is held, then a second one, typed, whose proof is tampered:
    // when the first answer comes in, it is dropped, and the second's failure stays.
    let release;
    const held = new Promise(r => { release = r; });
    await page.route('**/proof/consistency?old=' + older + '&*', async route => {
      await held;
      await route.fulfill({ response: await route.fetch() });
    });
    await page.route('**/proof/consistency?old=2&*', async route => {
      const r = await route.fetch();
      const lines = (await r.text()).split('\n');
      lines[0] = Buffer.alloc(32, 9).toString('base64');
      await route.fulfill({ response: r, body: lines.join('\n') });
    });
    await page.getByRole('button', { name: 'Check ' + older + ' against the latest' }).click();
    await page.locator('#consistency-verdict[data-state="working"]').waitFor();
    await page.getByLabel('Old size').fill('2');
    const latest = (await (await fetch(BASE + '/checkpoint')).text()).split('\n')[1];
    await page.getByLabel('New size').fill(latest);
    await page.getByRole('button', { name: 'Check consistency' }).click();
    await page.waitForFunction(() => document.getElementById('consistency-verdict').dataset
      .state === 'failed', null, { timeout: WAIT });
    const before = await page.evaluate(() => Number(document.body.dataset.discarded ?? 0));
    release();
    await page.waitForFunction(n => Number(document.body.dataset.discarded ?? 0) > n, before,
      { timeout: WAIT });
    let v = await verdict(page, 'consistency-verdict');
    assert.equal(v.text, 'Not verified: the consistency proof step failed.');
    // A held check outlives paging: it ends verified, not stuck on "Verifying…".
    let releaseAgain;
    const heldAgain = new Promise(r => { releaseAgain = r; });
    await page.unrouteAll();
    await page.route('**/proof/consistency?*', async route => {
      await heldAgain;
      await route.fulfill({ response: await route.fetch() });
    });
    await page.getByRole('button', { name: 'Check ' + older + ' against the latest' }).click();
    await page.locator('#consistency-verdict[data-state="working"]').waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction(f => document.querySelector('#history-table tbody td')
      ?.textContent !== f, sizes[0]);
    releaseAgain();
    v = await verdict(page, 'consistency-verdict');
    assert.equal(v.state, 'verified', v.text);
    // The history's fields come from the server: shown inert, and a broken item skipped.
    await page.unrouteAll();
    await page.route('**/checkpoints?*', async route => {
      const r = await route.fetch();
      const body = JSON.parse(await r.text());
      if (body.checkpoints.length > 0) {
        body.checkpoints[0].time = ['2026\u202Eevil'];
        body.checkpoints[0].signed_by = ['key\u202Ename'];
        body.checkpoints.push(null);
      }
      await route.fulfill({ response: r, body: JSON.stringify(body) });
    });
    await visit(page, '#history', '&page=2');
    await page.locator('#history-table tbody tr').first().waitFor();
    const row = await page.locator('#history-table tbody tr').first().textContent();
    assert.ok(row.includes('2026U+202Eevil') && row.includes('keyU+202Ename'), row);
    assert.ok(!row.includes('\u202e'));
    assert.equal(await page.locator('#history-table tbody tr').count(), 2);
    await page.context().close();
  });

test('the latest checkpoint shows its signatures and witnesses', async () => {
  const page = await newPage();
  await pinPublished(page);
  await visit(page, '#checkpoint');
  const v = await verdict(page, 'checkpoint-verdict');
  assert.equal(v.state, 'verified', v.text);
  const rows = await page.locator('#checkpoint-signatures tbody tr').allTextContents();
  assert.ok(rows.some(r => /log key \(Ed25519\)/.test(r)), rows.join('\n'));
  assert.ok(rows.some(r => /log key \(ML-DSA-44/.test(r)), rows.join('\n'));
  assert.ok(rows.some(r => /witness w1-ed, cosigned at \d{4}-/.test(r)), rows.join('\n'));
  assert.match(await page.locator('#checkpoint-note').textContent(), /^[^\n]+\n\d+\n/);
  await shot(page, 'checkpoint');
  await page.context().close();
});

test('keyboard use and labels: every control is named and reachable', async () => {
  const page = await newPage();
  await pinPublished(page);
  await visit(page, '#search');
  const tree = await page.locator('body').ariaSnapshot();
  for (const expected of ['navigation "Views"', 'link "Search"', 'link "History"',
    'textbox "Entry index"', 'button "Look up by index"',
    'textbox "Leaf hash (SHA-256, hex or base64)"', 'button "Look up these bytes"',
    'heading "Find an entry"']) {
    assert.ok(tree.includes(expected), expected + ' is not in the accessibility tree:\n' + tree);
  }
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, textarea')]
    .filter(e => e.labels.length === 0).map(e => e.id));
  assert.deepEqual(unnamed, []);
  // From the top of the page, Tab reaches the index field; Enter looks the entry up.
  await page.locator('body').focus();
  let reached = false;
  for (let i = 0; i < 10 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.id === 'index-input');
  }
  assert.ok(reached, 'Tab did not reach the index field within 10 presses');
  const e = entry('plain');
  await page.keyboard.type(String(e.index));
  await page.keyboard.press('Enter');
  await page.locator('#entry-title', { hasText: 'Entry ' + e.index }).waitFor();
  assertVerifiedEntry(await verdict(page, 'entry-verdict'), await steps(page, 'entry-steps'));
  const status = await page.locator('#view-entry').ariaSnapshot();
  assert.match(status, /status: "?Verified: /);
  assert.match(status, /list "Verification steps"/);
  await page.context().close();
});

/** cairn_ui_csp_reports_total on the log's /metrics. */
async function reported() {
  const text = await (await fetch(BASE + '/metrics')).text();
  const m = /^cairn_ui_csp_reports_total (\S+)$/m.exec(text);
  assert.ok(m, 'no cairn_ui_csp_reports_total in /metrics');
  return Number(m[1]);
}

test('no page broke the Content-Security-Policy; a violation would be reported', async () => {
  assert.deepEqual(violations, []);
  assert.equal(await reported(), 0);
  // Now break it on purpose: markup through innerHTML, refused by Trusted Types and reported.
  const page = await newPage();
  await visit(page, '#search');
  const refused = await page.evaluate(() => {
    try {
      document.getElementById('origin').innerHTML = '<img src=x>';
      return false;
    } catch (e) {
      return e instanceof TypeError;
    }
  });
  assert.ok(refused, 'innerHTML with a string was allowed');
  const deadline = Date.now() + WAIT;
  while (await reported() < 1) {
    assert.ok(Date.now() < deadline, 'the violation was not reported to /ui/csp-report');
    await new Promise(r => setTimeout(r, 100));
  }
  assert.ok(violations.length >= 1, 'the browser did not say it refused');
  await page.context().close();
});
