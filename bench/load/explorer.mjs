// Times the explorer (/ui/) in Chromium against a running log: a lookup by index from a fresh
// page load to the verdict, a lookup by leaf hash, a consistency check between the first and
// the latest checkpoint, and verify.js alone (checkEntry on fetched data, in the page).
// Run by bench/load/run-explorer; prints a Markdown table.
import { chromium } from 'playwright-core';

const base = process.env.CAIRN_URL;
const rounds = Number(process.env.ROUNDS ?? 30);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await (await browser.newContext()).newPage();
await page.goto(base + '/ui/#keys');
await page.waitForSelector('body[data-ready]');
await page.getByRole('button', { name: 'Pin the published policy' }).click();
await page.locator('#keys-status', { hasText: 'Pinned:' }).waitFor();
const size = Number((await (await fetch(base + '/checkpoint')).text()).split('\n')[1]);

async function timed(hash, verdictId) {
  const t0 = Date.now();
  await page.goto(base + '/ui/?r=' + Math.random() + hash);
  await page.waitForFunction(i => ['verified', 'failed']
    .includes(document.getElementById(i).dataset.state), verdictId, { timeout: 60_000 });
  const state = await page.locator('#' + verdictId).getAttribute('data-state');
  if (state !== 'verified') {
    throw new Error(hash + ': ' + await page.locator('#' + verdictId).textContent());
  }
  return Date.now() - t0;
}

const stats = xs => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1,
    Math.floor(s.length * 0.95))] };
};

const byIndex = [];
const byHash = [];
for (let r = 0; r < rounds; r++) {
  const i = Math.floor(Math.random() * size);
  byIndex.push(await timed('#entry/' + i, 'entry-verdict'));
  const leaf = (await page.locator('#entry-facts dd').nth(1).textContent()).trim();
  byHash.push(await timed('#hash/' + leaf, 'entry-verdict'));
}
// Consistency: the first non-empty checkpoint against the latest, typed in the history view.
const first = (await (await fetch(base + '/checkpoints?after=0&limit=1')).json())
  .checkpoints[0].size;
const consistency = [];
for (let r = 0; r < Math.min(rounds, 10); r++) {
  await page.goto(base + '/ui/?r=' + Math.random() + '#history');
  await page.waitForSelector('body[data-ready]');
  const t0 = Date.now();
  await page.getByLabel('Old size').fill(String(first));
  await page.getByLabel('New size').fill(String(size));
  await page.getByRole('button', { name: 'Check consistency' }).click();
  await page.waitForFunction(() => ['verified', 'failed'].includes(
    document.getElementById('consistency-verdict').dataset.state), null, { timeout: 60_000 });
  consistency.push(Date.now() - t0);
}
// verify.js alone: checkEntry over data fetched once, in the page's own module.
const pure = await page.evaluate(async ({ size, n }) => {
  const v = await import('/ui/verify.js');
  const policy = await v.parsePolicy(localStorage.getItem('cairn.pinned-policy'));
  const i = BigInt(Math.floor(size / 2));
  const proofText = await (await fetch('/proof/inclusion?index=' + i)).text();
  const cp = v.parseCheckpoint(v.parseNote(v.parseTlogProof(proofText).checkpoint).body);
  const b = v.entryBundle(i, cp.size);
  const bundle = new Uint8Array(await (await fetch('/' + b.path)).arrayBuffer());
  const entry = v.parseBundle(bundle)[b.at];
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const r = await v.checkEntry({ index: i, entry, proofText, policy });
    if (r.steps.some(s => s.status === 'fail')) throw new Error('not verified');
  }
  return (performance.now() - t0) / n;
}, { size, n: 200 });
await browser.close();

const a = stats(byIndex);
const h = stats(byHash);
const c = stats(consistency);
console.log(`| log size | lookup by index, load to verdict (p50 / p95) | by leaf hash | `
  + `consistency ${first} → ${size} | verify.js alone per entry |`);
console.log('|---|---|---|---|---|');
console.log(`| ${size} | ${a.p50} / ${a.p95} ms | ${h.p50} / ${h.p95} ms | ${c.p50} / ${c.p95} ms`
  + ` | ${pure.toFixed(2)} ms |`);
