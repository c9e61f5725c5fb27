// The official `@google/genai` SDK through TokenOps (or straight at the fake with E2E_DIRECT=1).

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ApiError, GoogleGenAI } from '@google/genai';
import { FullText } from '../lib/fixtures.mjs';
import { Keys, WorkflowHeader, assertForwarded, plain, recordingFetch, rejection, startTarget } from '../lib/harness.mjs';

const Model = 'gemini-2.5-flash';

describe('@google/genai', () => {
  let target;
  let rec;
  let ai;

  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target?.stop();
  });
  beforeEach(() => {
    target.fake.reset();
    rec = recordingFetch();
    ai = new GoogleGenAI({
      apiKey: Keys.gemini,
      httpOptions: {
        baseUrl: target.geminiBase,
        headers: { [WorkflowHeader]: 'wf-e2e-gemini' },
        fetch: rec,
        timeout: 20_000,
      },
    });
  });

  const request = {
    model: Model,
    contents: 'Say hello. Ünïcödé: 你好 🙂',
    config: { systemInstruction: 'You are terse.', maxOutputTokens: 256 },
  };

  function assertGeminiForwarded(operation) {
    assert.equal(target.fake.requests.length, 1, 'exactly one upstream request');
    assertForwarded(target, rec.sent[0], target.fake.requests[0], {
      path: `/v1beta/models/${Model}:${operation}`,
      authHeader: 'x-goog-api-key',
      authValue: Keys.gemini,
    });
  }

  /** The wire fields of a GenerateContentResponse (the SDK adds sdkHttpResponse and getters). */
  function wire(resp) {
    const p = plain(resp);
    return { candidates: p.candidates, usageMetadata: p.usageMetadata, modelVersion: p.modelVersion, responseId: p.responseId };
  }

  test('generateContent returns exactly what the upstream sent', async () => {
    const resp = await ai.models.generateContent(request);
    const sent = target.fake.lastResponse();
    assert.deepEqual(wire(resp), sent.body);
    assert.equal(resp.text, FullText);
    assert.equal(resp.sdkHttpResponse.headers['x-fake-upstream'], 'gemini');
    assertGeminiForwarded('generateContent');
  });

  test('generateContentStream (alt=sse) yields exactly the upstream chunks', async () => {
    const stream = await ai.models.generateContentStream(request);
    const chunks = [];
    for await (const chunk of stream) chunks.push(wire(chunk));
    const sent = target.fake.lastResponse();
    assert.deepEqual(chunks, sent.events.map((e) => e.data));
    assert.equal(chunks.map((c) => c.candidates[0].content.parts[0].text).join(''), FullText);
    assert.deepEqual(chunks.at(-1).usageMetadata, sent.usage);
    assert.equal(target.fake.requests[0].query.get('alt'), 'sse');
    assertGeminiForwarded('streamGenerateContent');
  });

  test('stream in awkward chunks (CRLF framing split anywhere) is intact', async () => {
    target.fake.setScenario('awkward');
    const stream = await ai.models.generateContentStream(request);
    const chunks = [];
    for await (const chunk of stream) chunks.push(wire(chunk));
    assert.deepEqual(chunks, target.fake.lastResponse().events.map((e) => e.data));
    assertGeminiForwarded('streamGenerateContent');
  });

  test('generateContent JSON in awkward chunks is intact', async () => {
    target.fake.setScenario('awkward');
    const resp = await ai.models.generateContent(request);
    assert.deepEqual(wire(resp), target.fake.lastResponse().body);
    assertGeminiForwarded('generateContent');
  });

  test('upstream 500 surfaces as ApiError with the provider message', async () => {
    target.fake.setScenario('error500');
    const err = await rejection(ai.models.generateContent(request));
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 500);
    // The SDK puts the provider's JSON error body in the message.
    assert.deepEqual(JSON.parse(err.message), target.fake.lastResponse().body);
    assertGeminiForwarded('generateContent');
  });

  test('upstream 500 on a stream request surfaces as ApiError too', async () => {
    target.fake.setScenario('error500');
    const err = await rejection(
      (async () => {
        for await (const _ of await ai.models.generateContentStream(request)) {
          // drain
        }
      })(),
    );
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 500);
    assert.deepEqual(JSON.parse(err.message), target.fake.lastResponse().body);
    assertGeminiForwarded('streamGenerateContent');
  });
});
