// Issue [C] and [E] through the real SDKs: with the cache on, the second identical call is a hit and the SDK
// gets the very same object (and the upstream is called once); with the optimizer in interactive mode, the
// upstream receives the optimized body and the response says what changed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { Direct, Keys, startTarget } from '../lib/harness.mjs';

describe('response cache through the real SDKs', { skip: Direct && 'E2E_DIRECT=1: no daemon' }, () => {
  let target;
  before(async () => {
    if (Direct) return;
    target = await startTarget({ env: { TOKENOPS_CACHE_ENABLED: '1' } });
  });
  after(async () => { await target?.stop(); });

  it('openai: second identical chat call is a hit with the same object, upstream called once', async () => {
    const openai = new OpenAI({ apiKey: Keys.openai, baseURL: target.openaiBase, maxRetries: 0 });
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'cache me' }] };
    const first = await openai.chat.completions.create(params).withResponse();
    const second = await openai.chat.completions.create(params).withResponse();
    assert.equal(first.response.headers.get('x-tokenops-cache-status'), 'miss');
    assert.equal(second.response.headers.get('x-tokenops-cache-status'), 'hit');
    assert.deepEqual(second.data, first.data);
    assert.equal(target.fake.requests.filter((r) => r.path === '/v1/chat/completions').length, 1);
  });

  it('anthropic: a streamed call replays as a stream with identical events', async () => {
    const anthropic = new Anthropic({ apiKey: Keys.anthropic, baseURL: target.anthropicBase, maxRetries: 0 });
    const params = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'stream and cache me' }] };
    const collect = async () => {
      const events = [];
      for await (const e of anthropic.messages.stream(params)) events.push(e);
      return events;
    };
    const first = await collect();
    const second = await collect();
    assert.deepEqual(second, first);
    assert.equal(target.fake.requests.filter((r) => r.path === '/v1/messages').length, 1);
  });

  it('different API keys never share an entry', async () => {
    const a = new OpenAI({ apiKey: 'sk-e2e-alice', baseURL: target.openaiBase, maxRetries: 0 });
    const b = new OpenAI({ apiKey: 'sk-e2e-bob', baseURL: target.openaiBase, maxRetries: 0 });
    const params = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'per key' }] };
    const before = target.fake.requests.length;
    const ra = await a.chat.completions.create(params);
    const rb = await b.chat.completions.create(params);
    assert.notEqual(ra.id, rb.id);
    assert.equal(target.fake.requests.length - before, 2);
  });
});

describe('interactive optimizer through the real SDK', { skip: Direct && 'E2E_DIRECT=1: no daemon' }, () => {
  let target;
  before(async () => {
    if (Direct) return;
    target = await startTarget({ env: { TOKENOPS_OPTIMIZER_ENABLED: '1', TOKENOPS_OPTIMIZER_KINDS: 'prompt_compress' } });
  });
  after(async () => { await target?.stop(); });

  it('the upstream receives the compressed body; the SDK call succeeds and says what changed', async () => {
    const openai = new OpenAI({ apiKey: Keys.openai, baseURL: target.openaiBase, maxRetries: 0, defaultHeaders: { 'X-TokenOps-Optimize': 'interactive' } });
    const messy = 'Please   review   this   text.\n\n\n\n\nIt   has    far   too   many    spaces.\n\n\n\nThanks    a    lot.';
    // Warm the tokenizer and optimizer once: the first call may spend its latency budget on cold starts.
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'warm   up' }] });
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: messy }] }).withResponse();
    assert.ok(data.choices[0].message.content.length > 0);
    const received = target.fake.requests.at(-1);
    const body = JSON.parse(received.body.toString('utf8'));
    const optimized = response.headers.get('x-tokenops-optimized');
    assert.equal(optimized, 'prompt_compress', `x-tokenops-optimized: ${optimized}`);
    assert.ok(body.messages[0].content.length < messy.length, 'the upstream got the compressed prompt');
    assert.doesNotMatch(body.messages[0].content, / {2,}/);
    assert.equal(received.headers['x-tokenops-optimize'], undefined);
  });
});
