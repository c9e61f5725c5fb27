// Issue [J]: the local dashboard in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; no browser download) against the AOT daemon with a demo store.
//
// Proves: the page is refused without the token; with it, every view renders non-empty SVG charts;
// a filter changes the numbers; the API's numbers equal `tokenops spend --json`; the workflow list opens a
// trace with its context-growth chart and the waste findings link their evidence into it; a request sent
// through the proxy appears in the live feed (server-sent events) within 2 s. Screenshots of every
// view go to tests/e2e/.artifacts/dashboard-<view>.png.
//
// Skips with a clear message when /usr/bin/chromium is missing (`apt-get install -y chromium`) or in
// E2E_DIRECT mode (no daemon).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Direct, Keys, startTarget } from '../lib/harness.mjs';
import { E2eRoot } from '../lib/daemon.mjs';

const Chromium = '/usr/bin/chromium';
const Artifacts = path.join(E2eRoot, '.artifacts');
const skip = Direct
  ? 'E2E_DIRECT=1: the dashboard needs the daemon'
  : !fs.existsSync(Chromium)
    ? `${Chromium} not found: install Debian's chromium (apt-get install -y chromium) to run the dashboard browser test`
    : false;

describe('dashboard in headless Chromium', { skip }, () => {
  let target, browser, page, token, base;

  before(async () => {
    const { chromium } = await import('playwright-core');
    target = await startTarget({ storage: true });
    base = target.daemon.url;
    const demo = target.daemon.cli(['demo', '--days', '14']);
    assert.equal(demo.code, 0, `tokenops demo failed:\n${demo.stdout}\n${demo.stderr}`);
    token = fs.readFileSync(path.join(target.daemon.home, 'dashboard.token'), 'utf8').trim();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    fs.mkdirSync(Artifacts, { recursive: true });
    browser = await chromium.launch({
      executablePath: Chromium,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    await target?.stop();
  });

  async function shot(view) {
    await page.screenshot({ path: path.join(Artifacts, `dashboard-${view}.png`), fullPage: true });
  }

  async function openView(view) {
    await page.click(`#tabs a[data-view="${view}"]`);
    await page.waitForFunction((v) => document.body.dataset.rendered === v && !document.querySelector(`#view-${v}`).classList.contains('loading'), view);
  }

  async function barCount(selector) {
    return page.locator(`${selector} svg rect.bar`).count();
  }

  test('without the token the page and the API are refused', async () => {
    const res = await page.goto(`${base}/dashboard`);
    assert.equal(res.status(), 401);
    assert.match(await page.textContent('body'), /tokenops dashboard/);
    const api = await fetch(`${base}/api/dashboard/spend`);
    assert.equal(api.status, 401);
    const wrong = await page.goto(`${base}/dashboard?token=${'x'.repeat(43)}`);
    assert.equal(wrong.status(), 401);
  });

  test('with the token the spend view renders stacked bars, the forecast band and KPIs', async () => {
    const started = Date.now();
    const res = await page.goto(`${base}/dashboard?token=${token}`);
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).search, '', 'the token is dropped from the address bar after the cookie is set');
    await page.waitForFunction(() => document.body.dataset.rendered === 'spend');
    const loadedMs = Date.now() - started;
    assert.ok(await barCount('#spend-chart') > 10, 'spend chart has bars');
    assert.ok(await page.locator('#spend-chart svg path.band80').count() === 1, 'forecast band drawn');
    assert.ok(await page.locator('#spend-legend span').count() >= 2, 'one legend entry per model');
    assert.match(await page.textContent('#kpi-cost .value'), /^\$[0-9,.]+$/);
    assert.match(await page.textContent('#banner'), /demo data/);
    console.log(`# dashboard: spend view rendered ${loadedMs} ms after navigation`);
    await shot('spend');
  });

  test('the API numbers equal `tokenops spend --json` for the same range', async () => {
    const since = new Date(Date.now() - 20 * 86_400_000).toISOString();
    const until = new Date(Date.now() + 60_000).toISOString();
    const cli = target.daemon.cli(['spend', '--since', since, '--until', until, '--include-demo', '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const fromCli = JSON.parse(cli.stdout);
    const fromApi = await page.evaluate(async ([s, u]) => (await fetch(`/api/dashboard/spend?since=${encodeURIComponent(s)}&until=${encodeURIComponent(u)}&include_demo=1`)).json(), [since, until]);
    assert.ok(fromCli.totals.requests > 100);
    assert.deepEqual(fromApi.totals, fromCli.totals);
    assert.deepEqual(fromApi.groups, fromCli.groups);
    assert.deepEqual(fromApi.daily, fromCli.daily);
    assert.ok(fromCli.daily.length >= 20);
  });

  test('a provider filter changes the numbers', async () => {
    const before = await page.textContent('#kpi-cost .value');
    const providers = await page.$$eval('#provider option', (o) => o.map((x) => x.value).filter(Boolean));
    assert.ok(providers.length >= 2, `several providers in the demo data: ${providers}`);
    await page.selectOption('#provider', providers[1]);
    await page.waitForFunction((b) => document.querySelector('#kpi-cost .value')?.textContent !== b, before);
    const after = await page.textContent('#kpi-cost .value');
    assert.notEqual(after, before);
    await page.selectOption('#provider', '');
    await page.waitForFunction((b) => document.querySelector('#kpi-cost .value')?.textContent === b, before);
  });

  test('tokens view: stacked token bars, cache ratios and dollars saved', async () => {
    await openView('tokens');
    assert.ok(await barCount('#tokens-chart') > 10);
    assert.ok(await barCount('#saved-chart') > 0);
    assert.match(await page.textContent('#kpi-hit-ratio .value'), /%$/);
    await shot('tokens');
  });

  test('latency view: p50/p95/p99 and TTFT per model', async () => {
    await openView('latency');
    assert.ok(await barCount('#latency-chart') >= 6, 'three bars per model');
    assert.ok(await barCount('#ttft-chart') >= 3);
    assert.match(await page.textContent('#kpi-p95 .value'), /\d+(\.\d+)? m?s$/);
    await shot('latency');
  });

  test('workflows view: top workflows by cost; a click opens the trace with its context-growth chart', async () => {
    await openView('workflows');
    const rows = page.locator('#workflows-table tbody tr[data-wf]');
    assert.ok(await rows.count() > 0, 'the demo store has workflows');
    const costs = await page.$$eval('#workflows-table tbody tr[data-wf] td.cost', (tds) => tds.map((td) => Number(td.textContent.replace(/[$,]/g, ''))));
    assert.deepEqual(costs, [...costs].sort((a, b) => b - a), 'ranked by cost');
    assert.equal(await page.locator('#trace-card').isHidden(), true, 'no trace before a click');
    const id = await rows.first().getAttribute('data-wf');
    await rows.first().click();
    await page.waitForFunction(() => document.body.dataset.rendered === 'workflows' && !document.querySelector('#view-workflows').classList.contains('loading')
      && document.querySelector('#trace-chart svg.context-chart'));
    assert.equal(decodeURIComponent(new URL(page.url()).hash), `#workflows/${id}`);
    assert.equal(await page.textContent('#trace-title'), `Trace of ${id}`);
    const steps = await page.locator('#trace-table tbody tr').count();
    assert.ok(steps > 1, `trace has steps (${steps})`);
    assert.equal(await page.locator('#trace-chart svg circle.step').count(), steps, 'one chart point per step');
    // Same numbers as `tokenops trace <id> --json` (the CLI looks back 30 days and includes demo rows).
    const cli = target.daemon.cli(['trace', id, '--since', '7d', '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const fromApi = await page.evaluate(async (wf) => (await fetch(`/api/dashboard/trace?since=7d&include_demo=1&id=${encodeURIComponent(wf)}`)).json(), id);
    assert.deepEqual(fromApi.steps.map((s) => [s.event_id, s.input_tokens, s.cost_usd]), JSON.parse(cli.stdout).steps.map((s) => [s.event_id, s.input_tokens, s.cost_usd]));
    await shot('workflows');
  });

  test('waste view: findings ranked by dollars, each with a fix and evidence links into the trace', async () => {
    await openView('waste');
    const findings = page.locator('#waste-list .finding');
    assert.ok(await findings.count() > 0, 'the demo store triggers waste rules');
    const saved = await page.$$eval('#waste-list .finding .saved .cost', (e) => e.map((x) => Number(x.textContent.replace(/[$,]/g, ''))));
    assert.deepEqual(saved, [...saved].sort((a, b) => b - a), 'ranked by USD saved');
    assert.match(await page.textContent('#kpi-waste-usd .value'), /^\$[0-9,.]+$/);
    const cli = target.daemon.cli(['waste', '--since', '7d', '--include-demo', '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const fromApi = await page.evaluate(async () => (await fetch('/api/dashboard/waste?since=7d&include_demo=1')).json());
    assert.deepEqual(fromApi.findings.map((f) => [f.id, f.estimated_usd_saved]), JSON.parse(cli.stdout).findings.map((f) => [f.id, f.estimated_usd_saved]));
    await shot('waste');

    // An evidence link opens the workflow's trace with that step highlighted.
    // runaway_context_growth: all of its evidence is steps of its workflow (the demo's scripted growing conversation).
    const link = page.locator('#waste-list .finding[data-kind="runaway_context_growth"] a.evidence').last();
    assert.ok(await link.count() === 1, 'the runaway-context finding links its evidence to its workflow');
    const event = decodeURIComponent((await link.getAttribute('href')).split('/')[2]);
    await link.click();
    await page.waitForFunction(() => document.body.dataset.rendered === 'workflows' && document.querySelector('#trace-chart svg.context-chart'));
    await page.waitForSelector(`#trace-table tr.sel[id="step-${event}"]`);
    assert.equal(await page.locator('#trace-chart circle.step.focus').count(), 1);
    await shot('workflows-evidence');
  });

  test('a request sent through the proxy appears in the live feed within 2 s', async () => {
    await openView('live');
    await page.waitForFunction(() => document.getElementById('live-dot').classList.contains('on'));
    assert.ok(await page.locator('#live-table tbody tr').count() > 0, 'newest stored events are listed');
    const sent = Date.now();
    const res = await fetch(`${target.openaiBase}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${Keys.openai}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi from the dashboard test' }] }),
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await page.waitForSelector('#live-table tbody tr.fresh', { timeout: 2000 });
    const arrivedMs = Date.now() - sent;
    assert.ok(arrivedMs <= 2000, `live row after ${arrivedMs} ms`);
    assert.match(await page.textContent('#live-table tbody tr.fresh'), /openai/);
    console.log(`# dashboard: live feed row ${arrivedMs} ms after the proxied response`);
    await shot('live');
  });
});

describe('dashboard empty state', { skip }, () => {
  let target, browser;

  before(async () => {
    const { chromium } = await import('playwright-core');
    target = await startTarget({ storage: true });
    browser = await chromium.launch({
      executablePath: Chromium,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    await target?.stop();
  });

  test('with no events the page explains how to point an SDK at the proxy and offers `tokenops demo`', async () => {
    const token = fs.readFileSync(path.join(target.daemon.home, 'dashboard.token'), 'utf8').trim();
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 800 } })).newPage();
    const res = await page.goto(`${target.daemon.url}/dashboard?token=${token}`);
    assert.equal(res.status(), 200);
    await page.waitForSelector('#empty:not([hidden])');
    const text = await page.textContent('#setup-lines');
    assert.ok(text.includes(`OPENAI_BASE_URL=${target.daemon.url}/openai/v1`), text);
    assert.ok(text.includes(`ANTHROPIC_BASE_URL=${target.daemon.url}/anthropic`), text);
    assert.ok(text.includes(`${target.daemon.url}/gemini`), text);
    assert.match(await page.textContent('#empty'), /tokenops demo/);
    assert.equal(await page.locator('#view-spend').isHidden(), true);
    fs.mkdirSync(Artifacts, { recursive: true });
    await page.screenshot({ path: path.join(Artifacts, 'dashboard-empty.png'), fullPage: true });

    // The first request through the proxy replaces the empty state with the views (pushed by the live feed, no reload).
    const sdk = await fetch(`${target.openaiBase}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${Keys.openai}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'first!' }] }),
    });
    assert.equal(sdk.status, 200);
    await sdk.arrayBuffer();
    await page.waitForSelector('#view-spend:not([hidden]) #kpi-cost', { timeout: 5000 });
    assert.equal(await page.locator('#empty').isHidden(), true);
  });
});
