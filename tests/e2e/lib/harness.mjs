// Shared set-up for the e2e test files: a fake upstream, the TokenOps daemon in front of it (unless
// E2E_DIRECT=1), the base URL each SDK gets, and assertions about what the proxy forwarded.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FakeUpstream } from './fake-upstream.mjs';
import { Daemon } from './daemon.mjs';

/** E2E_DIRECT=1: SDKs talk straight to the fake (proves the fake speaks the real wire formats). */
export const Direct = process.env.E2E_DIRECT === '1';

/** Unique fake credentials per run, so a search of the store for them means something. */
export const Keys = Object.freeze({
  openai: `sk-proj-e2eOpenAI${randomBytes(12).toString('hex')}`,
  anthropic: `sk-ant-api03-e2eAnthropic${randomBytes(12).toString('hex')}`,
  gemini: `AIzaE2eGemini${randomBytes(12).toString('hex')}`,
});

export const WorkflowHeader = 'X-TokenOps-Workflow-Id';

/**
 * Starts the fake upstream and (unless direct) a daemon in front of it.
 * @param {{storage?: boolean, env?: Record<string,string>}} [options]
 */
export async function startTarget(options = {}) {
  const fake = await new FakeUpstream().start();
  let daemon = null;
  if (!Direct) {
    daemon = new Daemon({ upstreamUrl: fake.url, storage: options.storage, env: options.env });
    try {
      await daemon.start();
    } catch (err) {
      await fake.close();
      throw err;
    }
  }
  const root = daemon ? daemon.url : fake.url;
  return {
    fake,
    daemon,
    direct: Direct,
    /** baseURL for `new OpenAI({ baseURL })`: the proxy maps /openai/* to the upstream root. */
    openaiBase: daemon ? `${root}/openai/v1` : `${root}/v1`,
    /** baseURL for `new Anthropic({ baseURL })`. */
    anthropicBase: daemon ? `${root}/anthropic` : root,
    /** httpOptions.baseUrl for `new GoogleGenAI(...)`. */
    geminiBase: daemon ? `${root}/gemini` : root,
    /** Stops the daemon (asserting a graceful exit 0) and the fake. */
    async stop() {
      try {
        if (daemon) {
          const code = await daemon.stop();
          assert.equal(code, 0, `tokenops exited with ${code} (signal ${daemon.signal}) after SIGTERM:\n${daemon.output}`);
        }
      } finally {
        await fake.close();
        if (daemon && !options.keepHome) daemon.removeHome();
      }
    },
  };
}

/**
 * A fetch for the SDKs' `fetch` option that records exactly what the SDK sent, so tests can compare
 * it with what reached the fake upstream through the proxy.
 */
export function recordingFetch() {
  const sent = [];
  const fn = async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = {};
    new Headers(init.headers ?? (typeof input === 'object' && 'headers' in input ? input.headers : undefined)).forEach((v, k) => {
      headers[k] = v;
    });
    let body = null;
    if (typeof init.body === 'string') body = Buffer.from(init.body, 'utf8');
    else if (init.body instanceof Uint8Array) body = Buffer.from(init.body);
    else if (init.body instanceof ArrayBuffer) body = Buffer.from(new Uint8Array(init.body));
    else if (init.body != null) throw new Error(`recordingFetch: unsupported body type ${Object.prototype.toString.call(init.body)}`);
    sent.push({ url, method: init.method ?? 'GET', headers, body });
    return fetch(input, init);
  };
  fn.sent = sent;
  return fn;
}

// Headers a proxy may legitimately rewrite: hop-by-hop (RFC 9110 §7.6.1), Host, framing, and
// Accept-Encoding (the proxy owns the compression strategy of its upstream leg).
const MayDiffer = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-connection', 'proxy-authorization', 'content-length', 'accept-encoding']);

/**
 * Asserts that the request the SDK sent reached the fake upstream intact: same method, the expected
 * upstream path and query, byte-identical body, every SDK header (auth included) with the same value,
 * and — through the proxy — no X-TokenOps-* header at all.
 * @param {*} target from startTarget
 * @param {{url:string,method:string,headers:Record<string,string>,body:Buffer|null}} sdkRequest
 * @param {*} fakeRequest an entry of fake.requests
 * @param {{path:string, authHeader:string, authValue:string}} expected
 */
export function assertForwarded(target, sdkRequest, fakeRequest, expected) {
  assert.ok(fakeRequest, 'the fake upstream received no request');
  assert.equal(fakeRequest.method, sdkRequest.method);
  assert.equal(fakeRequest.path, expected.path, 'upstream path');
  assert.equal(fakeRequest.query.toString(), new URL(sdkRequest.url).searchParams.toString(), 'query string');
  assert.ok(sdkRequest.body, 'the SDK sent no body');
  assert.ok(fakeRequest.body.equals(sdkRequest.body), `request body changed on the way:\nSDK:  ${sdkRequest.body}\nfake: ${fakeRequest.body}`);

  assert.equal(sdkRequest.headers[expected.authHeader], expected.authValue, `the SDK did not send ${expected.authHeader} as expected`);
  assert.equal(fakeRequest.headers[expected.authHeader], expected.authValue, `${expected.authHeader} did not reach the upstream`);
  for (const [name, value] of Object.entries(sdkRequest.headers)) {
    if (MayDiffer.has(name) || name.startsWith('x-tokenops-')) continue;
    assert.equal(fakeRequest.headers[name], value, `header ${name} changed on the way`);
  }

  const tokenOpsHeaders = Object.keys(fakeRequest.headers).filter((h) => h.startsWith('x-tokenops-'));
  const sdkSentTokenOps = Object.keys(sdkRequest.headers).some((h) => h.startsWith('x-tokenops-'));
  assert.ok(sdkSentTokenOps, 'test bug: the SDK was expected to send an X-TokenOps-* header');
  if (target.direct) {
    // Without the proxy the header arrives: proves the SDK really sent it, so the proxy check is meaningful.
    assert.ok(tokenOpsHeaders.length > 0, 'direct mode: the SDK header did not reach the fake');
  } else {
    assert.deepEqual(tokenOpsHeaders, [], 'X-TokenOps-* headers must never be forwarded upstream');
  }
}

/** Plain-JSON view (drops class prototypes and undefined fields) for comparing SDK objects. */
export function plain(value) {
  return JSON.parse(JSON.stringify(value));
}

/** Asserts the promise rejects and returns the error for further checks. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}
