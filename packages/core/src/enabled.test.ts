import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, type PirschClient } from './client.js';
import { PirschConfigError, PirschDropError, type PirschError } from './errors.js';
import { createTracker } from './tracker-node.js';
import type { RequestContext, Tracker } from './tracking.js';
import type { Hit, PirschClientOptions, PirschLogger } from './types.js';
import { configError } from './test-support.js';

// `enabled: false`: local development and tests without a key. Nothing is sent, everything is counted.

let emulator: PirschEmulator;
const clients: PirschClient[] = [];
beforeAll(async () => {
  emulator = await createPirschEmulator();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close(1000)));
  emulator.reset();
});
afterAll(async () => {
  await emulator.close();
});

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const hit = (n: number): Hit => ({ url: `https://shop.example/${n}`, ip: '203.0.113.9', user_agent: UA });

/** A logger that records each line per level. */
function recordingLogger(): PirschLogger & { lines: Record<'debug' | 'info' | 'warn' | 'error', string[]> } {
  const lines = { debug: [] as string[], info: [] as string[], warn: [] as string[], error: [] as string[] };
  return {
    lines,
    debug: (message) => lines.debug.push(message),
    info: (message) => lines.info.push(message),
    warn: (message) => lines.warn.push(message),
    error: (message) => lines.error.push(message),
  };
}

function client(options: PirschClientOptions): PirschClient {
  const created = createClient(options);
  clients.push(created);
  return created;
}


describe('createClient({ enabled: false })', () => {
  it('needs no key, sends nothing (even with an API at baseUrl), counts every item in metrics.disabled and says so once', async () => {
    const logger = recordingLogger();
    const pirsch = client({ enabled: false, baseUrl: emulator.url, logger });
    pirsch.hit(hit(1));
    pirsch.hit(hit(2));
    pirsch.event('Signup', hit(1), { meta: { plan: 'pro' } });
    pirsch.session({ ip: '203.0.113.9', user_agent: UA });
    expect(pirsch.metrics).toEqual({ queued: 0, inFlight: 0, sent: 0, failed: 0, dropped: 0, retried: 0, disabled: 4 });
    expect(await pirsch.flush()).toBe(true);
    expect(await pirsch.close()).toBe(true);
    expect(emulator.requests).toEqual([]);
    expect(logger.lines.info).toHaveLength(1);
    expect(logger.lines.info[0]).toMatch(/^\[pirsch\] disabled \(enabled: false\): nothing is sent to Pirsch\..*metrics\.disabled/);
    expect([...logger.lines.warn, ...logger.lines.error, ...logger.lines.debug]).toEqual([]);
  });

  it('ignores credentials it is given: nothing reaches the API, not even a token request', async () => {
    const pirsch = client({ enabled: false, baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, logger: recordingLogger() });
    pirsch.hit(hit(1));
    expect(await pirsch.flush()).toBe(true);
    expect(pirsch.metrics.disabled).toBe(1);
    expect(emulator.requests).toEqual([]);
  });

  it('sets no exit hook and holds nothing that keeps the process alive', () => {
    const listeners = process.listenerCount('beforeExit');
    const resources = process.getActiveResourcesInfo().sort();
    const pirsch = client({ enabled: false, logger: recordingLogger() });
    for (let i = 0; i < 100; i++) pirsch.hit(hit(i));
    pirsch.event('Signup', hit(1));
    // Checked in the same turn: nothing else of this process ran in between.
    expect(process.listenerCount('beforeExit')).toBe(listeners);
    expect(process.getActiveResourcesInfo().sort()).toEqual(resources);
    expect(pirsch.metrics.queued).toBe(0);
  });

  it('says it once through console.info when no logger is given', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    try {
      const pirsch = client({ enabled: false });
      pirsch.hit(hit(1));
      pirsch.hit(hit(2));
      expect(info).toHaveBeenCalledTimes(1);
      expect(String(info.mock.calls[0]?.[0])).toContain('[pirsch] disabled (enabled: false)');
    } finally {
      info.mockRestore();
    }
  });

  it('still checks the items: an invalid one is dropped and reported, not counted as disabled', async () => {
    const errors: PirschError[] = [];
    const pirsch = client({ enabled: false, onError: (error) => errors.push(error), logger: recordingLogger() });
    pirsch.hit({ url: 'https://shop.example/', ip: '203.0.113.9', user_agent: '' });
    pirsch.event('  ', hit(1));
    pirsch.hit(hit(1));
    expect(await pirsch.flush()).toBe(true);
    expect(pirsch.metrics).toMatchObject({ dropped: 2, disabled: 1 });
    expect(errors.map((error) => (error as PirschDropError).reason).sort()).toEqual(['invalid', 'invalid']);
  });

  it('counts what comes after close() as dropped (closed), as an enabled client does', async () => {
    const pirsch = client({ enabled: false, logger: recordingLogger(), onError: () => {} });
    await pirsch.close();
    pirsch.hit(hit(1));
    expect(pirsch.metrics).toMatchObject({ dropped: 1, disabled: 0 });
    expect(pirsch.closed).toBe(true);
  });

  it('refuses statistics and management calls without a request, naming enabled', async () => {
    const pirsch = client({ enabled: false, baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, logger: recordingLogger() });
    const error = await pirsch.domains.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PirschConfigError);
    expect((error as PirschConfigError).option).toBe('enabled');
    expect((error as Error).message).toContain('domains.list made no request');
    expect(emulator.requests).toEqual([]);
  });

  it('still validates every other option: bad options fail in development too', () => {
    const quiet = { enabled: false, logger: recordingLogger() } as const;
    expect(configError(() => createClient({ ...quiet, batchSize: 0 })).option).toBe('batchSize');
    expect(configError(() => createClient({ ...quiet, baseUrl: 'ftp://x' })).option).toBe('baseUrl');
    expect(configError(() => createClient({ ...quiet, accessKey: 42 as never })).option).toBe('accessKey');
    expect(configError(() => createClient({ ...quiet, accessKey: 'pa_x', clientId: 'id', clientSecret: 's' })).option).toBe('accessKey');
    expect(configError(() => createClient({ ...quiet, bachSize: 1 } as never)).message).toContain('did you mean "batchSize"');
    // Refused before anything was set up: nothing said to be disabled.
    expect(quiet.logger.lines.info).toEqual([]);
  });

  it('accepts what an environment without a key gives: no key, an empty one, part of a client', () => {
    for (const options of [{}, { accessKey: '' }, { accessKey: '  ' }, { clientId: 'id' }, { clientSecret: '' }]) {
      const pirsch = client({ enabled: false, logger: recordingLogger(), ...options });
      pirsch.hit(hit(1));
      expect(pirsch.metrics.disabled).toBe(1);
    }
  });

  it('takes only a boolean: a string from the environment ("false" would be true) is refused', () => {
    const error = configError(() => createClient({ enabled: 'false' as never, accessKey: 'pa_x' }));
    expect(error.option).toBe('enabled');
    expect(error.message).toContain('must be true or false, got string');
  });
});

describe('a missing key without enabled: false', () => {
  it('stays an error, which names enabled: false for local development and tests', () => {
    for (const options of [{}, { accessKey: undefined }, { accessKey: '' }, { enabled: true }] as PirschClientOptions[]) {
      const error = configError(() => createClient(options));
      expect(error.option).toBe('accessKey');
      expect(error.message).toMatch(/enabled: false \(e\.g\. enabled: Boolean\(process\.env\.PIRSCH_ACCESS_KEY\)\)/);
    }
    const tracking = configError(() => createTracker({ exclude: ['/health'] }));
    expect(tracking.option).toBe('accessKey');
    expect(tracking.message).toContain('enabled: false');
  });
});

describe('createTracker({ enabled: false })', () => {
  let server: Server;
  let base: string;
  let tracker: Tracker;
  const finished: Array<() => void> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const ctx: RequestContext = { raw: req, req, res };
      const helper = tracker.helper(ctx);
      res.on('finish', () => {
        tracker.track(ctx, res.statusCode);
        finished.shift()?.();
      });
      if (req.url === '/signup') helper.event('Signup', { meta: { plan: 'pro' } });
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function send(path: string, headers: Record<string, string> = { 'user-agent': UA }): Promise<void> {
    const done = new Promise<void>((resolve) => finished.push(resolve));
    const response = await request(`${base}${path}`, { headers });
    await response.body.text();
    await done;
  }

  it('makes every decision and counts it, helper events included, sends nothing, logs once and shuts down at once', async () => {
    const log = recordingLogger();
    tracker = createTracker({ enabled: false, baseUrl: emulator.url, logger: log, exclude: ['/health'] });
    await send('/');
    await send('/signup');
    await send('/health');
    await send('/missing');
    await send('/', { 'user-agent': UA, dnt: '1' });
    expect(tracker.tracked).toBe(2);
    expect(tracker.skipped).toMatchObject({ excluded: 1, status: 1, dnt: 1 });
    // Two page views and the Signup event.
    expect((tracker.client as PirschClient).metrics).toMatchObject({ disabled: 3, sent: 0, queued: 0 });
    expect(tracker.ownsClient).toBe(true);
    await tracker.shutdown();
    expect(tracker.client.closed).toBe(true);
    expect(emulator.requests).toEqual([]);
    expect(log.lines.info).toHaveLength(1);
    expect(log.lines.info[0]).toContain('[pirsch] disabled (enabled: false)');
  });

  it('refuses a ready client that would send, and takes one created with enabled: false', async () => {
    const sending = client({ baseUrl: emulator.url, accessKey: emulator.accessKey });
    const error = configError(() => createTracker({ client: sending, enabled: false }));
    expect(error.option).toBe('enabled');
    expect(error.message).toContain('createClient({ enabled: false })');

    const log = recordingLogger();
    const disabled = client({ enabled: false, logger: log });
    tracker = createTracker({ client: disabled, enabled: false });
    await send('/signup');
    expect(tracker.tracked).toBe(1);
    expect(disabled.metrics.disabled).toBe(2);
    expect(log.lines.info).toHaveLength(1);
    // The client decides: a disabled client behind a middleware left enabled sends nothing either.
    tracker = createTracker({ client: disabled });
    await send('/');
    expect(disabled.metrics.disabled).toBe(3);
    expect(emulator.requests).toEqual([]);
  });

  it('takes only a boolean, with the other tracking options still checked', () => {
    expect(configError(() => createTracker({ enabled: 'no' as never })).option).toBe('enabled');
    expect(configError(() => createTracker({ enabled: false, exclude: ['health'] })).option).toBe('exclude');
    expect(configError(() => createTracker({ enabled: false, excludes: [] } as never)).message).toContain('did you mean "exclude"');
  });
});
