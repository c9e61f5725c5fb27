// Failures the proxy itself produces must look like the provider's own errors, so every SDK raises its
// normal exception: upstream unreachable → 502, upstream stalled → 504, unknown prefix → JSON 404.
// Only meaningful through the daemon; skipped with E2E_DIRECT=1.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import { freePort } from '../lib/daemon.mjs';
import { Direct, Keys, rejection, startTarget } from '../lib/harness.mjs';

const messages = [{ role: 'user', content: 'hi' }];

describe('proxy errors in the provider shapes', { skip: Direct && 'E2E_DIRECT=1: no proxy' }, () => {
  let down; // every provider points at a closed port
  let stalled; // every provider points at the fake, which never answers; first_byte = 1s

  before(async () => {
    if (Direct) return;
    const closed = `http://127.0.0.1:${await freePort()}`;
    down = await startTarget({
      env: {
        TOKENOPS_PROVIDERS_OPENAI_URL: closed,
        TOKENOPS_PROVIDERS_ANTHROPIC_URL: closed,
        TOKENOPS_PROVIDERS_GEMINI_URL: closed,
        TOKENOPS_TIMEOUTS_CONNECT: '2s',
      },
    });
    stalled = await startTarget({ env: { TOKENOPS_TIMEOUTS_FIRST_BYTE: '1s' } });
    stalled.fake.setScenario('stall');
  });
  after(async () => {
    await down?.stop();
    await stalled?.stop();
  });

  const clients = (t) => ({
    openai: new OpenAI({ apiKey: Keys.openai, baseURL: t.openaiBase, maxRetries: 0, timeout: 20_000 }),
    anthropic: new Anthropic({ apiKey: Keys.anthropic, baseURL: t.anthropicBase, maxRetries: 0, timeout: 20_000 }),
    ai: new GoogleGenAI({ apiKey: Keys.gemini, httpOptions: { baseUrl: t.geminiBase, timeout: 20_000 } }),
  });

  for (const [name, status] of [['down', 502], ['stalled', 504]]) {
    test(`upstream ${name} → ${status}: OpenAI SDK raises APIError with an OpenAI-shaped body`, async () => {
      const target = name === 'down' ? down : stalled;
      const err = await rejection(clients(target).openai.chat.completions.create({ model: 'gpt-4o-mini', messages }));
      assert.ok(err instanceof OpenAI.APIError, `expected OpenAI.APIError, got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.status, status);
      assert.equal(typeof err.error?.message, 'string', `OpenAI error shape {"error":{"message",…}}: ${JSON.stringify(err.error)}`);
      assert.ok(err.error.message.length > 0);
      assert.equal(typeof err.error.type, 'string');
    });

    test(`upstream ${name} → ${status}: Anthropic SDK raises APIError with an Anthropic-shaped body`, async () => {
      const target = name === 'down' ? down : stalled;
      const err = await rejection(clients(target).anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 16, messages }));
      assert.ok(err instanceof Anthropic.APIError, `expected Anthropic.APIError, got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.status, status);
      assert.equal(err.error?.type, 'error', `Anthropic error shape {"type":"error","error":{…}}: ${JSON.stringify(err.error)}`);
      assert.equal(typeof err.error.error?.type, 'string');
      assert.equal(typeof err.error.error?.message, 'string');
    });

    test(`upstream ${name} → ${status}: Gemini SDK raises ApiError with a Google-shaped body`, async () => {
      const target = name === 'down' ? down : stalled;
      const err = await rejection(clients(target).ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }));
      assert.ok(err instanceof ApiError, `expected ApiError, got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.status, status);
      const body = JSON.parse(err.message);
      assert.equal(body.error?.code, status, `Gemini error shape {"error":{"code","message","status"}}: ${err.message}`);
      assert.equal(typeof body.error.message, 'string');
      assert.equal(typeof body.error.status, 'string');
    });
  }

  test('stalled upstream: the proxy gave up on the upstream request (the fake saw it go away)', async () => {
    const entries = stalled.fake.responses;
    assert.ok(entries.length >= 3, `expected the three stalled calls at the fake, saw ${entries.length}`);
    // The proxy answers 504 first and tears the upstream connection down right after: allow it a moment.
    const deadline = Date.now() + 3_000;
    while (!entries.every((e) => e.aborted) && Date.now() < deadline) await sleep(20);
    assert.ok(entries.every((e) => e.stalled && e.aborted), 'every stalled upstream request was abandoned by the proxy within 3 s');
  });

  test('unknown prefix → JSON 404 from the proxy, nothing forwarded', async () => {
    const before = down.fake.requests.length;
    const res = await fetch(`${down.daemon.url}/nope/v1/chat/completions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = await res.json();
    assert.ok(body && typeof body === 'object', 'a JSON body');
    assert.equal(down.fake.requests.length, before);
  });
});
