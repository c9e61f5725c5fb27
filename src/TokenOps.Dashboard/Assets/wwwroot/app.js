// TokenOps dashboard: plain JS, SVG charts drawn here, no dependencies, nothing loaded from the internet.
// Every number comes from /api/dashboard/*, which returns the same Insights records the CLI prints with --json.
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#5b9cf6', '#3fb68b', '#e5a93b', '#c678dd', '#e5534b', '#56b6c2', '#d19a66', '#98c379', '#8b96a3'];
const state = { range: '7d', provider: '', model: '', demo: false, view: 'spend', meta: null, gen: 0, trace: null, focus: null };
const cache = new Map();

// ---------- formatting ----------
const fmtInt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
function usd(v) {
  v = Number(v) || 0;
  if (Math.abs(v) >= 100) return '$' + fmtInt.format(v);
  if (Math.abs(v) >= 1) return '$' + v.toFixed(2);
  if (v === 0) return '$0';
  return '$' + v.toFixed(4);
}
function num(v) {
  v = Number(v) || 0;
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(2) + 'B';
  if (a >= 1e6) return (v / 1e6).toFixed(2) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  return fmtInt.format(v);
}
function ms(v) { v = Number(v) || 0; return v >= 1000 ? (v / 1000).toFixed(2) + ' s' : Math.round(v) + ' ms'; }
// Workflow durations span seconds to days (the demo's explicit workflows run all week).
function dur(v) { v = Number(v) || 0; return v >= 172800000 ? (v / 86400000).toFixed(1) + ' d' : v >= 7200000 ? (v / 3600000).toFixed(1) + ' h' : v >= 120000 ? (v / 60000).toFixed(1) + ' min' : ms(v); }
function pct(v) { return (100 * (Number(v) || 0)).toFixed(1) + '%'; }
function esc(s) { return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }

// ---------- API ----------
function query(extra) {
  const p = new URLSearchParams();
  p.set('since', state.range);
  if (state.provider) p.set('provider', state.provider);
  if (state.model) p.set('model', state.model);
  if (state.demo) p.set('include_demo', '1');
  for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
  return p.toString();
}
async function api(path, extra) {
  const url = '/api/dashboard/' + path + '?' + query(extra);
  if (cache.has(url)) return cache.get(url);
  const promise = fetch(url, { credentials: 'same-origin' }).then(async (r) => {
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { const e = new Error(body.message || ('HTTP ' + r.status)); e.status = r.status; e.code = body.error; throw e; }
    return body;
  });
  cache.set(url, promise);
  promise.catch(() => cache.delete(url));
  return promise;
}

// ---------- SVG charts ----------
const W = 1000, H = 280, PAD = { l: 64, r: 14, t: 12, b: 30 };
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
function axes(max, fmt, h) {
  let s = '';
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4, y = PAD.t + (h - PAD.t - PAD.b) * (1 - i / 4);
    s += `<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}"/><text x="${PAD.l - 8}" y="${y + 4}" text-anchor="end">${esc(fmt(v))}</text>`;
  }
  return s;
}
function xLabel(key) { return key.length > 10 ? key.slice(5, 10) + ' ' + key.slice(11, 16) : key.slice(5); }

/** Stacked bars per bucket; optional forecast band after the history and horizontal reference lines. */
function stackedBars(el, { labels, series, fmt, band, hlines, height }) {
  const h = height || H;
  const future = band ? band.labels.length : 0;
  const n = labels.length + future;
  const sums = labels.map((_, i) => series.reduce((a, s) => a + (Number(s.values[i]) || 0), 0));
  let max = Math.max(0, ...sums);
  if (band) max = Math.max(max, ...band.hi80.map(Number));
  for (const l of hlines || []) max = Math.max(max, l.value * 1.05);
  max = niceMax(max);
  const plotW = W - PAD.l - PAD.r, plotH = h - PAD.t - PAD.b;
  const slot = plotW / Math.max(1, n), bw = Math.max(1, slot * 0.72);
  const y = (v) => PAD.t + plotH * (1 - v / max);
  let s = `<svg viewBox="0 0 ${W} ${h}" role="img" class="chart-svg" data-points="${labels.length}" data-series="${series.length}">` + axes(max, fmt, h);
  for (let i = 0; i < labels.length; i++) {
    let acc = 0;
    const x = PAD.l + i * slot + (slot - bw) / 2;
    const tip = [labels[i]];
    for (const se of series) {
      const v = Number(se.values[i]) || 0;
      if (v > 0) {
        s += `<rect class="bar" x="${x.toFixed(1)}" y="${y(acc + v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(acc) - y(acc + v)).toFixed(1)}" fill="${se.color}"/>`;
        tip.push(`${se.name}: ${fmt(v)}`);
      }
      acc += v;
    }
    tip.push(`total: ${fmt(acc)}`);
    s += `<rect x="${PAD.l + i * slot}" y="${PAD.t}" width="${slot}" height="${plotH}" fill="transparent" data-tip="${esc(tip.join('\n'))}"/>`;
  }
  if (band && future > 0) {
    const cx = (j) => PAD.l + (labels.length + j) * slot + slot / 2;
    const area = (lo, hi) => {
      let d = '';
      for (let j = 0; j < future; j++) d += (j ? 'L' : 'M') + cx(j).toFixed(1) + ',' + y(Number(hi[j])).toFixed(1);
      for (let j = future - 1; j >= 0; j--) d += 'L' + cx(j).toFixed(1) + ',' + y(Number(lo[j])).toFixed(1);
      return d + 'Z';
    };
    s += `<path class="band95" d="${area(band.lo95, band.hi95.map((v) => Math.min(Number(v), max)))}" fill="#5b9cf6" fill-opacity="0.12"/>`;
    s += `<path class="band80" d="${area(band.lo80, band.hi80)}" fill="#5b9cf6" fill-opacity="0.22"/>`;
    let d = '';
    for (let j = 0; j < future; j++) d += (j ? 'L' : 'M') + cx(j).toFixed(1) + ',' + y(Number(band.mean[j])).toFixed(1);
    s += `<path d="${d}" fill="none" stroke="#5b9cf6" stroke-width="2" stroke-dasharray="5 4"/>`;
    for (let j = 0; j < future; j++) {
      s += `<rect x="${PAD.l + (labels.length + j) * slot}" y="${PAD.t}" width="${slot}" height="${plotH}" fill="transparent" data-tip="${esc(`${band.labels[j]} (forecast)\nmean: ${fmt(band.mean[j])}\n80%: ${fmt(band.lo80[j])} – ${fmt(band.hi80[j])}\n95%: ${fmt(band.lo95[j])} – ${fmt(band.hi95[j])}`)}"/>`;
    }
    const x0 = PAD.l + labels.length * slot;
    s += `<line x1="${x0}" x2="${x0}" y1="${PAD.t}" y2="${PAD.t + plotH}" stroke="#8b96a3" stroke-dasharray="2 3"/><text x="${x0 + 4}" y="${PAD.t + 10}">forecast</text>`;
  }
  for (const l of hlines || []) {
    const yy = y(l.value).toFixed(1);
    s += `<line class="budget-line" x1="${PAD.l}" x2="${W - PAD.r}" y1="${yy}" y2="${yy}" stroke="${l.color}" stroke-width="1.5" stroke-dasharray="7 4"/>`;
    s += `<text x="${W - PAD.r - 4}" y="${yy - 5}" text-anchor="end" fill="${l.color}">${esc(l.label)}</text>`;
  }
  const all = band ? labels.concat(band.labels) : labels;
  const every = Math.max(1, Math.ceil(n / 12));
  for (let i = 0; i < n; i += every) s += `<text x="${PAD.l + i * slot + slot / 2}" y="${h - 10}" text-anchor="middle">${esc(xLabel(all[i]))}</text>`;
  el.innerHTML = s + '</svg>';
}

/** Horizontal grouped bars: one row per label, one bar per metric. */
function groupedHBars(el, { rows, metrics, fmt }) {
  const rowH = 12 * metrics.length + 14, h = PAD.t + rows.length * rowH + 24, left = 230;
  const max = niceMax(Math.max(1, ...rows.flatMap((r) => r.values.map(Number))));
  const right = 44, x = (v) => left + (W - left - right) * (v / max);
  let s = `<svg viewBox="0 0 ${W} ${h}" role="img" class="chart-svg" data-points="${rows.length}" data-series="${metrics.length}">`;
  for (let i = 0; i <= 4; i++) {
    const xx = x((max * i) / 4);
    s += `<line class="grid" x1="${xx}" x2="${xx}" y1="${PAD.t}" y2="${h - 20}"/><text x="${xx}" y="${h - 6}" text-anchor="middle">${esc(fmt((max * i) / 4))}</text>`;
  }
  rows.forEach((r, i) => {
    const y0 = PAD.t + i * rowH;
    s += `<text x="${left - 8}" y="${y0 + rowH / 2 + 2}" text-anchor="end">${esc(r.label.length > 34 ? r.label.slice(0, 33) + '…' : r.label)}</text>`;
    metrics.forEach((m, j) => {
      const v = Number(r.values[j]) || 0;
      s += `<rect class="bar" x="${left}" y="${y0 + 6 + j * 12}" width="${Math.max(0.5, x(v) - left).toFixed(1)}" height="10" fill="${m.color}" data-tip="${esc(`${r.label}\n${m.name}: ${fmt(v)}`)}"/>`;
    });
  });
  el.innerHTML = s + '</svg>';
}

function legend(el, items) {
  el.innerHTML = items.map((it) => `<span><i data-bg="${it.color}"></i>${esc(it.name)}</span>`).join('');
  applyStyles(el);
}
// The CSP forbids inline style attributes; colours and widths are applied through the CSSOM instead.
function applyStyles(root) {
  root.querySelectorAll('[data-bg]').forEach((e) => { e.style.background = e.dataset.bg; });
  root.querySelectorAll('[data-w]').forEach((e) => { e.style.width = e.dataset.w; });
}
function kpis(el, items) {
  el.innerHTML = items.map((k) => `<div class="kpi" id="${k.id}"><div class="label">${esc(k.label)}</div><div class="value">${esc(k.value)}</div><div class="sub">${esc(k.sub || '')}</div></div>`).join('');
}

// ---------- views ----------
function drawSpend(spend, series, forecast, budgets) {
    kpis($('spend-kpis'), [
      { id: 'kpi-cost', label: 'Spend in range', value: usd(spend.totals.cost_usd), sub: `${num(spend.totals.requests)} requests` },
      { id: 'kpi-burn', label: 'Burn rate (last 24 h)', value: usd(spend.burn_rate.usd_per_hour) + '/h', sub: usd(spend.burn_rate.last24h_usd) + ' in 24 h' },
      { id: 'kpi-month', label: 'Projected month end', value: forecast ? usd(forecast.projected_month_end_usd) : '…', sub: forecast ? usd(forecast.month_to_date_usd) + ' so far · ' + forecast.method : 'forecasting…' },
      { id: 'kpi-saved', label: 'Saved by cache', value: usd(spend.totals.saved_usd), sub: `${num(spend.totals.cache_hits)} cache hits` },
      { id: 'kpi-unpriced', label: 'Unpriced requests', value: num(spend.totals.unpriced_requests), sub: spend.unpriced.length ? spend.unpriced.map((u) => u.model).slice(0, 2).join(', ') : 'every request priced' },
    ]);
    const ser = series.models.map((m, i) => ({ name: m.model, color: COLORS[i % COLORS.length], values: m.cost }));
    const last = series.buckets.length ? series.buckets[series.buckets.length - 1].key : '';
    let band = null;
    if (forecast && series.bucket === 'day') {
      const pts = forecast.points.filter((p) => p.date > last);
      band = { labels: pts.map((p) => p.date), mean: pts.map((p) => p.cost_usd), lo80: pts.map((p) => p.lower80), hi80: pts.map((p) => p.upper80), lo95: pts.map((p) => p.lower95), hi95: pts.map((p) => p.upper95) };
    }
    const perBucket = series.bucket === 'day' ? 1 : 1 / 24;
    const hlines = (budgets ? budgets.budgets : []).map((b, i) => {
      const days = Math.max(1, Math.round((new Date(b.window_end) - new Date(b.window_start)) / 86400000));
      return { value: (b.limit_usd / days) * perBucket, label: `${b.name} budget ${usd(b.limit_usd / days)}/day`, color: ['#e5534b', '#e5a93b', '#c678dd'][i % 3] };
    });
    stackedBars($('spend-chart'), { labels: series.buckets.map((b) => b.key), series: ser, fmt: usd, band, hlines });
    legend($('spend-legend'), ser.concat(band ? [{ name: 'forecast (80% / 95%)', color: '#5b9cf6' }] : []));
    const total = Number(spend.totals.cost_usd) || 0;
    $('spend-table').innerHTML = '<thead><tr><th>model</th><th>provider</th><th class="num">requests</th><th class="num">tokens in/out</th><th class="num">cost</th><th>share</th></tr></thead><tbody>' +
      spend.groups.map((g) => `<tr><td>${esc(g.key)}</td><td>${esc(g.provider)}</td><td class="num">${num(g.totals.requests)}</td><td class="num">${num(g.totals.input_tokens)} / ${num(g.totals.output_tokens)}</td><td class="num cost">${usd(g.totals.cost_usd)}</td><td><div class="bar"><span data-w="${total ? (100 * g.totals.cost_usd / total).toFixed(1) : 0}%"></span></div></td></tr>`).join('') + '</tbody>';
    applyStyles($('spend-table'));
    if (!budgets) { $('budget-list').innerHTML = '<p class="muted">…</p>'; return; }
    $('budget-list').innerHTML = budgets.budgets.length ? budgets.budgets.map((b) => `<div class="budget"><div class="row"><span>${esc(b.name)} <span class="muted">${esc(b.window)}</span></span><span class="state-${esc(b.state)}">${esc(b.state)}</span></div>` +
      `<div class="bar"><span data-w="${Math.min(100, 100 * b.used).toFixed(1)}%" data-bg="${b.used >= 1 ? '#e5534b' : b.used >= 0.75 ? '#e5a93b' : '#3fb68b'}"></span></div>` +
      `<div class="row muted"><span>${usd(b.actual_usd)} of ${usd(b.limit_usd)} (${pct(b.used)})</span><span>forecast ${usd(b.forecast_usd)}${b.projected_breach_date ? ' · breach ' + esc(b.projected_breach_date) : ''}</span></div></div>`).join('')
      : '<p class="muted">No budgets configured. Add <code>budgets[]</code> to ~/.tokenops/config.json, e.g. <code>{"name":"team","window":"monthly","limit_usd":500}</code>.</p>';
    applyStyles($('budget-list'));
}

const views = {
  async spend() {
    // Progressive: KPIs and stacked bars paint as soon as spend + series arrive; the forecast (90 days of history) and the
    // budgets are drawn into the same chart when they follow.
    const spendP = api('spend'), seriesP = api('series'), forecastP = api('forecast', { days: 14 }), budgetsP = api('budgets');
    const [spend, series] = await Promise.all([spendP, seriesP]);
    drawSpend(spend, series, null, null);
    const [forecast, budgets] = await Promise.all([forecastP, budgetsP]);
    drawSpend(spend, series, forecast, budgets);
  },

  async tokens() {
    const [spend, series] = await Promise.all([api('spend'), api('series')]);
    const t = spend.totals;
    const served = Number(t.requests) - Number(t.cache_hits);
    kpis($('tokens-kpis'), [
      { id: 'kpi-input', label: 'Input tokens', value: num(t.input_tokens), sub: `${num(t.cached_input_tokens)} cached by the provider` },
      { id: 'kpi-output', label: 'Output tokens', value: num(t.output_tokens), sub: `${num(t.reasoning_tokens)} reasoning` },
      { id: 'kpi-prompt-cache', label: 'Prompt-cache ratio', value: pct(t.input_tokens ? t.cached_input_tokens / t.input_tokens : 0), sub: 'cached / input tokens' },
      { id: 'kpi-hit-ratio', label: 'Response cache hit ratio', value: pct(t.requests ? t.cache_hits / t.requests : 0), sub: `${num(t.cache_hits)} hits · ${num(served)} sent upstream` },
      { id: 'kpi-saved2', label: 'Dollars saved by cache', value: usd(t.saved_usd), sub: 'original cost of every hit' },
    ]);
    const b = series.buckets;
    const ser = [
      { name: 'uncached input', color: '#5b9cf6', values: b.map((x) => x.input_tokens - x.cached_input_tokens) },
      { name: 'cached input', color: '#3fb68b', values: b.map((x) => x.cached_input_tokens) },
      { name: 'output', color: '#e5a93b', values: b.map((x) => x.output_tokens) },
    ];
    stackedBars($('tokens-chart'), { labels: b.map((x) => x.key), series: ser, fmt: num });
    legend($('tokens-legend'), ser);
    stackedBars($('saved-chart'), { labels: b.map((x) => x.key), series: [{ name: 'saved', color: '#3fb68b', values: b.map((x) => x.saved_usd) }], fmt: usd, height: 170 });
  },

  async latency() {
    const r = await api('latency');
    const o = r.overall;
    kpis($('latency-kpis'), [
      { id: 'kpi-p50', label: 'Latency p50', value: ms(o.latency.p50_ms), sub: `${num(o.latency.count)} requests` },
      { id: 'kpi-p95', label: 'Latency p95', value: ms(o.latency.p95_ms), sub: 'p99 ' + ms(o.latency.p99_ms) },
      { id: 'kpi-ttft', label: 'Time to first token p50', value: o.time_to_first_token ? ms(o.time_to_first_token.p50_ms) : '–', sub: o.time_to_first_token ? 'p95 ' + ms(o.time_to_first_token.p95_ms) : 'no streamed requests' },
      { id: 'kpi-max', label: 'Slowest request', value: ms(o.latency.max_ms), sub: `percentiles ±${(r.relative_error * 100).toFixed(1)}%` },
    ]);
    const groups = r.groups.slice(0, 12);
    const metrics = [{ name: 'p50', color: '#3fb68b' }, { name: 'p95', color: '#e5a93b' }, { name: 'p99', color: '#e5534b' }];
    groupedHBars($('latency-chart'), { rows: groups.map((g) => ({ label: `${g.provider}/${g.model}`, values: [g.latency.p50_ms, g.latency.p95_ms, g.latency.p99_ms] })), metrics, fmt: ms });
    legend($('latency-legend'), metrics);
    const withTtft = groups.filter((g) => g.time_to_first_token);
    groupedHBars($('ttft-chart'), { rows: withTtft.map((g) => ({ label: `${g.provider}/${g.model}`, values: [g.time_to_first_token.p50_ms, g.time_to_first_token.p95_ms, g.time_to_first_token.p99_ms] })), metrics, fmt: ms });
    $('latency-table').innerHTML = '<thead><tr><th>provider/model</th><th class="num">requests</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">mean</th><th class="num">TTFT p50</th><th class="num">TTFT p95</th></tr></thead><tbody>' +
      r.groups.map((g) => `<tr><td>${esc(g.provider)}/${esc(g.model)}</td><td class="num">${num(g.latency.count)}</td><td class="num">${ms(g.latency.p50_ms)}</td><td class="num">${ms(g.latency.p95_ms)}</td><td class="num">${ms(g.latency.p99_ms)}</td><td class="num">${ms(g.latency.mean_ms)}</td><td class="num">${g.time_to_first_token ? ms(g.time_to_first_token.p50_ms) : '–'}</td><td class="num">${g.time_to_first_token ? ms(g.time_to_first_token.p95_ms) : '–'}</td></tr>`).join('') + '</tbody>';
  },

  async workflows() {
    const r = await api('workflows', { top: 20 });
    const list = r.workflows;
    const cost = list.reduce((a, w) => a + (Number(w.cost_usd) || 0), 0);
    kpis($('workflows-kpis'), [
      { id: 'kpi-workflows', label: 'Workflows in range', value: num(r.workflow_count), sub: `top ${list.length} shown` },
      { id: 'kpi-wf-cost', label: 'Cost of the top workflows', value: usd(cost), sub: list.length ? `most expensive: ${usd(list[0].cost_usd)}` : '–' },
      { id: 'kpi-wf-steps', label: 'Steps', value: num(list.reduce((a, w) => a + w.steps, 0)), sub: `${num(list.reduce((a, w) => a + w.errors, 0))} failed` },
      { id: 'kpi-wf-peak', label: 'Peak context', value: num(Math.max(0, ...list.map((w) => w.peak_context_tokens))), sub: 'input tokens of the largest step' },
    ]);
    $('workflows-note').textContent = 'click a row for its trace' + (filterLabel() ? ` · numbers count the ${filterLabel()} steps only; a trace shows every step` : '');
    if (!list.length) {
      $('workflows-table').innerHTML = '<tbody><tr><td class="empty-row">No workflows in this range. Requests join a workflow through the <code>X-TokenOps-Workflow-Id</code> or <code>X-TokenOps-Session-Id</code> header, or by continuing the same conversation.</td></tr></tbody>';
      $('trace-card').hidden = true;
      return;
    }
    $('workflows-table').innerHTML = '<thead><tr><th>workflow</th><th>kind</th><th>models</th><th class="num">steps</th><th class="num">tokens in/out</th><th class="num">peak context</th><th class="num">cost</th><th class="num">duration</th></tr></thead><tbody>' +
      list.map((w) => `<tr class="click${w.id === state.trace ? ' sel' : ''}" data-wf="${esc(w.id)}" title="show the trace of ${esc(w.id)}"><td>${esc(w.id)}</td><td class="muted">${esc(w.kind)}</td><td>${esc(w.models.join(', ') || '–')}</td>` +
        `<td class="num">${num(w.steps)}</td><td class="num">${num(w.input_tokens)} / ${num(w.output_tokens)}</td><td class="num">${num(w.peak_context_tokens)}</td>` +
        `<td class="num cost">${w.cost_usd == null ? '–' : usd(w.cost_usd)}</td><td class="num">${dur(w.duration_ms)}</td></tr>`).join('') + '</tbody>';
    $('workflows-table').querySelectorAll('tr[data-wf]').forEach((tr) => tr.addEventListener('click', () => { location.hash = 'workflows/' + encodeURIComponent(tr.dataset.wf); }));
    await showTrace();
  },

  async waste() {
    const r = await api('waste');
    kpis($('waste-kpis'), [
      { id: 'kpi-waste-usd', label: 'Estimated savings', value: usd(r.total_usd_saved), sub: 'if every finding were fixed' },
      { id: 'kpi-waste-tokens', label: 'Tokens that could be saved', value: num(r.total_tokens_saved), sub: '' },
      { id: 'kpi-waste-count', label: 'Findings', value: num(r.findings.length), sub: [...new Set(r.findings.map((f) => f.kind))].length + ' kinds' },
      { id: 'kpi-waste-events', label: 'Requests analysed', value: num(r.events_analysed), sub: 'prompt events in range' + (filterLabel() ? ` (${filterLabel()})` : '') },
    ]);
    $('waste-note').textContent = 'ranked by estimated dollars saved · evidence links open the workflow trace at that step' + (filterLabel() ? ` · only ${filterLabel()} requests analysed` : '');
    if (!r.findings.length) {
      $('waste-list').innerHTML = `<p class="muted empty-row">No waste found in ${num(r.events_analysed)} requests in this range.</p>`;
      return;
    }
    $('waste-list').innerHTML = r.findings.map((f, i) => {
      const shown = f.evidence_event_ids.slice(0, 12);
      const more = f.evidence_event_ids.length - shown.length;
      const evidence = shown.map((id) => f.workflow_id
        ? `<a class="evidence" href="#workflows/${encodeURIComponent(f.workflow_id)}/${encodeURIComponent(id)}" title="step ${esc(id)} in the trace of ${esc(f.workflow_id)}">${esc(shortId(id))}</a>`
        : `<code class="evidence" title="${esc(id)}">${esc(shortId(id))}</code>`).join(' ') + (more > 0 ? ` <span class="muted">+${more} more</span>` : '');
      return `<div class="finding" data-kind="${esc(f.kind)}"><div class="row"><span><span class="rank">${i + 1}</span> <span class="tag sev-${esc(f.severity)}">${esc(f.kind)}</span> ${esc(f.summary)}</span>` +
        `<span class="saved"><span class="cost">${usd(f.estimated_usd_saved)}</span> <span class="muted">· ${num(f.estimated_tokens_saved)} tokens</span></span></div>` +
        (f.details ? `<div class="muted details">${esc(f.details)}</div>` : '') +
        (f.fix ? `<div class="fix"><strong>Fix:</strong> ${esc(f.fix)}</div>` : '') +
        `<div class="muted">${f.workflow_id ? `workflow <a href="#workflows/${encodeURIComponent(f.workflow_id)}">${esc(f.workflow_id)}</a> · ` : ''}${esc([f.provider, f.model].filter(Boolean).join('/'))} · evidence: ${evidence}</div></div>`;
    }).join('');
  },

  async live() { await loadRecent(); },
};

// The filter bar's provider/model for the notes of the workflow and waste views ('anthropic', 'anthropic/claude-…'); '' when off.
function filterLabel() { return [state.provider, state.model].filter(Boolean).join('/'); }
function shortId(id) { return id.length > 12 ? '…' + id.slice(-8) : id; }

/** The trace of state.trace (if any) under the workflow table: context-growth chart and one row per step. */
async function showTrace() {
  const card = $('trace-card');
  if (!state.trace) { card.hidden = true; return; }
  card.hidden = false;
  let t;
  try {
    t = await api('trace', { id: state.trace });
  } catch (err) {
    $('trace-title').textContent = state.trace;
    $('trace-sub').textContent = '';
    $('trace-chart').innerHTML = `<p class="err">${esc(err.message)}</p>`;
    $('trace-legend').innerHTML = '';
    $('trace-table').innerHTML = '';
    return;
  }
  const s = t.summary;
  $('trace-title').textContent = `Trace of ${s.id}`;
  $('trace-sub').textContent = `${s.kind} · ${s.steps} steps · ${usd(s.cost_usd)} · context ${num(t.steps[0].input_tokens)} → ${num(t.steps[t.steps.length - 1].input_tokens)} tokens` +
    (t.context_growth_factor != null ? ` (×${t.context_growth_factor})` : '') + ` · ${dur(s.duration_ms)}`;
  contextChart($('trace-chart'), t.steps);
  legend($('trace-legend'), [{ name: 'input tokens per step (context)', color: '#5b9cf6' }, { name: 'of which cached', color: '#3fb68b' }]);
  $('trace-table').innerHTML = '<thead><tr><th class="num">#</th><th>time</th><th>model</th><th class="num">in</th><th class="num">out</th><th class="num">cached</th><th class="num">context Δ</th><th class="num">latency</th><th class="num">cost</th><th>cache hit</th><th>status</th></tr></thead><tbody>' +
    t.steps.map((st) => {
      const delta = st.context_delta == null ? '–' : (st.context_delta > 0 ? '+' : '') + num(st.context_delta);
      return `<tr id="step-${esc(st.event_id)}" class="${st.event_id === state.focus ? 'sel' : ''}" title="event ${esc(st.event_id)}"><td class="num">${st.index}</td><td>${esc(clock(st.timestamp))} <span class="muted">+${dur(st.offset_ms)}</span></td><td>${esc(st.model || '–')}</td>` +
        `<td class="num">${num(st.input_tokens)}</td><td class="num">${num(st.output_tokens)}</td><td class="num">${num(st.cached_input_tokens)}</td><td class="num">${delta}</td>` +
        `<td class="num">${ms(st.latency_ms)}</td><td class="num">${st.cost_usd == null ? '–' : usd(st.cost_usd)}</td><td>${st.cache_hit ? 'hit' : ''}</td>` +
        `<td class="${st.error ? 'err' : ''}">${esc(st.error || String(st.status_code))}${st.finish_reason && !st.error ? ' <span class="muted">' + esc(st.finish_reason) + '</span>' : ''}</td></tr>`;
    }).join('') + '</tbody>';
  const focused = state.focus && document.getElementById('step-' + state.focus);
  if (focused) focused.scrollIntoView({ block: 'center' });
  // A finding's evidence can span workflows (e.g. oversized_context names the first one): say so instead of failing silently.
  else if (state.focus) $('trace-sub').textContent += ` · event ${shortId(state.focus)} is not a step of this workflow`;
}

function clock(ts) {
  const t = new Date(ts), pad = (v) => String(v).padStart(2, '0');
  return `${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

/** Context growth: input tokens per step as an area + line (cached share as a second area), one point per step. */
function contextChart(el, steps) {
  const h = 220, n = steps.length;
  const max = niceMax(Math.max(1, ...steps.map((st) => Number(st.input_tokens) || 0)));
  const plotW = W - PAD.l - PAD.r, plotH = h - PAD.t - PAD.b;
  const x = (i) => PAD.l + (n === 1 ? plotW / 2 : (plotW * i) / (n - 1));
  const y = (v) => PAD.t + plotH * (1 - (Number(v) || 0) / max);
  const line = (key) => steps.map((st, i) => (i ? 'L' : 'M') + x(i).toFixed(1) + ',' + y(st[key]).toFixed(1)).join('');
  const area = (key) => line(key) + `L${x(n - 1).toFixed(1)},${y(0)}L${x(0).toFixed(1)},${y(0)}Z`;
  let s = `<svg viewBox="0 0 ${W} ${h}" role="img" class="chart-svg context-chart" data-points="${n}">` + axes(max, num, h);
  s += `<path d="${area('input_tokens')}" fill="#5b9cf6" fill-opacity="0.18"/><path d="${area('cached_input_tokens')}" fill="#3fb68b" fill-opacity="0.35"/>`;
  s += `<path class="context-line" d="${line('input_tokens')}" fill="none" stroke="#5b9cf6" stroke-width="2"/>`;
  steps.forEach((st, i) => {
    const tip = `step ${st.index} · ${st.model || ''}\ninput: ${num(st.input_tokens)} (cached ${num(st.cached_input_tokens)})\ncontext Δ: ${st.context_delta == null ? '–' : num(st.context_delta)}\nout: ${num(st.output_tokens)} · ${st.cost_usd == null ? '–' : usd(st.cost_usd)} · ${ms(st.latency_ms)}`;
    s += `<circle class="step${st.event_id === state.focus ? ' focus' : ''}" cx="${x(i).toFixed(1)}" cy="${y(st.input_tokens).toFixed(1)}" r="${st.event_id === state.focus ? 6 : 3.5}" fill="${st.error ? '#e5534b' : '#5b9cf6'}" data-tip="${esc(tip)}"/>`;
  });
  const every = Math.max(1, Math.ceil(n / 20));
  for (let i = 0; i < n; i += every) s += `<text x="${x(i).toFixed(1)}" y="${h - 10}" text-anchor="middle">${steps[i].index}</text>`;
  el.innerHTML = s + '</svg>';
}

// ---------- live feed (server-sent events: one connection, no polling) ----------
const seen = new Set();
function liveRow(e, fresh) {
  if (seen.has(e.id)) return null;
  seen.add(e.id);
  const tr = document.createElement('tr');
  if (fresh) tr.className = 'fresh';
  tr.dataset.id = e.id;
  const t = new Date(e.timestamp), pad = (v) => String(v).padStart(2, '0');
  const clock = `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
  const when = t.toDateString() === new Date().toDateString() ? clock : `${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${clock}`;
  const status = e.proxy_error ? e.proxy_error : e.cache_hit ? 'cache hit' : String(e.status_code);
  tr.innerHTML = `<td>${esc(when)}</td><td>${esc(e.provider)}</td><td>${esc(e.model || '–')}</td><td>${esc(e.operation)}${e.stream ? ' ⇶' : ''}</td>` +
    `<td class="num">${num(e.input_tokens)}</td><td class="num">${num(e.cached_input_tokens)}</td><td class="num">${num(e.output_tokens)}</td><td class="num">${e.cost_usd == null ? '–' : usd(e.cost_usd)}</td>` +
    `<td class="num">${ms(e.latency_ms)}</td><td class="${e.status_code >= 400 || e.proxy_error ? 'err' : ''}">${esc(status)}</td>`;
  return tr;
}
async function loadRecent() {
  const body = $('live-table').tBodies[0];
  try {
    const rows = await api('events', { limit: 50, since: '90d' });
    for (const e of rows.slice().reverse()) { const tr = liveRow(e, false); if (tr) body.prepend(tr); }
  } catch (err) {
    if (err.code !== 'no_store') $('live-status').textContent = err.message;
  }
}
function connectLive() {
  const source = new EventSource('/api/dashboard/live');
  source.onopen = () => { $('live-dot').classList.add('on'); $('live-status').textContent = 'connected · newest first'; };
  source.onerror = () => { $('live-dot').classList.remove('on'); $('live-status').textContent = 'reconnecting…'; };
  source.addEventListener('prompt', (m) => {
    const e = JSON.parse(m.data);
    const tr = liveRow(e, true);
    if (!tr) return;
    const body = $('live-table').tBodies[0];
    body.prepend(tr);
    while (body.rows.length > 200) body.deleteRow(body.rows.length - 1);
    cache.clear(); // new data: the next view switch or filter change refetches (no timer, no polling)
    // The first real event turns the empty state into the views. The store sink commits its batch in parallel with
    // this feed, so look again shortly after (two bounded retries, not a polling loop).
    if (isEmpty()) { setTimeout(refreshMeta, 300); setTimeout(() => { if (isEmpty()) refreshMeta(); }, 1500); }
  });
}

// ---------- shell ----------
function showBanner(text) { const b = $('banner'); b.hidden = !text; b.textContent = text || ''; }

function fillModels() {
  const sel = $('model'), keep = state.model;
  const models = (state.meta?.models || []).filter((m) => !state.provider || m.provider === state.provider);
  sel.innerHTML = '<option value="">all</option>' + [...new Set(models.map((m) => m.model))].map((m) => `<option>${esc(m)}</option>`).join('');
  sel.value = models.some((m) => m.model === keep) ? keep : '';
  state.model = sel.value;
}

function isEmpty() {
  const m = state.meta;
  return !m || !m.store_exists || (!m.has_real_events && !(m.has_demo_events && state.demo));
}

async function render() {
  const gen = ++state.gen;
  document.querySelectorAll('#tabs a').forEach((a) => a.classList.toggle('on', a.dataset.view === state.view));
  const empty = isEmpty() && state.view !== 'live';
  $('empty').hidden = !empty;
  document.querySelectorAll('section.view[data-view]').forEach((s) => { s.hidden = empty || s.dataset.view !== state.view; });
  if (empty) return;
  const section = $('view-' + state.view);
  section.classList.add('loading');
  try {
    await views[state.view]();
  } catch (err) {
    if (gen !== state.gen) return;
    if (err.code === 'no_store') { $('empty').hidden = false; section.hidden = true; return; }
    section.insertAdjacentHTML('afterbegin', `<div class="card err">Could not load: ${esc(err.message)}</div>`);
  } finally {
    section.classList.remove('loading');
    section.dataset.rendered = String(gen);
    document.body.dataset.rendered = state.view;
  }
}

async function loadMeta() {
  const meta = await fetch('/api/dashboard/meta', { credentials: 'same-origin' }).then((r) => r.json());
  state.meta = meta;
  const providers = [...new Set(meta.models.map((m) => m.provider))];
  $('provider').innerHTML = '<option value="">all</option>' + providers.map((p) => `<option>${esc(p)}</option>`).join('');
  $('provider').value = providers.includes(state.provider) ? state.provider : '';
  state.provider = $('provider').value;
  fillModels();
  return meta;
}
let refreshing = null;
function refreshMeta() {
  refreshing ??= loadMeta().then(() => render()).finally(() => { refreshing = null; });
}

// #view, or #workflows/<workflow id>[/<event id>]: the trace of a workflow, optionally with one step highlighted
// (what the waste view's evidence links point at).
function route() {
  const [v, id, event] = location.hash.slice(1).split('/');
  if (!views[v]) return false;
  state.view = v;
  if (v === 'workflows' && id) {
    state.trace = decodeURIComponent(id);
    state.focus = event ? decodeURIComponent(event) : null;
  }
  return true;
}

async function start() {
  route();
  const metaP = loadMeta();
  // Most stores hold real traffic: start the default view's queries while the catalog is read (they land in the cache).
  if (state.view === 'spend' || state.view === 'tokens') { api('spend').catch(() => {}); api('series').catch(() => {}); }
  const meta = await metaP;
  $('version').textContent = 'v' + meta.version;
  $('setup-lines').textContent = meta.setup_lines.join('\n') + '\n\n# or, to try the dashboard without traffic:\ntokenops demo';
  $('store-path').textContent = 'Store: ' + meta.store_path + (meta.storage_enabled ? '' : ' (storage is off in this daemon)');
  if (!meta.has_real_events && meta.has_demo_events) {
    state.demo = true;
    $('demo').checked = true;
    showBanner('Showing demo data written by `tokenops demo` (no real traffic recorded yet). Untick "demo data" to hide it.');
  }
  $('range').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    state.range = b.dataset.range;
    $('range').querySelectorAll('button').forEach((x) => x.classList.toggle('on', x === b));
    render();
  });
  $('provider').addEventListener('change', (e) => { state.provider = e.target.value; fillModels(); render(); });
  $('model').addEventListener('change', (e) => { state.model = e.target.value; render(); });
  $('demo').addEventListener('change', (e) => { state.demo = e.target.checked; showBanner(''); render(); });
  window.addEventListener('hashchange', () => { if (route()) render(); });
  document.querySelectorAll('.copy').forEach((b) => b.addEventListener('click', () => navigator.clipboard?.writeText($(b.dataset.copy).textContent)));

  const tip = $('tooltip');
  document.addEventListener('mousemove', (e) => {
    const t = e.target.closest && e.target.closest('[data-tip]');
    if (!t) { tip.hidden = true; return; }
    tip.textContent = t.dataset.tip;
    tip.hidden = false;
    tip.style.left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + 'px';
    tip.style.top = (e.clientY + 14) + 'px';
  });

  connectLive();
  await render();
}

start().catch((err) => { document.body.insertAdjacentHTML('beforeend', `<p class="err">Dashboard failed to start: ${esc(err.message)}</p>`); });
