import { createPirschEmulator } from '@pirsch-node/testing';
import { describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { PirschConfigError } from './errors.js';
import { nearestOptionName, resolveClientOptions } from './options.js';
import { createTracker } from './tracker-node.js';
import type { PirschClientOptions } from './types.js';
import { configError } from './test-support.js';


describe('a misspelt option', () => {
  it('names the nearest known option and lists tracking and client options (adapters, createTracker)', () => {
    const error = configError(() => createTracker({ accessKey: 'pa_secret', excludes: ['/health'] } as never));
    expect(error.option).toBe('excludes');
    expect(error.message).toContain('did you mean "exclude"?');
    expect(error.message).toMatch(/tracking options: .*respectDnt.*exclude/);
    expect(error.message).toMatch(/client options: .*accessKey.*flushIntervalMs/);
    expect(error.message).not.toContain('pa_secret');
    // The same with a ready client: the typo is not taken for a client option given next to it.
    const withClient = configError(() => createTracker({ client: createClient({ accessKey: 'pa_x', baseUrl: 'http://127.0.0.1:9' }), exlude: [] } as never));
    expect(withClient.message).toContain('did you mean "exclude"?');
  });

  it.each([
    ['acessKey', 'accessKey'],
    ['clientSecert', 'clientSecret'],
    ['batchsize', 'batchSize'],
    ['flushInterval', 'flushIntervalMs'],
    ['respectDNT', 'respectDnt'],
    ['method', 'methods'],
  ])('%s -> %s', (typo, meant) => {
    expect(nearestOptionName(typo, ['accessKey', 'clientSecret', 'batchSize', 'flushIntervalMs', 'respectDnt', 'methods'])).toBe(meant);
    expect(configError(() => createTracker({ accessKey: 'pa_x', [typo]: 1 } as never)).message).toContain(`did you mean "${meant}"?`);
  });

  it('suggests nothing for a name close to no option', () => {
    const error = configError(() => createTracker({ accessKey: 'pa_x', somethingElse: 1 } as never));
    expect(error.message).not.toContain('did you mean');
    expect(error.message).toContain('is not an option');
  });

  it('createClient says a tracking option goes to the adapter', () => {
    const error = configError(() => createClient({ accessKey: 'pa_x', exclude: ['/health'] } as never));
    expect(error.option).toBe('exclude');
    expect(error.message).toMatch(/tracking option: give it to the framework adapter/);
  });
});

describe('baseUrl', () => {
  it('ignores a trailing /api/v1, so calls do not go to /api/v1/api/v1/...', async () => {
    const emulator = await createPirschEmulator();
    try {
      for (const suffix of ['/api/v1', '/api/v1/', '/API/V1']) {
        const client = createClient({ baseUrl: emulator.url + suffix, accessKey: emulator.accessKey });
        client.hit({ url: `https://site.example${suffix}`, ip: '198.51.100.1', user_agent: 'Mozilla/5.0' });
        expect(await client.close()).toBe(true);
      }
      expect(emulator.hits).toHaveLength(3);
      expect(emulator.requests.map((request) => request.path)).toEqual(['/api/v1/hit/batch', '/api/v1/hit/batch', '/api/v1/hit/batch']);
    } finally {
      await emulator.close();
    }
  });

  it('keeps another path as the prefix of a reverse proxy', () => {
    expect(resolveClientOptions({ accessKey: 'pa_x', baseUrl: 'https://proxy.example/pirsch/' }).baseUrl.pathname).toBe('/pirsch');
    expect(resolveClientOptions({ accessKey: 'pa_x', baseUrl: 'https://proxy.example/pirsch/api/v1' }).baseUrl.pathname).toBe('/pirsch');
  });

  it('refuses http: off loopback with a message naming allowHttp, and accepts it with allowHttp: true', () => {
    const refused = configError(() => createClient({ accessKey: 'pa_x', baseUrl: 'http://pirsch-emulator:8765' }));
    expect(refused.option).toBe('baseUrl');
    expect(refused.message).toContain('allowHttp: true');
    const options: PirschClientOptions = { accessKey: 'pa_x', baseUrl: 'http://pirsch-emulator:8765', allowHttp: true };
    expect(resolveClientOptions(options).baseUrl.origin).toBe('http://pirsch-emulator:8765');
    expect(configError(() => resolveClientOptions({ ...options, allowHttp: 'yes' as never })).option).toBe('allowHttp');
  });

  it('allowHttp is a client option adapters pass on', () => {
    const tracker = createTracker({ accessKey: 'pa_x', baseUrl: 'http://pirsch-emulator:8765', allowHttp: true });
    expect(tracker.ownsClient).toBe(true);
    void tracker.shutdown(0);
  });
});
