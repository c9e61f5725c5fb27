// Starts the real `tokenops` binary as a foreground daemon for a test file and stops it gracefully.
//
// Binary: $TOKENOPS_BIN, default <repo>/aot/out/tokenops (the AOT publish output).
// Each daemon gets its own temp TOKENOPS_HOME (so config, store and logs are isolated), a free
// loopback port, and provider URLs pointing at the fake upstream.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = path.dirname(fileURLToPath(import.meta.url));
/** tests/e2e */
export const E2eRoot = path.resolve(here, '..');

export function tokenopsBin() {
  return process.env.TOKENOPS_BIN
    ? path.resolve(process.env.TOKENOPS_BIN)
    : path.resolve(E2eRoot, '../../aot/out/tokenops');
}

/** A port that was free a moment ago (the daemon needs a fixed listen address up front). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export class Daemon {
  /** Combined stderr + stdout of the daemon, for failure messages. */
  output = '';
  exitCode = null;
  signal = null;

  #child;
  #exited;

  /**
   * @param {{upstreamUrl: string, storage?: boolean, env?: Record<string,string>, home?: string}} options
   */
  constructor(options) {
    this.options = options;
    this.home = options.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tokenops-e2e-'));
    this.bin = tokenopsBin();
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Environment for the daemon and for CLI commands that must see the same home. */
  env(extra = {}) {
    const env = {
      ...process.env,
      TOKENOPS_HOME: this.home,
      TOKENOPS_LISTEN: `127.0.0.1:${this.port}`,
      TOKENOPS_PROVIDERS_OPENAI_URL: this.options.upstreamUrl,
      TOKENOPS_PROVIDERS_ANTHROPIC_URL: this.options.upstreamUrl,
      TOKENOPS_PROVIDERS_GEMINI_URL: this.options.upstreamUrl,
      ...(this.options.storage ? { TOKENOPS_STORAGE_ENABLED: '1' } : {}),
      ...this.options.env,
      ...extra,
    };
    // The SDKs' own env vars must not leak into the daemon's environment assumptions.
    delete env.OPENAI_BASE_URL;
    delete env.ANTHROPIC_BASE_URL;
    return env;
  }

  async start({ timeoutMs = 15_000 } = {}) {
    if (!fs.existsSync(this.bin)) {
      throw new Error(
        `tokenops binary not found at ${this.bin}. Publish it first ` +
          '(dotnet publish src/TokenOps -c Release -r linux-x64 -o aot/out) or set TOKENOPS_BIN; ' +
          'E2E_DIRECT=1 runs the SDKs straight against the fake upstream instead.',
      );
    }
    this.port = await freePort();
    this.#child = spawn(this.bin, ['start'], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout.on('data', (d) => (this.output += d));
    this.#child.stderr.on('data', (d) => (this.output += d));
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        resolve();
      });
      this.#child.once('error', (err) => {
        this.output += `\nspawn error: ${err.message}`;
        this.exitCode = -1;
        resolve();
      });
    });

    const started = Date.now();
    for (;;) {
      if (this.exitCode !== null || this.signal !== null) {
        throw new Error(`tokenops start exited early (code ${this.exitCode}, signal ${this.signal}):\n${this.output}`);
      }
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) {
          await res.arrayBuffer();
          this.startupMs = Date.now() - started;
          return this;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() - started > timeoutMs) {
        await this.kill();
        throw new Error(`tokenops did not answer GET /healthz within ${timeoutMs} ms:\n${this.output}`);
      }
      await sleep(25);
    }
  }

  /** SIGTERM and wait; returns the exit code. Callers assert it is 0 (graceful shutdown). */
  async stop({ timeoutMs = 15_000 } = {}) {
    if (!this.#child) return null;
    if (this.exitCode === null && this.signal === null) {
      this.#child.kill('SIGTERM');
      // The timer must not outlive the race, or it keeps the test process alive for timeoutMs.
      const timer = new AbortController();
      const timedOut = await Promise.race([
        this.#exited.then(() => false),
        sleep(timeoutMs, true, { signal: timer.signal }).catch(() => false),
      ]);
      timer.abort();
      if (timedOut) {
        await this.kill();
        throw new Error(`tokenops did not exit within ${timeoutMs} ms of SIGTERM:\n${this.output}`);
      }
    }
    return this.exitCode;
  }

  async kill() {
    if (this.#child && this.exitCode === null && this.signal === null) {
      this.#child.kill('SIGKILL');
      await this.#exited;
    }
  }

  /** Runs a CLI command against the same home (e.g. ['events', '--json']). */
  cli(args, { timeoutMs = 20_000 } = {}) {
    const r = spawnSync(this.bin, args, { env: this.env(), encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
  }

  removeHome() {
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}
