// Issue [B]: with the store enabled, every request through the proxy becomes one stored event with
// exactly the usage the upstream reported (normalised), readable with `tokenops events --json`, and no
// API key ever reaches the database (or anything else under TOKENOPS_HOME).
//
// Skipped in E2E_DIRECT mode (there is no daemon) and, with a clear message, when the binary does not
// have `tokenops events` yet.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Direct, Keys, WorkflowHeader, startTarget } from '../lib/harness.mjs';

const Workflow = 'wf-e2e-store';

/** The normalised usage TokenOps must store for what the fake reported (see PromptEvent remarks). */
export function expectedUsage(provider, operation, usage) {
  if (provider === 'openai' && operation === 'chat') {
    return {
      input_tokens: usage.prompt_tokens,
      output_tokens: usage.completion_tokens,
      cached_input_tokens: usage.prompt_tokens_details.cached_tokens,
      reasoning_tokens: usage.completion_tokens_details.reasoning_tokens,
    };
  }
  if (provider === 'openai' && operation === 'responses') {
    return {
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cached_input_tokens: usage.input_tokens_details.cached_tokens,
      reasoning_tokens: usage.output_tokens_details.reasoning_tokens,
    };
  }
  if (provider === 'anthropic') {
    // Anthropic's input_tokens excludes cache reads and writes; the normalised input includes both.
    return {
      input_tokens: usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
      output_tokens: usage.output_tokens,
      cached_input_tokens: usage.cache_read_input_tokens,
      cache_write_input_tokens: usage.cache_creation_input_tokens,
      cache_write5m_input_tokens: usage.cache_creation.ephemeral_5m_input_tokens,
    };
  }
  if (provider === 'gemini') {
    // candidatesTokenCount excludes thinking; the normalised output includes it.
    return {
      input_tokens: usage.promptTokenCount,
      output_tokens: usage.candidatesTokenCount + usage.thoughtsTokenCount,
      cached_input_tokens: usage.cachedContentTokenCount,
      reasoning_tokens: usage.thoughtsTokenCount,
    };
  }
  throw new Error(`no expectation for ${provider}/${operation}`);
}

/** Accepts a JSON array, {events:[…]}, or JSON lines; unwraps envelopes ({payload}). */
export function parseEvents(stdout) {
  const text = stdout.trim();
  if (text === '') return [];
  let items;
  try {
    const doc = JSON.parse(text);
    items = Array.isArray(doc) ? doc : Array.isArray(doc.events) ? doc.events : [doc];
  } catch {
    items = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  }
  return items.map((it) => (it && typeof it.payload === 'object' && it.payload !== null ? { ...it.payload, _envelope: it } : it));
}

// Field names: snake_case of PromptEvent; tolerate the digit spelling of the 5m field both ways.
function field(ev, name) {
  if (name in ev) return ev[name];
  if (name === 'cache_write5m_input_tokens') return ev.cache_write_5m_input_tokens;
  return undefined;
}

describe('store: events carry the exact upstream usage, keys never stored', { skip: Direct && 'E2E_DIRECT=1: no daemon, nothing stored' }, () => {
  let target;
  const calls = [];

  before(async () => {
    if (Direct) return;
    target = await startTarget({ storage: true, keepHome: true });
    const openai = new OpenAI({ apiKey: Keys.openai, baseURL: target.openaiBase, maxRetries: 0, defaultHeaders: { [WorkflowHeader]: Workflow } });
    const anthropic = new Anthropic({ apiKey: Keys.anthropic, baseURL: target.anthropicBase, maxRetries: 0, defaultHeaders: { [WorkflowHeader]: Workflow } });
    const ai = new GoogleGenAI({ apiKey: Keys.gemini, httpOptions: { baseUrl: target.geminiBase, headers: { [WorkflowHeader]: Workflow } } });
    const record = (stream) => {
      const r = target.fake.lastResponse();
      assert.equal(r.status, 200);
      calls.push({ ...r, stream });
    };

    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    record(false);
    for await (const _ of await openai.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true },
    })) { /* drain */ }
    record(true);
    await openai.responses.create({ model: 'gpt-4.1', input: 'hi' });
    record(false);
    for await (const _ of await openai.responses.create({ model: 'gpt-4.1', input: 'hi', stream: true })) { /* drain */ }
    record(true);

    await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    record(false);
    await anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    record(true);

    await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    record(false);
    for await (const _ of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' })) { /* drain */ }
    record(true);
  });

  after(async () => {
    if (!target) return;
    try {
      await target.stop();
    } finally {
      target.daemon.removeHome();
    }
  });

  /** Runs `tokenops events --json`; skips the test when the binary has no such command yet. */
  function eventsOrSkip(t) {
    const r = target.daemon.cli(['events', '--json']);
    if (r.code !== 0) {
      t.skip(`\`tokenops events --json\` exited ${r.code} — the binary lacks issue [B]'s events command yet:\n${r.stderr || r.stdout}`);
      return null;
    }
    return parseEvents(r.stdout);
  }

  function assertStored(events) {
    for (const call of calls) {
      const matches = events.filter((e) => e.response_id === call.id);
      assert.equal(matches.length, 1, `expected exactly one stored event with response_id ${call.id} (${call.provider}/${call.operation}); got ${matches.length}`);
      const ev = matches[0];
      assert.equal(ev.provider, call.provider);
      assert.equal(ev.stream, call.stream, `stream flag of ${call.id}`);
      assert.equal(ev.status_code, 200);
      assert.equal(ev.usage_source, 'provider', `usage_source of ${call.id}`);
      assert.equal(ev.workflow_id, Workflow, `workflow_id of ${call.id}`);
      const want = expectedUsage(call.provider, call.operation, call.usage);
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, field(ev, k)]));
      assert.deepEqual(got, want, `usage of ${call.provider}/${call.operation} stream=${call.stream} (${call.id})`);
    }
  }

  test('events --json (daemon running) lists every call with the exact usage', async (t) => {
    // Events reach the store asynchronously (bus batch window): poll briefly.
    let events = eventsOrSkip(t);
    if (!events) return;
    const deadline = Date.now() + 10_000;
    while (calls.some((c) => !events.some((e) => e.response_id === c.id)) && Date.now() < deadline) {
      await sleep(200);
      events = eventsOrSkip(t);
      if (!events) return;
    }
    assertStored(events);
  });

  test('after SIGTERM the store still has every event (graceful flush)', async (t) => {
    const code = await target.daemon.stop();
    assert.equal(code, 0, `tokenops exited ${code} after SIGTERM:\n${target.daemon.output}`);
    const events = eventsOrSkip(t);
    if (!events) return;
    assertStored(events);
  });

  test('no API key appears in any file under TOKENOPS_HOME (db, wal, logs)', async (t) => {
    await target.daemon.stop();
    const files = [];
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) files.push(p);
      }
    };
    walk(target.daemon.home);
    const dbFiles = files.filter((f) => /\.db(-wal|-shm)?$/.test(f));
    if (dbFiles.length === 0) {
      t.skip(`no database file under ${target.daemon.home} — the binary lacks issue [B]'s store yet (files: ${files.join(', ') || 'none'})`);
      return;
    }
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      for (const [provider, key] of Object.entries(Keys)) {
        assert.equal(bytes.indexOf(key), -1, `${provider} API key found in ${f}`);
        // Also the distinctive tail alone (a key could be stored split or prefixed differently).
        assert.equal(bytes.indexOf(key.slice(-16)), -1, `part of the ${provider} API key found in ${f}`);
      }
    }
    t.diagnostic(`searched ${files.length} files: ${files.map((f) => `${path.basename(f)} (${fs.statSync(f).size} B)`).join(', ')}`);
  });
});
