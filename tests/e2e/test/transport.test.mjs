// Transport behaviour every SDK relies on: gzip-compressed upstream responses (JSON and SSE) still
// reach the SDK intact, and a client that walks away mid-stream makes the upstream see the disconnect
// (through the proxy: the forwarder cancels the upstream request instead of reading the stream to
// the end on nobody's behalf).

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { FullText } from '../lib/fixtures.mjs';
import { Keys, plain, startTarget } from '../lib/harness.mjs';

describe('transport: gzip and client aborts', () => {
  let target;
  let openai;
  let anthropic;
  let ai;

  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target?.stop();
  });
  beforeEach(() => {
    target.fake.reset();
    openai = new OpenAI({ apiKey: Keys.openai, baseURL: target.openaiBase, maxRetries: 0, timeout: 20_000 });
    anthropic = new Anthropic({ apiKey: Keys.anthropic, baseURL: target.anthropicBase, maxRetries: 0, timeout: 20_000 });
    ai = new GoogleGenAI({ apiKey: Keys.gemini, httpOptions: { baseUrl: target.geminiBase, timeout: 20_000 } });
  });

  const messages = [{ role: 'user', content: 'hi' }];

  test('gzip JSON and gzip SSE from the upstream reach every SDK intact', async (t) => {
    target.fake.setScenario('gzip');

    const chat = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.deepEqual(plain(chat), target.fake.lastResponse().body);
    const chunks = [];
    for await (const c of await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } })) {
      chunks.push(plain(c));
    }
    assert.deepEqual(chunks, target.fake.lastResponse().events.filter((e) => e.data !== '[DONE]').map((e) => e.data));

    const msg = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages });
    assert.deepEqual(plain(msg), target.fake.lastResponse().body);
    const final = await anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages }).finalMessage();
    assert.equal(final.content[0].text, FullText);
    assert.deepEqual(plain(final.usage), target.fake.lastResponse().usage);

    const g = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    assert.equal(g.text, FullText);
    assert.deepEqual(plain(g.usageMetadata), target.fake.lastResponse().body.usageMetadata);
    let text = '';
    for await (const c of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' })) text += c.text;
    assert.equal(text, FullText);

    // Which legs were compressed: informative (the proxy may choose to ask the upstream for identity).
    t.diagnostic(`upstream encodings: ${target.fake.responses.map((r) => r.encoding).join(', ')}`);
    assert.equal(target.fake.responses.length, 6);
  });

  test('client aborting an OpenAI stream mid-way: the upstream sees the disconnect', async () => {
    target.fake.setScenario('delayed', { gapMs: 100 });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let n = 0;
    for await (const _ of stream) {
      if (++n === 2) break; // breaking out of the iterator aborts the SDK's request
    }
    await expectUpstreamAbort(target.fake);
  });

  test('client aborting an Anthropic stream mid-way: the upstream sees the disconnect', async () => {
    target.fake.setScenario('delayed', { gapMs: 100 });
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, messages });
    let n = 0;
    for await (const _ of stream) {
      if (++n === 2) {
        stream.abort();
        break;
      }
    }
    await expectUpstreamAbort(target.fake);
  });

  test('client aborting a Gemini stream mid-way: the upstream sees the disconnect', async () => {
    target.fake.setScenario('delayed', { gapMs: 100 });
    const controller = new AbortController();
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi', config: { abortSignal: controller.signal } });
    let n = 0;
    try {
      for await (const _ of stream) {
        if (++n === 2) controller.abort();
      }
    } catch (err) {
      assert.ok(controller.signal.aborted, `unexpected error before the abort: ${err}`);
    }
    await expectUpstreamAbort(target.fake);
  });
});

/** The fake's stream must end as aborted (not completed) well before it would have finished. */
async function expectUpstreamAbort(fake) {
  const deadline = Date.now() + 3_000;
  const entry = fake.lastResponse();
  assert.ok(entry, 'the fake received no request');
  while (!entry.aborted && !entry.done && Date.now() < deadline) await sleep(20);
  assert.equal(entry.done, false, `the upstream stream ran to completion (${entry.events.length} events) although the client left after 2`);
  assert.equal(entry.aborted, true, 'the upstream did not see the client go away within 3 s');
  assert.ok(entry.events.length < 6, `the upstream kept sending after the client left: ${entry.events.length} events`);
}
