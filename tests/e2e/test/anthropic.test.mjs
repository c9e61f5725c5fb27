// The official `@anthropic-ai/sdk` through TokenOps (or straight at the fake with E2E_DIRECT=1).

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { FullText } from '../lib/fixtures.mjs';
import { Keys, WorkflowHeader, assertForwarded, plain, recordingFetch, rejection, startTarget } from '../lib/harness.mjs';

describe('@anthropic-ai/sdk', () => {
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
    client = new Anthropic({
      apiKey: Keys.anthropic,
      baseURL: target.anthropicBase,
      maxRetries: 0,
      timeout: 20_000,
      fetch: rec,
      defaultHeaders: { [WorkflowHeader]: 'wf-e2e-anthropic' },
    });
  });

  const params = {
    model: 'claude-sonnet-4-6',
    max_tokens: 256,
    system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: 'Say hello. Ünïcödé: 你好 🙂' }],
  };

  function assertMessagesForwarded() {
    assert.equal(target.fake.requests.length, 1, 'exactly one upstream request');
    const sdk = rec.sent[0];
    // This SDK version authenticates an apiKey with `Authorization: Bearer`; older ones used x-api-key.
    // Whichever it sends must reach the upstream unchanged.
    const authHeader = sdk.headers['x-api-key'] !== undefined ? 'x-api-key' : 'authorization';
    const authValue = authHeader === 'x-api-key' ? Keys.anthropic : `Bearer ${Keys.anthropic}`;
    assertForwarded(target, sdk, target.fake.requests[0], { path: '/v1/messages', authHeader, authValue });
    assert.ok(sdk.headers['anthropic-version'], 'the SDK sends anthropic-version');
  }

  test('message returns exactly what the upstream sent (usage incl. cache read/write)', async () => {
    const { data, response } = await client.messages.create(params).withResponse();
    const sent = target.fake.lastResponse();
    assert.deepEqual(plain(data), sent.body);
    assert.equal(data.content[0].text, FullText);
    assert.equal(data.usage.cache_read_input_tokens, sent.usage.cache_read_input_tokens);
    assert.equal(data.usage.cache_creation_input_tokens, sent.usage.cache_creation_input_tokens);
    assert.equal(response.headers.get('request-id'), sent.headers['request-id']);
    assertMessagesForwarded();
  });

  test('streamed message yields exactly the upstream events', async () => {
    const stream = await client.messages.create({ ...params, stream: true });
    const events = [];
    for await (const ev of stream) events.push(plain(ev));
    const sent = target.fake.lastResponse();
    // The SDK drops `ping` keep-alives by design; everything else must arrive as sent.
    assert.deepEqual(events, sent.events.filter((e) => e.event !== 'ping').map((e) => e.data));
    assert.equal(events.filter((e) => e.type === 'content_block_delta').map((e) => e.delta.text).join(''), FullText);
    assertMessagesForwarded();
  });

  test('messages.stream() accumulates the final message with the exact usage', async () => {
    const final = await client.messages.stream(params).finalMessage();
    const sent = target.fake.lastResponse();
    assert.equal(final.id, sent.id);
    assert.equal(final.content[0].text, FullText);
    assert.equal(final.stop_reason, 'end_turn');
    assert.deepEqual(plain(final.usage), sent.usage);
    assertMessagesForwarded();
  });

  test('streamed message in awkward chunks is intact', async () => {
    target.fake.setScenario('awkward');
    const stream = await client.messages.create({ ...params, stream: true });
    const events = [];
    for await (const ev of stream) events.push(plain(ev));
    assert.deepEqual(events, target.fake.lastResponse().events.filter((e) => e.event !== 'ping').map((e) => e.data));
    assertMessagesForwarded();
  });

  test('message JSON in awkward chunks is intact', async () => {
    target.fake.setScenario('awkward');
    const data = await client.messages.create(params);
    assert.deepEqual(plain(data), target.fake.lastResponse().body);
    assertMessagesForwarded();
  });

  test('upstream 500 surfaces as Anthropic.InternalServerError with the provider error', async () => {
    target.fake.setScenario('error500');
    const err = await rejection(client.messages.create(params));
    assert.ok(err instanceof Anthropic.InternalServerError, `expected InternalServerError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, 500);
    const body = target.fake.lastResponse().body;
    assert.deepEqual(err.error, body);
    assert.match(err.message, /^500 /);
    assert.ok(err.message.includes('Internal server error'), err.message);
    assert.equal(err.requestID, target.fake.lastResponse().headers['request-id']);
    assertMessagesForwarded();
  });

  test('upstream 500 on a stream request surfaces as the SDK error too', async () => {
    target.fake.setScenario('error500');
    const err = await rejection(client.messages.stream(params).finalMessage());
    assert.ok(err instanceof Anthropic.InternalServerError, `expected InternalServerError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 500);
    assertMessagesForwarded();
  });
});
