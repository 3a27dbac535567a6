// The explorer: fetches the log's answers and shows them verified against the pinned policy.
// Everything the server sends is untrusted data: it reaches the page only as text through
// safe(), which also makes invisible and direction-changing characters visible, and the page's
// own verdict is written apart from it. The page runs under a strict Content-Security-Policy
// with Trusted Types (see UiRoutes.java). Views are asynchronous: each render first checks that
// its view is still the current one, so a slow answer never overwrites a later view.

import * as v from './verify.js';

const { STEP } = v;
const PINNED = 'cairn.pinned-policy';
const FETCH_TIMEOUT_MS = 30_000;

/** Checkpoints per history page: ?page=N in the address (1 to 1000), else 20. */
const PAGE = (() => {
  const n = Number(new URLSearchParams(location.search).get('page'));
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : 20;
})();

const $ = id => document.getElementById(id);

/** Characters that would hide, reorder or fake text: shown as their code point instead. */
const INVISIBLE = new RegExp('(?![\\t\\n])[\\p{Cc}\\p{Cf}\\p{Co}\\p{Cn}\\p{Zl}\\p{Zp}'
  + '\\p{Default_Ignorable_Code_Point}]', 'gu');

/** Untrusted text as nodes: invisible or direction-changing characters become U+XXXX marks. */
function safe(value) {
  const text = String(value);
  const nodes = [];
  let at = 0;
  for (const m of text.matchAll(INVISIBLE)) {
    nodes.push(document.createTextNode(text.slice(at, m.index)));
    const cp = m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    const mark = document.createElement('span');
    mark.className = 'escape';
    mark.title = 'invisible or control character';
    mark.textContent = 'U+' + cp;
    nodes.push(mark);
    at = m.index + m[0].length;
  }
  nodes.push(document.createTextNode(text.slice(at)));
  const span = document.createElement('span');
  span.className = 'untrusted-text';
  span.append(...nodes);
  return span;
}

/** An element with attributes and children: strings are the page's own text, nodes as given. */
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
  const r = await fetch('/' + path, { credentials: 'omit', cache: 'no-cache',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
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

function checkpointOf(noteBytes) {
  return v.parseCheckpoint(v.parseNote(noteBytes).body);
}

// ---- pinned policy -------------------------------------------------------------------------

const state = { pinned: null, pinnedError: null, publishedText: null };

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

/** The log's published policy: its text and parsed form. */
async function fetchPublished() {
  const text = await fetchText('policy');
  return { text, policy: await v.parsePolicy(text) };
}

function setPublished(published) {
  state.publishedText = published?.text ?? null;
}

/** The checkpoint steps against the pinned policy, or the failed step saying none is pinned. */
async function checkpointSteps(noteBytes) {
  if (!state.pinned) {
    const note = v.parseNote(noteBytes);
    return { checkpoint: v.parseCheckpoint(note.body), note,
      steps: [v.fail(STEP.SIGNATURE, state.pinnedError ?? v.NO_PIN)] };
  }
  return v.checkCheckpoint(noteBytes, state.pinned);
}

function banner(text) {
  const b = $('banner');
  b.replaceChildren(...(text ? [safe(text)] : []));
  b.hidden = !text;
}

function pinnedDiffers() {
  return state.pinned && state.publishedText !== null
    && state.pinned.text.trim() !== state.publishedText.trim();
}

const DIFFERS =
  'The log publishes a policy different from the one you pinned: see “Pinned keys”.';

// ---- shared rendering ----------------------------------------------------------------------

const MARK = { pass: '✔', fail: '✘', skip: '–' };
const WORD = { pass: 'passed', fail: 'FAILED', skip: 'not checked' };

function showSteps(listId, verdictId, steps) {
  $(listId).replaceChildren(...steps.map(s => el('li',
    { class: s.status, 'data-step': s.step, 'data-status': s.status },
    el('span', { 'aria-hidden': 'true', class: 'mark' }, MARK[s.status]),
    el('strong', {}, s.step), ' ' + WORD[s.status] + ': ', safe(s.detail))));
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

/** Rows of [the page's label, untrusted value]. */
function facts(dlId, rows) {
  $(dlId).replaceChildren(...rows.flatMap(([k, val]) => [el('dt', {}, k),
    el('dd', {}, safe(val))]));
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

/** The current view's number: a view's rendering after an await first checks it is current. */
let generation = 0;

/**
 * Whether work numbered {@code mine} was superseded ({@code current} moved on); each such
 * piece of work is counted in data-discarded (tests wait on it).
 */
function superseded(mine, current) {
  if (mine === current) {
    return false;
  }
  document.body.dataset.discarded = String(Number(document.body.dataset.discarded ?? 0) + 1);
  return true;
}

/** Whether view {@code gen} was left for another. */
const stale = gen => superseded(gen, generation);

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
    pre.replaceChildren(...safe(text).childNodes);
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

function clearEntry(title) {
  show('entry');
  $('entry-title').textContent = title;
  $('entry-facts').replaceChildren();
  $('entry-bytes').replaceChildren();
  $('entry-proof').replaceChildren();
  $('bytes-note').textContent = '';
  entryBytes = null;
}

/** An entry looked up by index or leaf hash, and verified. */
async function showEntry(query, gen) {
  clearEntry(query.index !== undefined ? 'Entry ' + query.index
    : 'Entry with leaf hash ' + v.hex(query.hash));
  working('entry-steps', 'entry-verdict', 'Verifying…');
  let proofText;
  let proof;
  try {
    proofText = await fetchText(query.index !== undefined
      ? 'proof/inclusion?index=' + query.index
      : 'proof/inclusion?hash=' + encodeURIComponent(v.b64(query.hash)));
    proof = v.parseTlogProof(proofText);
  } catch (e) {
    if (!stale(gen)) {
      showSteps('entry-steps', 'entry-verdict', [v.fail(STEP.INCLUSION, e.message)]);
    }
    return;
  }
  // The index asked for; by hash, the proof's (the leaf hash is then checked instead).
  const index = query.index ?? proof.index;
  let entry = null;
  let entryError = null;
  try {
    entry = await fetchEntry(proof.index, checkpointOf(proof.checkpoint).size);
  } catch (e) {
    entryError = e.message;
  }
  const result = await v.checkEntry({ index, entry, proofText, policy: state.pinned,
    expectedLeaf: query.hash });
  if (stale(gen)) {
    return;
  }
  if (!state.pinned && state.pinnedError) {
    result.steps = result.steps.map(s => (s.step === STEP.SIGNATURE
      ? v.fail(STEP.SIGNATURE, state.pinnedError) : s));
  }
  if (entryError) {
    result.steps = result.steps.map(s => (s.step === STEP.ENTRY
      ? v.fail(STEP.ENTRY, 'couldn\'t fetch its bundle: ' + entryError) : s));
  }
  $('entry-title').textContent = 'Entry ' + index;
  showSteps('entry-steps', 'entry-verdict', result.steps);
  const rows = [['Index', String(index)]];
  if (proof.index !== index) {
    rows.push(['The proof\'s index', String(proof.index)]);
  }
  if (result.leaf) {
    rows.push(['Leaf hash (hex)', v.hex(result.leaf)], ['Leaf hash (base64)', v.b64(result.leaf)]);
  }
  if (result.checkpoint) {
    rows.push(['Checkpoint origin', result.checkpoint.origin],
      ['Checkpoint size', String(result.checkpoint.size)],
      ['Checkpoint root', v.b64(result.checkpoint.root)]);
    const witnesses = result.steps.find(s => s.step === STEP.QUORUM)?.data;
    if (witnesses && witnesses.size > 0) {
      rows.push(['Cosigned by', [...witnesses].map(([name, t]) => name + ' at ' + t)
        .join(', ')]);
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

async function showCheckpoint(gen) {
  show('checkpoint');
  working('checkpoint-steps', 'checkpoint-verdict', 'Verifying…');
  let noteBytes;
  let checked;
  try {
    noteBytes = await fetchBytes('checkpoint');
    checked = await checkpointSteps(noteBytes);
  } catch (e) {
    if (!stale(gen)) {
      showSteps('checkpoint-steps', 'checkpoint-verdict', [v.fail(STEP.SIGNATURE,
        e.message)]);
    }
    return;
  }
  if (stale(gen)) {
    return;
  }
  showSteps('checkpoint-steps', 'checkpoint-verdict', checked.steps);
  const cp = checked.checkpoint;
  facts('checkpoint-facts', [['Origin', cp.origin], ['Size', String(cp.size)],
    ['Root hash (base64)', v.b64(cp.root)], ['Root hash (hex)', v.hex(cp.root)],
    ...cp.extensions.map(e => ['Extension line', e])]);
  const cosigned = checked.steps.find(s => s.step === STEP.QUORUM)?.data ?? new Map();
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
        ? ', cosigned at ' + cosigned.get(witness.name)
        : witness.key.type === 0x06 ? ', ML-DSA-44: not checked here' : ', not verified');
    }
    return el('tr', {}, el('td', {}, safe(s.name)), el('td', {}, el('code', {},
      v.hex(s.keyId))), el('td', {}, safe(role)));
  });
  $('checkpoint-signatures').tBodies[0].replaceChildren(...rows);
  $('checkpoint-note').replaceChildren(safe(v.utf8(noteBytes)));
}

const pager = { after: null, previous: [] };

async function showHistory(gen) {
  show('history');
  const body = $('history-table').tBodies[0];
  for (const b of ['history-first', 'history-previous', 'history-next']) {
    $(b).disabled = true;
  }
  let page;
  try {
    page = JSON.parse(await fetchText('checkpoints?limit=' + PAGE
      + (pager.after === null ? '' : '&after=' + pager.after)));
  } catch (e) {
    if (!stale(gen)) {
      body.replaceChildren(el('tr', {}, el('td', { colspan: '5' }, safe(e.message))));
      $('history-first').disabled = false;
    }
    return;
  }
  if (stale(gen)) {
    return;
  }
  const list = (Array.isArray(page?.checkpoints) ? page.checkpoints : [])
    .filter(c => c !== null && typeof c === 'object');
  body.replaceChildren(...list.map(c => {
    const size = String(c.size);
    let check = 'the empty tree';
    if (/^[1-9][0-9]*$/.test(size)) {
      check = el('button', { type: 'button', 'data-size': size },
        'Check ' + size + ' against the latest');
      check.addEventListener('click', () => checkConsistencyWithLatest(size));
    } else if (size !== '0') {
      check = 'not a size';
    }
    return el('tr', {}, el('td', {}, safe(size)), el('td', {}, safe(c.time)),
      el('td', {}, safe([].concat(c.signed_by ?? []).map(String).join(', '))),
      el('td', {}, safe([].concat(c.cosigned_by ?? []).map(String).join(', ') || '—')),
      el('td', {}, check));
  }));
  const next = page.next === null || page.next === undefined ? null : String(page.next);
  $('history-next').disabled = next === null || !/^[0-9]+$/.test(next);
  $('history-next').dataset.after = next ?? '';
  $('history-previous').disabled = pager.previous.length === 0;
  $('history-first').disabled = pager.after === null;
}

/**
 * The current consistency check's number: checks are counted apart from the views, so paging
 * through the history does not drop one, and only the latest check may draw.
 */
let consistencyRun = 0;

const staleCheck = run => superseded(run, consistencyRun);

async function checkConsistencyWithLatest(oldSize) {
  const run = ++consistencyRun;
  working('consistency-steps', 'consistency-verdict', 'Verifying…');
  let latest;
  try {
    latest = checkpointOf(await fetchBytes('checkpoint'));
  } catch (e) {
    if (!staleCheck(run)) {
      showSteps('consistency-steps', 'consistency-verdict', [v.fail('new checkpoint',
        e.message)]);
    }
    return;
  }
  // The typed sizes are the user's: a check from a row's button names its sizes in its steps.
  if (staleCheck(run)) {
    return;
  }
  await checkConsistency(BigInt(oldSize), latest.size, run);
}

/** The checkpoint of exactly {@code size} from the history, checked against the pinned keys. */
async function historicCheckpoint(size) {
  const page = JSON.parse(await fetchText('checkpoints?after=' + (size - 1n) + '&limit=1'));
  const c = page.checkpoints?.[0];
  if (!c || String(c.size) !== String(size) || typeof c.checkpoint !== 'string') {
    throw new Error('the log has published no checkpoint of size ' + size);
  }
  const checked = await checkpointSteps(v.bytesOf(c.checkpoint));
  if (checked.checkpoint.size !== size) {
    throw new Error('the history\'s checkpoint of size ' + size + ' says size '
      + checked.checkpoint.size);
  }
  return checked;
}

async function checkConsistency(oldSize, newSize, run) {
  working('consistency-steps', 'consistency-verdict', 'Verifying…');
  const steps = [];
  const found = {};
  for (const [name, size] of [['old checkpoint', oldSize], ['new checkpoint', newSize]]) {
    try {
      const c = await historicCheckpoint(size);
      const failed = c.steps.find(s => s.status === 'fail');
      steps.push(failed ? v.fail(name, 'size ' + size + ': ' + failed.step + ': '
        + failed.detail) : v.pass(name, 'size ' + size + ': ' + c.steps
        .filter(s => s.status === 'pass').map(s => s.step + ' passed').join(', ')));
      // What could not be checked here stays a step of its own, not folded into a pass.
      for (const s of c.steps.filter(s => s.status === 'skip')) {
        steps.push(v.skip(s.step, name + ': ' + s.detail));
      }
      found[name] = c.checkpoint;
    } catch (e) {
      steps.push(v.fail(name, e.message));
    }
  }
  const older = found['old checkpoint'];
  const newer = found['new checkpoint'];
  if (older && newer) {
    try {
      if (older.origin !== newer.origin) {
        throw new Error('the checkpoints are of two logs: ' + older.origin + ' and '
          + newer.origin);
      }
      const text = await fetchText('proof/consistency?old=' + oldSize + '&new=' + newSize);
      const hashes = text.split('\n').filter(l => l !== '').map(v.fromB64);
      await v.verifyConsistency(oldSize, newSize, hashes, older.root, newer.root);
      steps.push(v.pass(STEP.CONSISTENCY, hashes.length + ' hashes show the tree of size '
        + newSize + ' extends the tree of size ' + oldSize));
    } catch (e) {
      steps.push(v.fail(STEP.CONSISTENCY, e.message));
    }
  }
  if (!staleCheck(run)) {
    showSteps('consistency-steps', 'consistency-verdict', steps);
  }
}

/** The published policy's text as last shown: what "Pin the published policy" pins. */
let shownPolicy = null;

async function showKeys(gen) {
  show('keys');
  const status = $('keys-status');
  let problem = null;
  let published = null;
  try {
    published = await fetchPublished();
  } catch (e) {
    problem = 'Couldn\'t read the log\'s /policy: ' + e.message;
  }
  if (stale(gen)) {
    return;
  }
  setPublished(published);
  shownPolicy = state.publishedText;
  $('pin-published').disabled = shownPolicy === null;
  $('published-policy').replaceChildren(safe(state.publishedText ?? problem));
  const policy = published?.policy;
  const keys = policy ? [...policy.logs.map(l => ['log', l.key]),
    ...[...policy.witnesses.values()].map(w => ['witness ' + w.name, w.key])] : [];
  $('published-keys').replaceChildren(...keys.map(([role, k]) => el('li', {},
    safe(role + ': ' + k.name), ', key ID ', el('code', {}, v.hex(k.keyId)), ', ' + k.typeName,
    k.text.length <= 120 ? el('code', { class: 'vkey' }, safe(k.text))
      : el('details', {}, el('summary', {}, 'the whole key (' + k.text.length
        + ' characters)'), el('code', { class: 'vkey' }, safe(k.text))))));
  $('pinned-policy').replaceChildren(safe(state.pinned ? state.pinned.text
    : state.pinnedError ?? '(nothing pinned)'));
  status.className = 'verdict ' + (state.pinned && !pinnedDiffers() ? 'verified' : 'failed');
  status.replaceChildren(safe(problem ?? (state.pinned
    ? (pinnedDiffers() ? 'The log publishes a policy different from the one you pinned:'
        + ' compare them before you pin the new one.'
      : 'Pinned: checkpoints are verified against these keys and this quorum.')
    : state.pinnedError ?? 'No keys are pinned yet. Compare the published keys with those'
      + ' published elsewhere, then pin them.')));
  banner(pinnedDiffers() ? DIFFERS : null);
}

async function pin(text) {
  await v.parsePolicy(text);
  localStorage.setItem(PINNED, text);
  await loadPinned();
  await showKeys(++generation);
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

/** Shows {@code hash}; asking again for the address already shown looks it up again. */
function go(hash) {
  if (location.hash === hash) {
    route();
  } else {
    location.hash = hash;
  }
}

function searchError(text) {
  generation++;
  clearEntry('Search');
  showSteps('entry-steps', 'entry-verdict', [v.fail(STEP.ENTRY, text)]);
}

function wire() {
  $('by-index').addEventListener('submit', e => {
    e.preventDefault();
    const t = $('index-input').value.trim();
    if (!/^(0|[1-9][0-9]{0,18})$/.test(t)) {
      searchError('an index is a whole number, not ' + JSON.stringify(t.slice(0, 40)));
      return;
    }
    go('#entry/' + t);
  });
  $('by-hash').addEventListener('submit', e => {
    e.preventDefault();
    try {
      go('#hash/' + v.hex(parseHash($('hash-input').value)));
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
    go('#hash/' + v.hex(await v.leafHash(bytes)));
  });
  $('show-text').addEventListener('click', () => entryBytes && showBytes('text'));
  $('show-hex').addEventListener('click', () => entryBytes && showBytes('hex'));
  $('consistency').addEventListener('submit', e => {
    e.preventDefault();
    const o = $('old-size').value.trim();
    const n = $('new-size').value.trim();
    if (!/^[1-9][0-9]{0,18}$/.test(o) || !/^[1-9][0-9]{0,18}$/.test(n)) {
      showSteps('consistency-steps', 'consistency-verdict', [v.fail(STEP.CONSISTENCY,
        'sizes are whole numbers from 1')]);
      return;
    }
    checkConsistency(BigInt(o), BigInt(n), ++consistencyRun);
  });
  $('history-next').addEventListener('click', () => {
    pager.previous.push(pager.after);
    pager.after = $('history-next').dataset.after;
    showHistory(++generation);
  });
  $('history-previous').addEventListener('click', () => {
    pager.after = pager.previous.pop() ?? null;
    showHistory(++generation);
  });
  $('history-first').addEventListener('click', () => {
    pager.after = null;
    pager.previous = [];
    showHistory(++generation);
  });
  $('pin-published').addEventListener('click', () => shownPolicy !== null
    && pin(shownPolicy).catch(err => banner(err.message)));
  $('pin-pasted').addEventListener('submit', e => {
    e.preventDefault();
    pin($('policy-input').value).catch(err => {
      $('keys-status').className = 'verdict failed';
      $('keys-status').replaceChildren('Not pinned: ', safe(err.message));
    });
  });
  $('forget-keys').addEventListener('click', async () => {
    localStorage.removeItem(PINNED);
    await loadPinned();
    await showKeys(++generation);
  });
}

// ---- routing -------------------------------------------------------------------------------

async function route() {
  const gen = ++generation;
  banner(pinnedDiffers() ? DIFFERS : null);
  try {
    const h = decodeURIComponent(location.hash.slice(1));
    let m;
    if ((m = /^entry\/(0|[1-9][0-9]{0,18})$/.exec(h))) {
      await showEntry({ index: BigInt(m[1]) }, gen);
    } else if ((m = /^hash\/([0-9a-f]{64})$/.exec(h))) {
      await showEntry({ hash: v.fromHex(m[1]) }, gen);
    } else if (h === 'checkpoint') {
      await showCheckpoint(gen);
    } else if (h === 'history') {
      await showHistory(gen);
    } else if (h === 'keys' || (h === '' && !state.pinned)) {
      await showKeys(gen);
    } else {
      show('search');
    }
  } catch (e) {
    if (!stale(gen)) {
      banner('Something went wrong: ' + e.message);
    }
  }
}

async function start() {
  wire();
  await loadPinned();
  try {
    const cp = checkpointOf(await fetchBytes('checkpoint'));
    $('origin').replaceChildren('Log ', safe(cp.origin), ' · ' + cp.size + ' entries in its'
      + ' latest checkpoint (as the server says; the views below verify)');
    setPublished(await fetchPublished());
  } catch (e) {
    $('origin').replaceChildren('Couldn\'t read the log: ', safe(e.message));
  }
  window.addEventListener('hashchange', route);
  await route();
  document.body.dataset.ready = 'true';
}

start();
