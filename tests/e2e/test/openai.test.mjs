// The official `openai` SDK through TokenOps (or straight at the fake with E2E_DIRECT=1).

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import { FullText } from '../lib/fixtures.mjs';
import { Keys, WorkflowHeader, assertForwarded, plain, recordingFetch, rejection, startTarget } from '../lib/harness.mjs';

describe(`openai SDK ${OpenAI.VERSION ?? ''}`.trim(), () => {
  let target;
  let rec;
  let client;

  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target?.stop();
  });
  beforeEach(() => {
    target.fake.reset();
    rec = recordingFetch();
    client = new OpenAI({
      apiKey: Keys.openai,
      baseURL: target.openaiBase,
      maxRetries: 0,
      timeout: 20_000,
      fetch: rec,
      // All four attribution headers: the proxy consumes them, none may reach the upstream.
      defaultHeaders: {
        [WorkflowHeader]: 'wf-e2e-openai',
        'X-TokenOps-Agent-Id': 'agent-e2e',
        'X-TokenOps-Session-Id': 'session-e2e',
        'X-TokenOps-User-Id': 'user-e2e',
      },
    });
  });

  const messages = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say hello. Ünïcödé in the prompt: 你好 🙂' },
  ];

  function assertChatForwarded() {
    assert.equal(target.fake.requests.length, 1, 'exactly one upstream request');
    assertForwarded(target, rec.sent[0], target.fake.requests[0], {
      path: '/v1/chat/completions',
      authHeader: 'authorization',
      authValue: `Bearer ${Keys.openai}`,
    });
  }

  test('chat completion returns exactly what the upstream sent', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 64 }).withResponse();
    const sent = target.fake.lastResponse();
    assert.deepEqual(plain(data), sent.body);
    assert.equal(data.choices[0].message.content, FullText);
    assert.equal(data.usage.prompt_tokens_details.cached_tokens, sent.body.usage.prompt_tokens_details.cached_tokens);
    // Upstream response headers come back to the client.
    assert.equal(response.headers.get('x-request-id'), sent.headers['x-request-id']);
    assert.equal(response.headers.get('x-fake-upstream'), 'openai');
    assertChatForwarded();
  });

  test('streamed chat completion (include_usage) yields exactly the upstream chunks', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(plain(chunk));
    const sent = target.fake.lastResponse();
    const expected = sent.events.filter((e) => e.data !== '[DONE]').map((e) => e.data);
    assert.deepEqual(chunks, expected);
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), FullText);
    assert.deepEqual(chunks.at(-1).usage, sent.usage);
    assertChatForwarded();
  });

  test('streamed chat completion in awkward chunks (split mid-event and mid-UTF-8) is intact', async () => {
    target.fake.setScenario('awkward');
    const chunks = [];
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) chunks.push(plain(chunk));
    const expected = target.fake.lastResponse().events.filter((e) => e.data !== '[DONE]').map((e) => e.data);
    assert.deepEqual(chunks, expected);
    assertChatForwarded();
  });

  test('chat completion JSON in awkward chunks is intact', async () => {
    target.fake.setScenario('awkward');
    const data = await client.chat.completions.create({ model: 'gpt-4o', messages });
    assert.deepEqual(plain(data), target.fake.lastResponse().body);
    assertChatForwarded();
  });

  test('stream helper (chat.completions.stream) accumulates the same final completion', async () => {
    const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages, stream_options: { include_usage: true } });
    const final = await runner.finalChatCompletion();
    const sent = target.fake.lastResponse();
    assert.equal(final.id, sent.id);
    assert.equal(final.choices[0].message.content, FullText);
    assert.equal(final.choices[0].finish_reason, 'stop');
    assert.deepEqual(plain(final.usage), sent.usage);
    assertChatForwarded();
  });

  test('Responses API (JSON) returns exactly what the upstream sent', async () => {
    const resp = await client.responses.create({ model: 'gpt-4.1', input: 'Say hello.', max_output_tokens: 64 });
    const sent = target.fake.lastResponse();
    const { output_text: outputText, ...rest } = plain(resp);
    assert.deepEqual(rest, sent.body);
    assert.equal(outputText, FullText);
    assertForwarded(target, rec.sent[0], target.fake.requests[0], {
      path: '/v1/responses',
      authHeader: 'authorization',
      authValue: `Bearer ${Keys.openai}`,
    });
  });

  test('Responses API (SSE) yields exactly the upstream events', async () => {
    const stream = await client.responses.create({ model: 'gpt-4.1', input: 'Say hello.', stream: true });
    const events = [];
    for await (const ev of stream) events.push(plain(ev));
    const sent = target.fake.lastResponse();
    assert.deepEqual(events, sent.events.map((e) => e.data));
    const completed = events.at(-1);
    assert.equal(completed.type, 'response.completed');
    assert.deepEqual(completed.response.usage, sent.usage);
    assertForwarded(target, rec.sent[0], target.fake.requests[0], {
      path: '/v1/responses',
      authHeader: 'authorization',
      authValue: `Bearer ${Keys.openai}`,
    });
  });

  test('upstream 500 surfaces as OpenAI.InternalServerError with the provider message', async () => {
    target.fake.setScenario('error500');
    const err = await rejection(client.chat.completions.create({ model: 'gpt-4o-mini', messages }));
    assert.ok(err instanceof OpenAI.InternalServerError, `expected InternalServerError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 500);
    assert.equal(err.message, '500 The server had an error while processing your request. Sorry about that!');
    assert.equal(err.type, 'server_error');
    assert.deepEqual(err.error, target.fake.lastResponse().body.error);
    assertChatForwarded();
  });

  test('upstream 500 on a stream request surfaces as the SDK error too', async () => {
    target.fake.setScenario('error500');
    const err = await rejection(
      (async () => {
        const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
        for await (const _ of stream) {
          // drain
        }
      })(),
    );
    assert.ok(err instanceof OpenAI.InternalServerError, `expected InternalServerError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 500);
    assertChatForwarded();
  });
});
