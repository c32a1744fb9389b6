import { inspect } from 'node:util';
import { PirschApiError, type PirschError, type PirschLogger } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/express';
import type { PirschExpressOptions } from '@pirsch-node/express';
import { createPirschEmulator, type PirschEmulator, type PirschEmulatorOptions } from '@pirsch-node/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { failOnUnhandledErrors } from './support/guard.js';
import { listenOnLoopback, type Listening } from './support/listen.js';
import { expectSoundIngest } from './support/hits.js';
import { drive } from './support/load.js';

// Authentication under stress, through the Express adapter with a client it created from
// options: tokens that expire while hits stream, a token endpoint that fails for a while, and
// wrong credentials - reported once, clearly, and the secret never shown.

failOnUnhandledErrors();

const SECRET = 'S3CRET-do-not-show';

let emulator: PirschEmulator | undefined;
let served: Listening | undefined;
let tracking: ReturnType<typeof pirsch> | undefined;
afterEach(async () => {
  await served?.close();
  await tracking?.shutdown(1000);
  await emulator?.close();
  served = undefined;
  tracking = undefined;
  emulator = undefined;
});

async function setUp(emulatorOptions: PirschEmulatorOptions, options: (e: PirschEmulator) => PirschExpressOptions): Promise<{ emulator: PirschEmulator; url: string; tracking: ReturnType<typeof pirsch> }> {
  emulator = await createPirschEmulator(emulatorOptions);
  tracking = pirsch(options(emulator));
  const app = express();
  app.use(tracking);
  app.get('/page/:n', (req, res) => void res.send(`page ${req.params.n}`));
  served = await listenOnLoopback(app);
  return { emulator, url: served.url, tracking };
}

/** Fast retries, so a test of recovery does not wait on the production backoff. */
const quickRetries = { batchSize: 10, flushIntervalMs: 20, timeoutMs: 1000, maxRetries: 100, minRetryDelayMs: 10, maxRetryDelayMs: 100 };

/** Options with the emulator's client ID, `secret`, quick retries, and every report into `reported`. */
function clientCredentials(secret: string, reported: PirschError[]): (e: PirschEmulator) => PirschExpressOptions {
  return (e) => ({ baseUrl: e.url, clientId: e.clientId, clientSecret: secret, ...quickRetries, onError: (error) => reported.push(error) });
}

function expectEveryPageOnce(e: PirschEmulator, count: number): void {
  const pages = e.hits.map((hit) => new URL(hit.url).pathname);
  expect(pages).toHaveLength(count);
  expect(new Set(pages).size).toBe(count);
}

/** For a failure message: the client's counters and what it reported. */
function explain(t: ReturnType<typeof pirsch>, reported: PirschError[]): string {
  return JSON.stringify({ metrics: t.client.metrics, reported: reported.map((error) => error.message) });
}

/** Every way an error can be shown: message, stack, String(), JSON, util.inspect (with its cause). */
function shown(error: unknown): string {
  return [String(error), (error as Error).stack, JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })].join('\n');
}

describe('tokens expiring mid-stream', () => {
  it('every token is revoked every 50 hits while 600 page views stream: each hit arrives once, nothing is reported', async () => {
    const reported: PirschError[] = [];
    const { emulator: e, url, tracking: t } = await setUp({ clientSecret: SECRET }, clientCredentials(SECRET, reported));
    let expiries = 0;
    let nextExpiry = 50;
    e.on('request', () => {
      if (e.hits.length >= nextExpiry) {
        e.expireTokens();
        expiries++;
        nextExpiry += 50;
      }
    });

    const load = await drive(url, 600, 10, (i) => `/page/${i}`);
    expect(load.statuses.every((status) => status === 200)).toBe(true);
    expect(await t.client.flush(10_000), explain(t, reported)).toBe(true);

    expectEveryPageOnce(e, 600);
    expectSoundIngest(e, { faulted: true });
    expect(expiries).toBeGreaterThanOrEqual(10);
    // Requests did go out with revoked tokens, were refused, and got a new token each time.
    expect(e.requests.filter((r) => r.status === 401).length).toBeGreaterThan(0);
    expect(e.tokensIssued).toBeGreaterThan(1);
    expect(t.client.metrics).toMatchObject({ sent: 600, failed: 0, dropped: 0 });
    expect(reported.map((error) => error.message)).toEqual([]);
  });

  it('short-lived tokens (300 ms) are refreshed as they lapse: each hit arrives once', async () => {
    const reported: PirschError[] = [];
    const { emulator: e, url, tracking: t } = await setUp({ clientSecret: SECRET, tokenTtlMs: 300 }, clientCredentials(SECRET, reported));
    // Waves of page views, each flushed, until the stream has outlived two tokens.
    let sent = 0;
    while (e.tokensIssued < 3 && sent < 10_000) {
      const load = await drive(url, 50, 10, (i) => `/page/${sent + i}`);
      expect(load.statuses.every((status) => status === 200)).toBe(true);
      expect(await t.client.flush(10_000), explain(t, reported)).toBe(true);
      sent += 50;
    }
    expect(e.tokensIssued).toBeGreaterThanOrEqual(3);
    expectEveryPageOnce(e, sent);
    expect(t.client.metrics).toMatchObject({ sent, failed: 0, dropped: 0 });
    expect(reported.map((error) => error.message)).toEqual([]);
  });
});

describe('the token endpoint failing for a while', () => {
  it('the first token calls fail (503, 429, resets, a hang), and again after tokens are revoked: every hit arrives once', async () => {
    const reported: PirschError[] = [];
    const { emulator: e, url, tracking: t } = await setUp({ clientSecret: SECRET }, clientCredentials(SECRET, reported));
    const failTokenEndpoint = () => {
      e.failNext(3, { scope: 'token', status: 503 });
      e.resetNext(2, { scope: 'token' });
      e.failNext(1, { scope: 'token', status: 429, retryAfter: 1 });
      e.hangNext(1, { scope: 'token' });
      e.failNext(2, { scope: 'token', status: 500 });
    };
    failTokenEndpoint();
    let revoked = false;
    e.on('request', () => {
      if (!revoked && e.hits.length >= 200) {
        revoked = true;
        failTokenEndpoint();
        e.expireTokens();
      }
    });

    const load = await drive(url, 500, 10, (i) => `/page/${i}`);
    expect(load.statuses.every((status) => status === 200)).toBe(true);
    expect(await t.client.flush(15_000), explain(t, reported)).toBe(true);

    expect(revoked).toBe(true);
    expect(e.pendingFaults).toBe(0);
    const tokenCalls = e.requests.filter((r) => r.path === '/api/v1/token');
    expect(tokenCalls.filter((r) => r.status !== 200)).toHaveLength(18);
    expectEveryPageOnce(e, 500);
    expect(t.client.metrics).toMatchObject({ sent: 500, failed: 0, dropped: 0 });
    expect(reported.map((error) => error.message)).toEqual([]);
  }, 30_000);
});

describe('wrong credentials', () => {
  it('a wrong client secret is reported once through onError, clearly, and the secret is never shown', async () => {
    const wrong = `wrong-${SECRET}`;
    const reported: PirschError[] = [];
    const { emulator: e, url, tracking: t } = await setUp({ clientSecret: SECRET }, clientCredentials(wrong, reported));
    // Several waves and flushes: the token is asked for again after each backoff, but it was already said.
    for (let wave = 0; wave < 3; wave++) {
      const load = await drive(url, 60, 10, (i) => `/page/${wave * 60 + i}`);
      expect(load.statuses.every((status) => status === 200)).toBe(true);
      expect(await t.client.flush(300)).toBe(false);
    }
    expect(e.hits).toHaveLength(0);
    // Not given up: the hits wait (bounded by maxQueueSize) for the credentials to work.
    expect(t.client.metrics).toMatchObject({ sent: 0, failed: 0 });
    expect(t.client.metrics.queued + t.client.metrics.inFlight).toBe(180);

    expect(reported).toHaveLength(1);
    const error = reported[0] as PirschApiError;
    expect(error).toBeInstanceOf(PirschApiError);
    expect(error.status).toBe(401);
    expect(error.request).toBe('POST /api/v1/token');
    expect(error.message).toContain('401');
    expect(error.message).toContain('/api/v1/token');
    expect(error.message).toMatch(/wrong client ID or secret/);
    for (const r of reported) expect(shown(r)).not.toContain(SECRET);
  });

  it('without onError, the logger hears it once; with debug on, no line shows the secret or a token', async () => {
    const lines: string[] = [];
    const logger: PirschLogger = {
      debug: (m) => lines.push(`debug ${m}`),
      info: (m) => lines.push(`info ${m}`),
      warn: (m) => lines.push(`warn ${m}`),
      error: (m) => lines.push(`error ${m}`),
    };
    const { emulator: e, url, tracking: t } = await setUp({ clientSecret: SECRET }, (em) => ({
      baseUrl: em.url,
      clientId: em.clientId,
      clientSecret: `wrong-${SECRET}`,
      ...quickRetries,
      logger,
      debug: true,
    }));
    for (let wave = 0; wave < 2; wave++) {
      await drive(url, 30, 5, (i) => `/page/${wave * 30 + i}`);
      await t.client.flush(300);
    }
    const warnings = lines.filter((line) => line.startsWith('warn') || line.startsWith('error'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/401.*\/api\/v1\/token/);
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(e.tokensIssued).toBe(0);
  });

  it('a wrong access key is reported once, and the key is never shown', async () => {
    const key = `pa_${SECRET}`;
    const reported: PirschError[] = [];
    const { emulator: e, url, tracking: t } = await setUp({}, (em) => ({
      baseUrl: em.url,
      accessKey: key,
      ...quickRetries,
      onError: (error) => reported.push(error),
    }));
    for (let wave = 0; wave < 3; wave++) {
      await drive(url, 40, 10, (i) => `/page/${wave * 40 + i}`);
      expect(await t.client.flush(300)).toBe(false);
    }
    expect(e.hits).toHaveLength(0);
    // Asked again after each backoff (not given up), and said once.
    expect(e.requests.filter((r) => r.status === 401).length).toBeGreaterThan(1);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(PirschApiError);
    expect((reported[0] as PirschApiError).status).toBe(401);
    for (const r of reported) expect(shown(r)).not.toContain(SECRET);
  });
});
