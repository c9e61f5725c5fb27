// SSE is forwarded event by event: events the upstream sends 100 ms apart reach the SDK ~100 ms
// apart, each within a few ms of the upstream sending it (no buffering anywhere in the proxy).
//
// The fake stamps each event just before writing it and the test stamps each item as the SDK yields
// it, both with performance.now() in this one process, so the two clocks are the same clock.

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Keys, WorkflowHeader, startTarget } from '../lib/harness.mjs';

const GapMs = 100;
/** Gap between two consecutive events as the client sees them. */
const MinGapMs = 60;
const MaxGapMs = 250;
/** The first event must arrive within 50 ms of being sent; 150 ms of slack for a shared, slow CI box. */
const FirstEventMaxLagMs = 50 + 150;
/** Any later event: same bound, so a proxy that buffers the tail of a stream fails too. */
const EventMaxLagMs = 50 + 150;

describe('SSE timing', () => {
  let target;

  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target?.stop();
  });
  beforeEach(() => {
    target.fake.reset();
    target.fake.setScenario('delayed', { gapMs: GapMs });
  });

  /**
   * @param {AsyncIterable<unknown>} iterable what the SDK yields
   * @param {(e: {event?: string, data: unknown}) => boolean} yielded which fake events the SDK yields
   */
  async function measure(iterable, yielded) {
    const arrivals = [];
    for await (const _ of iterable) arrivals.push(performance.now());
    const sent = target.fake.lastResponse();
    assert.ok(sent?.done, 'the fake did not finish the stream');
    const sentAt = sent.events.filter(yielded).map((e) => e.sentAt);
    assert.equal(arrivals.length, sentAt.length, 'the SDK yielded a different number of events than the fake sent');
    const lags = arrivals.map((t, i) => t - sentAt[i]);
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
    const report = `lags ms [${lags.map((x) => x.toFixed(1)).join(', ')}] gaps ms [${gaps.map((x) => x.toFixed(1)).join(', ')}]`;
    assert.ok(lags[0] >= 0, `event arrived before it was sent?! ${report}`);
    assert.ok(lags[0] <= FirstEventMaxLagMs, `first event arrived ${lags[0].toFixed(1)} ms after the upstream sent it; ${report}`);
    for (let i = 1; i < lags.length; i++) {
      assert.ok(lags[i] <= EventMaxLagMs, `event ${i} arrived ${lags[i].toFixed(1)} ms after the upstream sent it; ${report}`);
    }
    for (let i = 0; i < gaps.length; i++) {
      assert.ok(gaps[i] >= MinGapMs && gaps[i] <= MaxGapMs, `gap ${i} was ${gaps[i].toFixed(1)} ms, expected ${MinGapMs}-${MaxGapMs}; ${report}`);
    }
    return { lags, gaps, report };
  }

  test('openai chat stream: events arrive as they are sent', async (t) => {
    const client = new OpenAI({
      apiKey: Keys.openai, baseURL: target.openaiBase, maxRetries: 0, defaultHeaders: { [WorkflowHeader]: 'wf-timing' },
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count slowly' }], stream: true, stream_options: { include_usage: true },
    });
    const { report } = await measure(stream, (e) => e.data !== '[DONE]');
    t.diagnostic(report);
  });

  test('anthropic message stream: events arrive as they are sent', async (t) => {
    const client = new Anthropic({ apiKey: Keys.anthropic, baseURL: target.anthropicBase, maxRetries: 0 });
    const stream = await client.messages.create({
      model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'count slowly' }], stream: true,
    });
    // The SDK swallows `ping`; the gap around it is then 200 ms, still inside the bound.
    const { report } = await measure(stream, (e) => e.event !== 'ping');
    t.diagnostic(report);
  });

  test('gemini streamGenerateContent: events arrive as they are sent', async (t) => {
    const ai = new GoogleGenAI({ apiKey: Keys.gemini, httpOptions: { baseUrl: target.geminiBase } });
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'count slowly' });
    const { report } = await measure(stream, () => true);
    t.diagnostic(report);
  });
});
