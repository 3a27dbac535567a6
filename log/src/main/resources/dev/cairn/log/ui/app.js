// The explorer: fetches the log's answers and shows them verified against the pinned policy.
// Everything the server sends is untrusted data: it reaches the page only through textContent
// and DOM APIs (never markup), and the page's own verdict is written apart from it. The page
// runs under a strict Content-Security-Policy with Trusted Types (see UiRoutes.java).

import * as v from './verify.js';

const PINNED = 'cairn.pinned-policy';
/** Checkpoints per history page: ?page=N in the address (1 to 1000), else 20. */
const PAGE = (() => {
  const n = Number(new URLSearchParams(location.search).get('page'));
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : 20;
})();

const $ = id => document.getElementById(id);

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, val] of Object.entries(attrs)) {
    e.setAttribute(k, val);
  }
  e.append(...children.map(c => (typeof c === 'string' ? document.createTextNode(c) : c)));
  return e;
}

// ---- the log's answers ---------------------------------------------------------------------

class HttpError extends Error {
  constructor(status, text) {
    super('the log answered ' + status + ': ' + text.split('\n')[0].slice(0, 300));
    this.status = status;
  }
}

async function fetchBytes(path) {
  const r = await fetch('/' + path, { credentials: 'omit', cache: 'no-cache' });
  const body = new Uint8Array(await r.arrayBuffer());
  if (!r.ok) {
    let text;
    try {
      text = v.utf8(body);
    } catch {
      text = '(not text)';
    }
    throw new HttpError(r.status, text);
  }
  return body;
}

async function fetchText(path) {
  return v.utf8(await fetchBytes(path));
}

// ---- pinned policy -------------------------------------------------------------------------

const state = { pinned: null, pinnedError: null, published: null, publishedText: null };

async function loadPinned() {
  const text = localStorage.getItem(PINNED);
  state.pinned = null;
  state.pinnedError = null;
  if (text !== null) {
    try {
      state.pinned = await v.parsePolicy(text);
    } catch (e) {
      state.pinnedError = 'the pinned policy does not parse: ' + e.message;
    }
  }
}

async function loadPublished() {
  state.publishedText = await fetchText('policy');
  state.published = await v.parsePolicy(state.publishedText);
}

function noPinnedStep() {
  return v.fail('checkpoint signature', state.pinnedError
    ?? 'no keys are pinned: compare the log\'s keys with those published elsewhere and pin'
      + ' them under “Pinned keys”');
}

/** The checkpoint steps, or the one failed step that says no keys are pinned. */
async function checkpointSteps(noteBytes) {
  if (!state.pinned) {
    const note = v.parseNote(noteBytes);
    return { checkpoint: v.parseCheckpoint(note.body), note, steps: [noPinnedStep()] };
  }
  return v.checkCheckpoint(noteBytes, state.pinned);
}

function banner(text) {
  const b = $('banner');
  b.textContent = text ?? '';
  b.hidden = !text;
}

function pinnedDiffers() {
  return state.pinned && state.publishedText !== null
    && state.pinned.text.trim() !== state.publishedText.trim();
}

// ---- shared rendering ----------------------------------------------------------------------

const MARK = { pass: '✔', fail: '✘', skip: '–' };
const WORD = { pass: 'passed', fail: 'FAILED', skip: 'not checked' };

function showSteps(listId, verdictId, steps) {
  $(listId).replaceChildren(...steps.map(s => el('li',
    { class: s.status, 'data-step': s.step, 'data-status': s.status },
    el('span', { 'aria-hidden': 'true', class: 'mark' }, MARK[s.status]),
    el('strong', {}, s.step), ' ' + WORD[s.status] + ': ', s.detail)));
  const verdict = v.verdict(steps);
  const box = $(verdictId);
  box.className = 'verdict ' + (verdict.ok ? 'verified' : 'failed');
  box.dataset.state = verdict.ok ? 'verified' : 'failed';
  box.textContent = verdict.text;
}

function working(listId, verdictId, text) {
  $(listId).replaceChildren();
  const box = $(verdictId);
  box.className = 'verdict working';
  box.dataset.state = 'working';
  box.textContent = text;
}

function facts(dlId, rows) {
  $(dlId).replaceChildren(...rows.flatMap(([k, val]) => [el('dt', {}, k), el('dd', {}, val)]));
}

/** Characters that would hide, reorder or fake text: shown as their code point instead. */
const INVISIBLE = new RegExp('[' + [
  '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u00ad\\u061c', // controls, soft hyphen, ALM
  '\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u3164\\uffa0', // fillers that render as nothing
  '\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f', // zero-width, bidi embeddings and isolates
  '\\ufe00-\\ufe0f\\ufeff\\ufff0-\\ufffb', // variation selectors, BOM, specials
].join('') + ']', 'gu');

/** The entry as text, every invisible or direction-changing character made visible. */
function renderText(pre, text) {
  const nodes = [];
  let at = 0;
  for (const m of text.matchAll(INVISIBLE)) {
    nodes.push(document.createTextNode(text.slice(at, m.index)));
    const cp = m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    nodes.push(el('span', { class: 'escape', title: 'invisible or control character' },
      'U+' + cp));
    at = m.index + m[0].length;
  }
  nodes.push(document.createTextNode(text.slice(at)));
  pre.replaceChildren(...nodes);
}

function renderHex(pre, bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.slice(i, i + 16);
    const hexes = Array.from(row, b => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, b => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'))
      .join('');
    lines.push(i.toString(16).padStart(6, '0') + '  ' + hexes.padEnd(47) + '  ' + ascii);
  }
  pre.textContent = lines.join('\n');
}

// ---- views ---------------------------------------------------------------------------------

const VIEWS = ['search', 'entry', 'checkpoint', 'history', 'keys'];

function show(view) {
  for (const name of VIEWS) {
    $('view-' + name).hidden = name !== view;
  }
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === '#' + view) {
      a.setAttribute('aria-current', 'page');
    } else {
      a.removeAttribute('aria-current');
    }
  }
}

let entryBytes = null;

function showBytes(mode) {
  const pre = $('entry-bytes');
  let text = null;
  try {
    text = v.utf8(entryBytes);
  } catch {
    text = null;
  }
  if (mode === 'text' && text === null) {
    mode = 'hex';
    $('bytes-note').textContent = 'The entry is not valid UTF-8: shown as hex.';
  } else {
    $('bytes-note').textContent = entryBytes.length + ' bytes, shown as ' + mode
      + (mode === 'text' ? '; invisible and direction-changing characters as U+XXXX.' : '.');
  }
  if (mode === 'text') {
    renderText(pre, text);
  } else {
    renderHex(pre, entryBytes);
  }
  $('show-text').setAttribute('aria-pressed', String(mode === 'text'));
  $('show-hex').setAttribute('aria-pressed', String(mode === 'hex'));
}

async function fetchEntry(index, size) {
  const bundle = v.entryBundle(index, size);
  let bytes;
  try {
    bytes = await fetchBytes(bundle.path);
  } catch (e) {
    if (!(e instanceof HttpError) || e.status !== 404 || bundle.path === bundle.fullPath) {
      throw e;
    }
    bytes = await fetchBytes(bundle.fullPath); // the partial bundle was since completed
  }
  return v.parseBundle(bytes)[bundle.at] ?? null;
}

/** An entry looked up by index or leaf hash, and verified. */
async function showEntry(query) {
  show('entry');
  $('entry-title').textContent = query.index !== undefined ? 'Entry ' + query.index
    : 'Entry with leaf hash ' + v.hex(query.hash);
  working('entry-steps', 'entry-verdict', 'Verifying…');
  $('entry-facts').replaceChildren();
  $('entry-bytes').replaceChildren();
  $('entry-proof').replaceChildren();
  $('bytes-note').textContent = '';
  entryBytes = null;
  let proofText;
  let proof;
  try {
    proofText = await fetchText(query.index !== undefined
      ? 'proof/inclusion?index=' + query.index
      : 'proof/inclusion?hash=' + encodeURIComponent(v.b64(query.hash)));
    proof = v.parseTlogProof(proofText);
  } catch (e) {
    showSteps('entry-steps', 'entry-verdict', [v.fail('inclusion proof', e.message)]);
    return;
  }
  const index = proof.index;
  $('entry-title').textContent = 'Entry ' + index;
  let entry = null;
  let entryError = null;
  try {
    const cp = v.parseCheckpoint(v.parseNote(proof.checkpoint).body);
    entry = await fetchEntry(index, cp.size);
  } catch (e) {
    entryError = e.message;
  }
  let result;
  if (state.pinned) {
    result = await v.checkEntry({ index, entry, proofText, policy: state.pinned,
      expectedLeaf: query.hash });
  } else {
    // Without pinned keys the proof and bytes are still checked, and the verdict says why not.
    const open = await v.parsePolicy('log ' + (await anyLogKey(proof)) + '\nquorum none\n');
    result = await v.checkEntry({ index, entry, proofText, policy: open,
      expectedLeaf: query.hash });
    result.steps = result.steps.filter(s => !['checkpoint signature', 'post-quantum signatures',
      'witness quorum'].includes(s.step));
    result.steps.push(noPinnedStep());
  }
  if (entryError) {
    result.steps = result.steps.map(s => (s.step === 'entry'
      ? v.fail('entry', 'couldn\'t fetch its bundle: ' + entryError) : s));
  }
  showSteps('entry-steps', 'entry-verdict', result.steps);
  const rows = [['Index', String(index)]];
  if (result.leaf) {
    rows.push(['Leaf hash (hex)', v.hex(result.leaf)], ['Leaf hash (base64)', v.b64(result.leaf)]);
  }
  if (result.checkpoint) {
    rows.push(['Checkpoint origin', result.checkpoint.origin],
      ['Checkpoint size', String(result.checkpoint.size)],
      ['Checkpoint root', v.b64(result.checkpoint.root)]);
    const witnesses = result.steps.find(s => s.step === 'witness quorum')?.data;
    if (witnesses && witnesses.size > 0) {
      rows.push(['Cosigned by', [...witnesses].map(([name, t]) => name + ' at '
        + t.toISOString()).join(', ')]);
    }
  }
  facts('entry-facts', rows);
  $('entry-proof').replaceChildren(...proof.hashes.map(h => el('li', {}, el('code', {},
    v.b64(h)))));
  if (entry) {
    entryBytes = entry;
    showBytes('text');
  }
}

/** The first log key the proof's checkpoint names, only to check the proof's own shape. */
async function anyLogKey(proof) {
  await loadPublished().catch(() => {});
  const cp = v.parseCheckpoint(v.parseNote(proof.checkpoint).body);
  const key = state.published?.logs.find(l => l.key.name === cp.origin)
    ?? state.published?.logs[0];
  if (!key) {
    throw new Error('the log publishes no key for ' + cp.origin);
  }
  return key.key.text;
}

async function showCheckpoint() {
  show('checkpoint');
  working('checkpoint-steps', 'checkpoint-verdict', 'Verifying…');
  let noteBytes;
  let checked;
  try {
    noteBytes = await fetchBytes('checkpoint');
    checked = await checkpointSteps(noteBytes);
  } catch (e) {
    showSteps('checkpoint-steps', 'checkpoint-verdict', [v.fail('checkpoint signature',
      e.message)]);
    return;
  }
  showSteps('checkpoint-steps', 'checkpoint-verdict', checked.steps);
  const cp = checked.checkpoint;
  facts('checkpoint-facts', [['Origin', cp.origin], ['Size', String(cp.size)],
    ['Root hash (base64)', v.b64(cp.root)], ['Root hash (hex)', v.hex(cp.root)],
    ...cp.extensions.map(e => ['Extension line', e])]);
  const cosigned = checked.steps.find(s => s.step === 'witness quorum')?.data ?? new Map();
  const rows = checked.note.sigs.map(s => {
    let role = 'not pinned';
    const log = state.pinned?.logs.find(l => l.key.name === s.name
      && v.equal(l.key.keyId, s.keyId));
    const witness = state.pinned && [...state.pinned.witnesses.values()]
      .find(w => w.key.name === s.name && v.equal(w.key.keyId, s.keyId));
    if (log) {
      role = 'log key (' + log.key.typeName + ')';
    } else if (witness) {
      role = 'witness ' + witness.name + (cosigned.has(witness.name)
        ? ', cosigned at ' + cosigned.get(witness.name).toISOString() : ', not verified');
    }
    return el('tr', {}, el('td', {}, s.name), el('td', {}, el('code', {}, v.hex(s.keyId))),
      el('td', {}, role));
  });
  $('checkpoint-signatures').tBodies[0].replaceChildren(...rows);
  $('checkpoint-note').textContent = v.utf8(noteBytes);
}

const history = { after: null, previous: [] };

async function showHistory() {
  show('history');
  const body = $('history-table').tBodies[0];
  let page;
  try {
    page = JSON.parse(await fetchText('checkpoints?limit=' + PAGE
      + (history.after === null ? '' : '&after=' + history.after)));
  } catch (e) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: '5' }, e.message)));
    return;
  }
  const list = Array.isArray(page.checkpoints) ? page.checkpoints : [];
  body.replaceChildren(...list.map(c => {
    const size = String(c.size);
    let check = 'the empty tree';
    if (size !== '0') {
      check = el('button', { type: 'button', 'data-size': size },
        'Check ' + size + ' against the latest');
      check.addEventListener('click', () => checkConsistencyWithLatest(size));
    }
    return el('tr', {}, el('td', {}, size), el('td', {}, String(c.time)),
      el('td', {}, [].concat(c.signed_by ?? []).map(String).join(', ')),
      el('td', {}, [].concat(c.cosigned_by ?? []).map(String).join(', ') || '—'),
      el('td', {}, check));
  }));
  $('history-next').disabled = page.next === null || page.next === undefined;
  $('history-next').dataset.after = String(page.next ?? '');
  $('history-previous').disabled = history.previous.length === 0;
  $('history-first').disabled = history.after === null;
}

async function checkConsistencyWithLatest(oldSize) {
  const latest = v.parseCheckpoint(v.parseNote(await fetchBytes('checkpoint')).body);
  $('old-size').value = oldSize;
  $('new-size').value = String(latest.size);
  await checkConsistency(BigInt(oldSize), latest.size);
}

/** The checkpoint of exactly {@code size} from the history, checked against the pinned keys. */
async function historicCheckpoint(size) {
  const page = JSON.parse(await fetchText('checkpoints?after=' + (size - 1n) + '&limit=1'));
  const c = page.checkpoints?.[0];
  if (!c || String(c.size) !== String(size)) {
    throw new Error('the log has published no checkpoint of size ' + size);
  }
  return checkpointSteps(v.bytesOf(c.checkpoint));
}

async function checkConsistency(oldSize, newSize) {
  working('consistency-steps', 'consistency-verdict', 'Verifying…');
  const steps = [];
  let older;
  let newer;
  for (const [name, size] of [['old checkpoint', oldSize], ['new checkpoint', newSize]]) {
    try {
      const c = await historicCheckpoint(size);
      const failed = c.steps.find(s => s.status === 'fail');
      steps.push(failed ? v.fail(name, 'size ' + size + ': ' + failed.step + ': '
        + failed.detail) : v.pass(name, 'size ' + size + ': ' + c.steps.map(s => s.step + ' '
        + WORD[s.status]).join(', ')));
      if (name === 'old checkpoint') older = c.checkpoint; else newer = c.checkpoint;
    } catch (e) {
      steps.push(v.fail(name, e.message));
    }
  }
  if (older && newer) {
    try {
      const text = await fetchText('proof/consistency?old=' + oldSize + '&new=' + newSize);
      const hashes = text.split('\n').filter(l => l !== '').map(v.fromB64);
      await v.verifyConsistency(oldSize, newSize, hashes, older.root, newer.root);
      steps.push(v.pass('consistency proof', hashes.length + ' hashes show the tree of size '
        + newSize + ' extends the tree of size ' + oldSize));
    } catch (e) {
      steps.push(v.fail('consistency proof', e.message));
    }
  }
  showSteps('consistency-steps', 'consistency-verdict', steps);
}

async function showKeys() {
  show('keys');
  const status = $('keys-status');
  try {
    await loadPublished();
  } catch (e) {
    state.published = null;
    state.publishedText = null;
    $('published-policy').textContent = 'couldn\'t read /policy: ' + e.message;
  }
  if (state.published) {
    $('published-policy').textContent = state.publishedText;
    const keys = [...state.published.logs.map(l => ['log', l.key]),
      ...[...state.published.witnesses.values()].map(w => ['witness ' + w.name, w.key])];
    $('published-keys').replaceChildren(...keys.map(([role, k]) => el('li', {},
      role + ': ' + k.name + ', key ID ', el('code', {}, v.hex(k.keyId)), ', ' + k.typeName,
      k.text.length <= 120 ? el('code', { class: 'vkey' }, k.text)
        : el('details', {}, el('summary', {}, 'the whole key (' + k.text.length
          + ' characters)'), el('code', { class: 'vkey' }, k.text)))));
  }
  $('pinned-policy').textContent = state.pinned ? state.pinned.text
    : state.pinnedError ?? '(nothing pinned)';
  status.className = 'verdict ' + (state.pinned && !pinnedDiffers() ? 'verified' : 'failed');
  status.textContent = state.pinned
    ? (pinnedDiffers() ? 'The log publishes a policy different from the one you pinned:'
        + ' compare them before you pin the new one.'
      : 'Pinned: checkpoints are verified against these keys and this quorum.')
    : state.pinnedError ?? 'No keys are pinned yet. Compare the published keys with those'
      + ' published elsewhere, then pin them.';
  banner(pinnedDiffers() ? DIFFERS : null);
}

async function pin(text) {
  await v.parsePolicy(text);
  localStorage.setItem(PINNED, text);
  await loadPinned();
  await showKeys();
}

// ---- search --------------------------------------------------------------------------------

function parseHash(text) {
  const t = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? v.fromHex(t) : v.fromB64(t);
  if (bytes.length !== 32) {
    throw new Error('a leaf hash has 32 bytes');
  }
  return bytes;
}

let chosenFile = null;

function searchError(text) {
  show('entry');
  $('entry-title').textContent = 'Search';
  $('entry-facts').replaceChildren();
  $('entry-bytes').replaceChildren();
  $('entry-proof').replaceChildren();
  $('bytes-note').textContent = '';
  showSteps('entry-steps', 'entry-verdict', [v.fail('entry', text)]);
}

function wireSearch() {
  $('by-index').addEventListener('submit', e => {
    e.preventDefault();
    const t = $('index-input').value.trim();
    if (!/^(0|[1-9][0-9]*)$/.test(t)) {
      searchError('an index is a whole number, not ' + JSON.stringify(t.slice(0, 40)));
      return;
    }
    location.hash = '#entry/' + t;
  });
  $('by-hash').addEventListener('submit', e => {
    e.preventDefault();
    try {
      location.hash = '#hash/' + v.hex(parseHash($('hash-input').value));
    } catch (err) {
      searchError('not a leaf hash (64 hex digits or 44 base64 characters): ' + err.message);
    }
  });
  $('bytes-input').addEventListener('input', () => {
    chosenFile = null;
  });
  $('file-input').addEventListener('change', async () => {
    const f = $('file-input').files[0];
    chosenFile = f ? new Uint8Array(await f.arrayBuffer()) : null;
  });
  const drop = $('bytes-input');
  drop.addEventListener('dragover', e => e.preventDefault());
  drop.addEventListener('drop', async e => {
    e.preventDefault();
    const f = e.dataTransfer.files[0];
    if (f) {
      chosenFile = new Uint8Array(await f.arrayBuffer());
      drop.value = '';
      drop.placeholder = f.name + ' (' + chosenFile.length + ' bytes) will be hashed here';
    }
  });
  $('by-bytes').addEventListener('submit', async e => {
    e.preventDefault();
    const bytes = chosenFile ?? v.bytesOf($('bytes-input').value);
    if (bytes.length === 0) {
      searchError('paste the entry or choose its file first');
      return;
    }
    location.hash = '#hash/' + v.hex(await v.leafHash(bytes));
  });
  $('show-text').addEventListener('click', () => entryBytes && showBytes('text'));
  $('show-hex').addEventListener('click', () => entryBytes && showBytes('hex'));
  $('consistency').addEventListener('submit', e => {
    e.preventDefault();
    const o = $('old-size').value.trim();
    const n = $('new-size').value.trim();
    if (!/^[1-9][0-9]*$/.test(o) || !/^[1-9][0-9]*$/.test(n)) {
      showSteps('consistency-steps', 'consistency-verdict', [v.fail('consistency proof',
        'sizes are whole numbers from 1')]);
      return;
    }
    checkConsistency(BigInt(o), BigInt(n));
  });
  $('history-next').addEventListener('click', () => {
    history.previous.push(history.after);
    history.after = Number($('history-next').dataset.after);
    showHistory();
  });
  $('history-previous').addEventListener('click', () => {
    history.after = history.previous.pop() ?? null;
    showHistory();
  });
  $('history-first').addEventListener('click', () => {
    history.after = null;
    history.previous = [];
    showHistory();
  });
  $('pin-published').addEventListener('click', () => state.publishedText !== null
    && pin(state.publishedText).catch(err => banner(err.message)));
  $('pin-pasted').addEventListener('submit', e => {
    e.preventDefault();
    pin($('policy-input').value).catch(err => {
      $('keys-status').className = 'verdict failed';
      $('keys-status').textContent = 'Not pinned: ' + err.message;
    });
  });
  $('forget-keys').addEventListener('click', async () => {
    localStorage.removeItem(PINNED);
    await loadPinned();
    await showKeys();
  });
}

// ---- routing -------------------------------------------------------------------------------

const DIFFERS =
  'The log publishes a policy different from the one you pinned: see “Pinned keys”.';

async function route() {
  const h = decodeURIComponent(location.hash.slice(1));
  banner(pinnedDiffers() ? DIFFERS : null);
  try {
    let m;
    if ((m = /^entry\/(0|[1-9][0-9]*)$/.exec(h))) {
      await showEntry({ index: BigInt(m[1]) });
    } else if ((m = /^hash\/([0-9a-f]{64})$/.exec(h))) {
      await showEntry({ hash: v.fromHex(m[1]) });
    } else if (h === 'checkpoint') {
      await showCheckpoint();
    } else if (h === 'history') {
      await showHistory();
    } else if (h === 'keys' || (h === '' && !state.pinned)) {
      await showKeys();
    } else {
      show('search');
    }
  } catch (e) {
    banner('Something went wrong: ' + e.message);
  }
}

async function start() {
  wireSearch();
  await loadPinned();
  try {
    const cp = v.parseCheckpoint(v.parseNote(await fetchBytes('checkpoint')).body);
    $('origin').textContent = 'Log ' + cp.origin + ' · ' + cp.size + ' entries in its latest'
      + ' checkpoint (as the server says; verified views say more)';
    await loadPublished();
  } catch (e) {
    $('origin').textContent = 'Couldn\'t read the log: ' + e.message;
  }
  window.addEventListener('hashchange', route);
  await route();
  document.body.dataset.ready = 'true';
}

start();
