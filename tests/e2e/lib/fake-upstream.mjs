// A fake LLM provider on 127.0.0.1 that speaks the OpenAI, Anthropic and Gemini wire formats exactly
// enough for the providers' own SDKs to parse it. It records every request it receives (so tests can
// assert what the proxy forwarded) and every response it sends, with per-event send timestamps on the
// same clock the tests read (performance.now()), so SSE timing can be measured end to end.
//
// Routes (the paths the real providers serve; TokenOps strips its /openai, /anthropic, /gemini prefix):
//   POST /v1/chat/completions                      OpenAI chat, JSON or SSE (`stream: true`)
//   POST /v1/responses                             OpenAI Responses API, JSON or SSE
//   POST /v1/messages                              Anthropic messages, JSON or SSE
//   POST /v1beta/models/{model}:generateContent    Gemini JSON
//   POST /v1beta/models/{model}:streamGenerateContent[?alt=sse]  Gemini SSE (or a JSON array without alt=sse)
//
// Scenarios (setScenario): 'normal' | 'error500' | 'delayed' (SSE events `gapMs` apart, default 100)
// | 'awkward' (the body written in tiny pieces that split events, lines and UTF-8 sequences)
// | 'gzip' (Content-Encoding: gzip when the request accepts it; SSE flushed per event)
// | 'stall' (headers never sent; the request is held until the client goes away).
// Every response entry records `done` (fully sent) and `aborted` (the client/proxy went away first).

import http from 'node:http';
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as fx from './fixtures.mjs';

const AwkwardSizes = [1, 2, 3, 5, 7, 11, 13, 1, 64, 4];

export class FakeUpstream {
  /** @type {{method:string,url:string,path:string,query:URLSearchParams,headers:Record<string,string|string[]>,rawHeaders:string[],body:Buffer,receivedAt:number}[]} */
  requests = [];
  /** @type {{request:number,provider:string,operation:string,status:number,stream:boolean,body?:any,events?:{event?:string,data:any,sentAt:number}[],usage?:any,id?:string,done:boolean}[]} */
  responses = [];

  #server;
  #seq = 0;
  #scenario = { name: 'normal', gapMs: 100 };
  #sockets = new Set();

  /** @param {{scenario?: string, gapMs?: number}} [options] */
  constructor(options = {}) {
    if (options.scenario) this.setScenario(options.scenario, options);
  }

  async start() {
    this.#server = http.createServer({ noDelay: true, keepAliveTimeout: 30_000 }, (req, res) => {
      this.#handle(req, res).catch((err) => {
        // A bug in the fake must be loud, not a hung test.
        console.error('fake upstream error', err);
        if (!res.headersSent) res.writeHead(599, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', resolve);
    });
    return this;
  }

  get port() {
    return this.#server.address().port;
  }

  /** The provider base URL, e.g. http://127.0.0.1:PORT (no trailing slash). */
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** @param {'normal'|'error500'|'delayed'|'awkward'|'gzip'|'stall'} name */
  setScenario(name, { gapMs = 100 } = {}) {
    if (!['normal', 'error500', 'delayed', 'awkward', 'gzip', 'stall'].includes(name)) throw new Error(`unknown scenario ${name}`);
    this.#scenario = { name, gapMs };
  }

  reset() {
    this.requests.length = 0;
    this.responses.length = 0;
    this.setScenario('normal');
  }

  lastRequest() {
    return this.requests.at(-1);
  }

  lastResponse() {
    return this.responses.at(-1);
  }

  async close() {
    if (!this.#server) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const url = new URL(req.url, 'http://fake');
    const record = {
      method: req.method,
      url: req.url,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks),
      receivedAt: performance.now(),
    };
    this.requests.push(record);
    const requestIndex = this.requests.length - 1;

    let json = null;
    if (record.body.length > 0) {
      try {
        json = JSON.parse(record.body.toString('utf8'));
      } catch {
        json = null;
      }
    }

    const route = matchRoute(req.method, url.pathname);
    if (!route) {
      return this.#sendJson(res, { request: requestIndex, provider: 'unknown', operation: 'unknown' }, 404, {
        error: { message: `fake upstream: no route for ${req.method} ${url.pathname}`, type: 'invalid_request_error', code: 'not_found' },
      });
    }

    const seq = ++this.#seq;
    const meta = { request: requestIndex, provider: route.provider, operation: route.operation };
    if (this.#scenario.name === 'stall') {
      const entry = { ...meta, status: 0, stream: false, done: false, aborted: false, stalled: true };
      this.responses.push(entry);
      await new Promise((resolve) => res.once('close', resolve));
      entry.aborted = true;
      return;
    }
    if (this.#scenario.name === 'error500') {
      const body =
        route.provider === 'openai' ? fx.openAiError500()
        : route.provider === 'anthropic' ? fx.anthropicError500(seq)
        : fx.geminiError500();
      return this.#sendJson(res, meta, 500, body);
    }

    switch (route.operation) {
      case 'chat': {
        const model = json?.model ?? 'gpt-4o-mini';
        if (json?.stream === true) {
          const includeUsage = json?.stream_options?.include_usage === true;
          const events = fx.openAiChatChunks(seq, model, includeUsage).map((data) => ({ data }));
          events.push({ data: '[DONE]' });
          return this.#sendSse(res, { ...meta, id: events[0].data.id, usage: includeUsage ? fx.openAiChatUsage(seq) : null }, events, 'openai');
        }
        const body = fx.openAiChatCompletion(seq, model);
        return this.#sendJson(res, { ...meta, id: body.id, usage: body.usage }, 200, body);
      }
      case 'responses': {
        const model = json?.model ?? 'gpt-4.1';
        if (json?.stream === true) {
          const events = fx.openAiResponseEvents(seq, model);
          return this.#sendSse(res, { ...meta, id: `resp_fake${String(seq).padStart(6, '0')}`, usage: fx.openAiResponsesUsage(seq) }, events, 'openai');
        }
        const body = fx.openAiResponse(seq, model);
        return this.#sendJson(res, { ...meta, id: body.id, usage: body.usage }, 200, body);
      }
      case 'messages': {
        const model = json?.model ?? 'claude-sonnet-4-6';
        if (json?.stream === true) {
          const events = fx.anthropicEvents(seq, model);
          return this.#sendSse(res, { ...meta, id: events[0].data.message.id, usage: fx.anthropicUsage(seq) }, events, 'anthropic');
        }
        const body = fx.anthropicMessage(seq, model);
        return this.#sendJson(res, { ...meta, id: body.id, usage: body.usage }, 200, body);
      }
      case 'generateContent': {
        const body = fx.geminiResponse(seq, route.model);
        return this.#sendJson(res, { ...meta, id: body.responseId, usage: body.usageMetadata }, 200, body);
      }
      case 'streamGenerateContent': {
        const chunks = fx.geminiChunks(seq, route.model);
        const info = { ...meta, id: chunks[0].responseId, usage: fx.geminiUsage(seq) };
        if (url.searchParams.get('alt') === 'sse') {
          return this.#sendSse(res, info, chunks.map((data) => ({ data })), 'gemini');
        }
        // Without alt=sse Gemini streams one JSON array, element by element.
        return this.#sendJson(res, info, 200, chunks);
      }
      default:
        throw new Error(`unhandled operation ${route.operation}`);
    }
  }

  async #sendJson(res, meta, status, body) {
    const entry = { ...meta, status, stream: false, body, done: false, aborted: false };
    this.responses.push(entry);
    trackAbort(res, entry);
    let bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const gzip = this.#scenario.name === 'gzip' && acceptsGzip(this.requests[meta.request]);
    if (gzip) bytes = zlib.gzipSync(bytes);
    entry.encoding = gzip ? 'gzip' : 'identity';
    entry.headers = {
      'content-type': meta.provider === 'gemini' ? 'application/json; charset=UTF-8' : 'application/json',
      'content-length': String(bytes.length),
      ...(gzip ? { 'content-encoding': 'gzip', vary: 'Accept-Encoding' } : {}),
      ...providerHeaders(meta.provider, this.#seq),
    };
    res.writeHead(status, entry.headers);
    if (this.#scenario.name === 'awkward') {
      await writeAwkward(res, bytes);
    } else {
      res.write(bytes);
    }
    res.end();
    entry.done = true;
  }

  async #sendSse(res, meta, events, dialect) {
    const entry = { ...meta, status: 200, stream: true, events: [], done: false, aborted: false };
    this.responses.push(entry);
    trackAbort(res, entry);
    const { name, gapMs } = this.#scenario;
    const gzip = name === 'gzip' && acceptsGzip(this.requests[meta.request]);
    entry.encoding = gzip ? 'gzip' : 'identity';
    entry.headers = {
      'content-type': dialect === 'gemini' ? 'text/event-stream' : 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...(gzip ? { 'content-encoding': 'gzip', vary: 'Accept-Encoding' } : {}),
      ...providerHeaders(meta.provider, this.#seq),
    };
    res.writeHead(200, entry.headers);
    if (gzip) {
      // One gzip stream over the whole body, sync-flushed after every event so each event can be
      // decoded as soon as it arrives.
      const gz = zlib.createGzip();
      gz.on('data', (d) => res.write(d));
      for (const ev of events) {
        const sentAt = performance.now();
        gz.write(encodeEvent(ev, dialect));
        await new Promise((resolve) => gz.flush(zlib.constants.Z_SYNC_FLUSH, resolve));
        entry.events.push({ ...ev, sentAt });
      }
      await new Promise((resolve) => {
        gz.once('end', resolve);
        gz.end();
      });
    } else if (name === 'delayed') {
      res.flushHeaders();
      for (const ev of events) {
        await sleep(gapMs);
        if (res.destroyed) return;
        const sentAt = performance.now();
        res.write(encodeEvent(ev, dialect));
        entry.events.push({ ...ev, sentAt });
      }
    } else if (name === 'awkward') {
      const all = Buffer.concat(events.map((ev) => encodeEvent(ev, dialect)));
      const sentAt = performance.now();
      for (const ev of events) entry.events.push({ ...ev, sentAt });
      await writeAwkward(res, all);
    } else {
      for (const ev of events) {
        const sentAt = performance.now();
        res.write(encodeEvent(ev, dialect));
        entry.events.push({ ...ev, sentAt });
      }
    }
    res.end();
    entry.done = true;
  }
}

/** One SSE event as the provider frames it (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * OpenAI chat: `data: …\n\n`; OpenAI responses and Anthropic: `event: …\ndata: …\n\n`; Gemini: `data: …\r\n\r\n`. */
export function encodeEvent(ev, dialect) {
  const data = typeof ev.data === 'string' ? ev.data : JSON.stringify(ev.data);
  if (dialect === 'gemini') return Buffer.from(`data: ${data}\r\n\r\n`, 'utf8');
  const head = ev.event ? `event: ${ev.event}\n` : '';
  return Buffer.from(`${head}data: ${data}\n\n`, 'utf8');
}

async function writeAwkward(res, bytes) {
  let offset = 0;
  let i = 0;
  while (offset < bytes.length) {
    const size = AwkwardSizes[i++ % AwkwardSizes.length];
    res.write(bytes.subarray(offset, offset + size));
    offset += size;
    // Yield so each piece leaves as its own write (and usually its own TCP segment).
    await new Promise((resolve) => setImmediate(resolve));
    if (i % 16 === 0) await sleep(1);
  }
}

function trackAbort(res, entry) {
  res.once('close', () => {
    if (!res.writableFinished) entry.aborted = true;
  });
}

function acceptsGzip(request) {
  const ae = request?.headers['accept-encoding'];
  return typeof ae === 'string' && /\bgzip\b/.test(ae);
}

function providerHeaders(provider, seq) {
  const id = `req_fake${String(seq).padStart(6, '0')}`;
  switch (provider) {
    case 'openai':
      return { 'x-request-id': id, 'openai-processing-ms': '42', 'x-fake-upstream': 'openai' };
    case 'anthropic':
      return { 'request-id': id, 'anthropic-organization-id': 'org-fake', 'x-fake-upstream': 'anthropic' };
    case 'gemini':
      return { 'x-fake-upstream': 'gemini', 'server-timing': 'gfet4t7; dur=42' };
    default:
      return { 'x-fake-upstream': 'unknown' };
  }
}

function matchRoute(method, path) {
  if (method !== 'POST') return null;
  if (path === '/v1/chat/completions') return { provider: 'openai', operation: 'chat' };
  if (path === '/v1/responses') return { provider: 'openai', operation: 'responses' };
  if (path === '/v1/messages') return { provider: 'anthropic', operation: 'messages' };
  const m = /^\/(?:v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(path);
  if (m) return { provider: 'gemini', operation: m[2], model: decodeURIComponent(m[1]) };
  return null;
}
