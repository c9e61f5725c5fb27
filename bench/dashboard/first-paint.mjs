// Dashboard first-paint benchmark (issue [J]): seeds N prompt events (default 1,000,000) into a real store,
// starts the AOT daemon on it, times each /api/dashboard call (median of 7, server-side aggregation over the
// whole range) and the page in headless Chromium: first contentful paint and "spend view fully rendered".
//
//   node bench/dashboard/first-paint.mjs [rows]        (needs aot/out/tokenops or TOKENOPS_BIN, sqlite3, chromium)
//
// Rows are inserted with the sqlite3 CLI in one transaction (recursive CTE): 6 models, 30 days, realistic
// token counts and latencies, source 'proxy' (so the default view shows them).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../../tests/e2e/lib/daemon.mjs';
import { FakeUpstream } from '../../tests/e2e/lib/fake-upstream.mjs';

const rows = Number(process.argv[2] ?? 1_000_000);
const here = path.dirname(fileURLToPath(import.meta.url));
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const fake = await new FakeUpstream().start();
const creator = new Daemon({ upstreamUrl: fake.url, storage: true });
await creator.start();           // creates and migrates the store
await creator.stop();
const daemon = new Daemon({ upstreamUrl: fake.url, storage: true, home: creator.home });

const db = path.join(daemon.home, 'events.db');
const nowMs = Date.now();
const seed = `
PRAGMA journal_mode=WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows - 1})
INSERT INTO prompt_events (id, ts_ms, source, schema_version, provider, operation, model, request_model, response_model,
  usage_source, cache_hit, input_tokens, output_tokens, cached_input_tokens, cost_usd, saved_usd, status_code, latency_ms,
  ttfb_ms, ttft_ms, pricing_status, stream)
SELECT printf('bench-%08d', i), ${nowMs} - (i * 2592000000 / ${rows}), 'proxy', '1.0.0',
  CASE i % 6 WHEN 0 THEN 'openai' WHEN 1 THEN 'openai' WHEN 2 THEN 'anthropic' WHEN 3 THEN 'anthropic' WHEN 4 THEN 'gemini' ELSE 'openai' END,
  'chat',
  CASE i % 6 WHEN 0 THEN 'gpt-4o' WHEN 1 THEN 'gpt-4o-mini' WHEN 2 THEN 'claude-sonnet-4-5' WHEN 3 THEN 'claude-haiku-4-5' WHEN 4 THEN 'gemini-2.5-flash' ELSE 'o4-mini' END,
  NULL, NULL, 'provider', (i % 17 = 0), 500 + (i * 7919) % 4000, 50 + (i * 104729) % 900, (i * 31) % 500,
  ((i * 7919) % 4000) * 0.0000025 + ((i * 104729) % 900) * 0.00001, CASE WHEN i % 17 = 0 THEN 0.01 END, 200,
  300 + (i * 2654435761) % 2500, 200 + (i * 40503) % 600, 220 + (i * 40503) % 600, 'priced', i % 3 = 0
FROM n;
COMMIT;
`;
let t = Date.now();
const r = spawnSync('sqlite3', [db], { input: seed, encoding: 'utf8' });
if (r.status !== 0) throw new Error('sqlite3 failed: ' + r.stderr);
const count = spawnSync('sqlite3', [db, 'SELECT COUNT(*) FROM prompt_events;'], { encoding: 'utf8' }).stdout.trim();
console.log(`seeded ${count} events in ${Date.now() - t} ms (${(fs.statSync(db).size / 1e6).toFixed(0)} MB)`);

await daemon.start();
const token = fs.readFileSync(path.join(daemon.home, 'dashboard.token'), 'utf8').trim();
const auth = { authorization: `Bearer ${token}` };
const results = [];
for (const [name, query] of [
  ['meta', ''], ['spend 7d', 'since=7d'], ['series 7d', 'since=7d'], ['forecast', 'days=14'], ['budgets', ''],
  ['latency 7d', 'since=7d'], ['spend 30d', 'since=30d'], ['series 30d', 'since=30d'], ['latency 30d', 'since=30d'],
  ['spend 24h', 'since=24h'], ['series 24h', 'since=24h'], ['events', 'limit=50'],
]) {
  const endpoint = name.split(' ')[0];
  const times = [];
  let bytes = 0;
  for (let k = 0; k < 7; k++) {
    t = performance.now();
    const res = await fetch(`${daemon.url}/api/dashboard/${endpoint}?${query}`, { headers: auth });
    const body = await res.arrayBuffer();
    times.push(performance.now() - t);
    bytes = body.byteLength;
    if (!res.ok) throw new Error(`${name}: ${res.status} ${Buffer.from(body).toString()}`);
  }
  results.push({ call: name, median_ms: +median(times).toFixed(1), max_ms: +Math.max(...times).toFixed(1), bytes });
}
console.table(results);

// First paint in a real browser (same flags as the e2e test).
let page;
try {
  const { chromium } = await import('../../tests/e2e/node_modules/playwright-core/index.mjs');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  await page.goto(`${daemon.url}/dashboard?token=${token}`); // sets the cookie (warm-up: first process-wide run)
  const paints = [];
  for (let k = 0; k < 5; k++) {
    t = performance.now();
    await page.goto(`${daemon.url}/dashboard`);
    await page.waitForFunction(() => document.body.dataset.rendered === 'spend');
    const rendered = performance.now() - t;
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    paints.push({ fcp_ms: +fcp.toFixed(1), spend_view_rendered_ms: +rendered.toFixed(1) });
  }
  console.table(paints);
  console.log(`median: first contentful paint ${median(paints.map((p) => p.fcp_ms))} ms, spend view with all charts ${median(paints.map((p) => p.spend_view_rendered_ms))} ms`);
  await browser.close();
} catch (err) {
  console.log('browser part skipped: ' + err.message);
}

await daemon.stop();
await fake.close();
daemon.removeHome();
