// `tokenops serve` driven by the official MCP TypeScript client (@modelcontextprotocol/sdk, StdioClientTransport)
// spawning the real binary against a demo store. Every tool is called; the structured results must equal what the
// CLI prints with --json for the same query (modulo the "now" each run computes its range from).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { tokenopsBin, freePort } from '../lib/daemon.mjs';

const bin = tokenopsBin();

describe('tokenops serve (MCP over stdio, official TypeScript client)', () => {
  let home;
  let env;
  let client;

  const cli = (...args) => {
    const r = spawnSync(bin, args, { env, encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 0, `tokenops ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenops-mcp-'));
    // A port nothing listens on: tools must work without a daemon.
    env = { ...process.env, TOKENOPS_HOME: home, TOKENOPS_LISTEN: `127.0.0.1:${await freePort()}` };
    cli('demo', '--days', '10');
    client = new Client({ name: 'tokenops-e2e', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: bin, args: ['serve'], env, stderr: 'pipe' }));
  });

  after(async () => {
    await client?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('initializes and lists tokenops_* tools with object schemas', async () => {
    assert.equal(client.getServerVersion().name, 'tokenops');
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    for (const expected of ['tokenops_spend_summary', 'tokenops_top_consumers', 'tokenops_burn_rate', 'tokenops_forecast', 'tokenops_budget_status',
      'tokenops_events', 'tokenops_workflow_trace', 'tokenops_waste_findings', 'tokenops_coach', 'tokenops_optimize_prompt',
      'tokenops_count_tokens', 'tokenops_cache_stats', 'tokenops_replay', 'tokenops_status']) {
      assert.ok(names.includes(expected), `missing ${expected} in ${names}`);
    }
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object', t.name);
      assert.equal(t.outputSchema.type, 'object', t.name);
    }
  });

  it('spend_summary equals `tokenops spend --json` for the same query', async () => {
    const r = await client.callTool({ name: 'tokenops_spend_summary', arguments: { since: '30d', include_demo: true, by: 'model' } });
    assert.notEqual(r.isError, true, JSON.stringify(r.content));
    const fromCli = JSON.parse(cli('spend', '--since', '30d', '--include-demo', '--by', 'model', '--json'));
    const s = r.structuredContent;
    assert.deepEqual(s.totals, fromCli.totals);
    assert.deepEqual(s.groups, fromCli.groups);
    assert.deepEqual(s.daily, fromCli.daily);
    assert.ok(s.totals.requests > 0);
  });

  it('top_consumers, forecast, budget_status, waste_findings, coach match the CLI', async () => {
    const top = await client.callTool({ name: 'tokenops_top_consumers', arguments: { by: 'workflow', top: 3, include_demo: true, since: '30d' } });
    const topCli = JSON.parse(cli('spend', '--by', 'workflow', '--top', '3', '--include-demo', '--since', '30d', '--json'));
    assert.deepEqual(top.structuredContent.groups, topCli.groups);

    const fc = await client.callTool({ name: 'tokenops_forecast', arguments: { days: 14, include_demo: true } });
    const fcCli = JSON.parse(cli('forecast', '--days', '14', '--include-demo', '--json'));
    assert.deepEqual(fc.structuredContent.forecast ?? fc.structuredContent.days, fcCli.forecast ?? fcCli.days);

    const budget = await client.callTool({ name: 'tokenops_budget_status', arguments: {} });
    assert.notEqual(budget.isError, true);
    const { at: _a, ...budgetMcp } = budget.structuredContent;
    const { at: _b, ...budgetCli } = JSON.parse(cli('budget', '--json'));
    assert.deepEqual(budgetMcp, budgetCli);

    const waste = await client.callTool({ name: 'tokenops_waste_findings', arguments: { since: '30d', include_demo: true } });
    assert.notEqual(waste.isError, true, JSON.stringify(waste.content));
    const wasteCli = JSON.parse(cli('waste', '--since', '30d', '--include-demo', '--json'));
    assert.deepEqual(waste.structuredContent.findings, wasteCli.findings);

    const coach = await client.callTool({ name: 'tokenops_coach', arguments: { since: '30d', include_demo: true } });
    assert.notEqual(coach.isError, true, JSON.stringify(coach.content));
  });

  it('events, burn_rate, count_tokens, optimize_prompt, replay, status, cache_stats answer', async () => {
    const events = await client.callTool({ name: 'tokenops_events', arguments: { since: '30d', limit: 5 } });
    assert.equal(events.structuredContent.events.length, 5);
    const eventsCli = JSON.parse(cli('events', '--since', '30d', '--limit', '5', '--json'));
    assert.deepEqual(events.structuredContent.events, eventsCli);

    const burn = await client.callTool({ name: 'tokenops_burn_rate', arguments: { include_demo: true } });
    assert.equal(typeof burn.structuredContent.usd_per_hour, 'number');

    const count = await client.callTool({ name: 'tokenops_count_tokens', arguments: { model: 'gpt-4o', text: 'hello world' } });
    assert.equal(count.structuredContent.tokens, 2);
    assert.equal(count.structuredContent.exact, true);

    const opt = await client.callTool({ name: 'tokenops_optimize_prompt', arguments: { provider: 'openai', model: 'gpt-4o', prompt: 'Hello   there.\n\n\n\nPlease    summarise   this.' } });
    assert.notEqual(opt.isError, true, JSON.stringify(opt.content));

    const replay = await client.callTool({ name: 'tokenops_replay', arguments: { limit: 5 } });
    assert.ok(replay.content[0].text.length > 0);

    const status = await client.callTool({ name: 'tokenops_status', arguments: {} });
    assert.equal(status.structuredContent.daemon_running, false);
    assert.ok(status.structuredContent.store.total_events > 0);

    const cache = await client.callTool({ name: 'tokenops_cache_stats', arguments: {} });
    assert.equal(cache.isError, true);
    assert.match(cache.content[0].text, /not running/);
  });

  it('bad input: unknown tool is a protocol error; wrong types and missing arguments are tool errors', async () => {
    await assert.rejects(() => client.callTool({ name: 'tokenops_nope', arguments: {} }), /Unknown tool/);
    const wrongType = await client.callTool({ name: 'tokenops_count_tokens', arguments: { model: 42, text: 'x' } });
    assert.equal(wrongType.isError, true);
    assert.match(wrongType.content[0].text, /must be a string/);
    const missing = await client.callTool({ name: 'tokenops_workflow_trace', arguments: {} });
    assert.equal(missing.isError, true);
    assert.match(missing.content[0].text, /Missing required argument 'id'/);
  });

  it('a garbage line on stdin does not kill the server', async () => {
    const child = spawn(bin, ['serve'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stdin.write('this is not json\n');
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) + '\n');
    const deadline = Date.now() + 15000;
    while (!out.includes('"id":1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.stdin.end();
    child.kill('SIGTERM');
    assert.match(out, /"id":1/);
    assert.match(out, /"serverInfo"/);
    // stdout carries protocol messages only.
    for (const line of out.split('\n').filter((l) => l.trim())) JSON.parse(line);
  });
});
