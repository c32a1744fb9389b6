import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PirschConfigError } from './errors.js';
import { ASSET_EXTENSIONS, SKIP_REASONS, resolveTrackingOptions, skipReason } from './filter.js';
import type { TrackingOptions } from './tracking.js';

// Real requests: the server hands each IncomingMessage to the test, which then asks skipReason about it.
let server: Server;
let base: string;
const waiting: Array<(req: IncomingMessage) => void> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    waiting.shift()?.(req);
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

// A real browser's: anything shorter (`Mozilla/5.0`, `curl`) is a bot and skipped as 'bot'.
const UA = { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' };

/** Sends a real request and resolves with the server's IncomingMessage for it. */
async function capture(path: string, headers: Record<string, string | string[]> = UA, method = 'GET'): Promise<IncomingMessage> {
  const received = new Promise<IncomingMessage>((resolve) => waiting.push(resolve));
  const response = await request(`${base}${path}`, { method, headers });
  await response.body.text();
  return received;
}

const defaults = resolveTrackingOptions({});
const resolve = (options: TrackingOptions) => resolveTrackingOptions(options);

describe('skipReason', () => {
  it('tracks a GET 200 page with a user agent by default', async () => {
    const req = await capture('/pricing?plan=pro');
    expect(skipReason(req, 200, req.url ?? '/', defaults)).toBeUndefined();
    expect(skipReason(req, 204, req.url ?? '/', defaults)).toBeUndefined();
  });

  it('skips other methods unless `methods` lists them (case-insensitive)', async () => {
    for (const method of ['POST', 'HEAD', 'PUT', 'DELETE']) {
      const req = await capture('/form', UA, method);
      expect(skipReason(req, 200, '/form', defaults), method).toBe('method');
    }
    const post = await capture('/form', UA, 'POST');
    const options = resolve({ methods: ['get', ' Post '] });
    expect(skipReason(post, 200, '/form', options)).toBeUndefined();
    expect(skipReason(await capture('/form'), 200, '/form', options)).toBeUndefined();
    expect(skipReason(await capture('/form', UA, 'PUT'), 200, '/form', options)).toBe('method');
  });

  it('skips everything but 2xx', async () => {
    const req = await capture('/');
    for (const status of [100, 199, 301, 304, 400, 404, 500, 503, 0, Number.NaN]) {
      expect(skipReason(req, status, '/', defaults), String(status)).toBe('status');
    }
    expect(skipReason(req, 299, '/', defaults)).toBeUndefined();
  });

  it('skips a request without a user agent, or with an empty one', async () => {
    expect(skipReason(await capture('/', {}), 200, '/', defaults)).toBe('no-user-agent');
    expect(skipReason(await capture('/', { 'user-agent': '' }), 200, '/', defaults)).toBe('no-user-agent');
  });

  it('skips DNT: 1 unless respectDnt is false', async () => {
    const dnt = await capture('/', { ...UA, dnt: '1' });
    expect(skipReason(dnt, 200, '/', defaults)).toBe('dnt');
    expect(skipReason(dnt, 200, '/', resolve({ respectDnt: false }))).toBeUndefined();
    expect(skipReason(await capture('/', { ...UA, dnt: '0' }), 200, '/', defaults)).toBeUndefined();
    // Node joins a repeated header; the first value counts
    expect(skipReason(await capture('/', { ...UA, dnt: ['1', '0'] }), 200, '/', defaults)).toBe('dnt');
    expect(skipReason(await capture('/', { ...UA, dnt: ['0', '1'] }), 200, '/', defaults)).toBeUndefined();
  });

  it.each([
    ['Purpose', 'prefetch'],
    ['Sec-Purpose', 'prefetch'],
    ['Sec-Purpose', 'prefetch;prerender'],
    ['Sec-Purpose', 'prefetch; anonymous-client-ip'],
    ['X-Purpose', 'preview'],
    ['X-Purpose', 'Prerender'],
    ['X-Moz', 'prefetch'],
  ])('skips a prefetch request (%s: %s)', async (name, value) => {
    const req = await capture('/', { ...UA, [name]: value });
    expect(skipReason(req, 200, '/', defaults)).toBe('prefetch');
  });

  it('does not skip an unrelated Purpose value', async () => {
    expect(skipReason(await capture('/', { ...UA, purpose: 'navigate' }), 200, '/', defaults)).toBeUndefined();
  });

  it.each([
    '/favicon.ico',
    '/assets/app.js',
    '/assets/app.mjs',
    '/assets/app.js.map',
    '/style.css?v=3',
    '/img/photo.JPG',
    '/img/a.png',
    '/img/a.webp',
    '/img/a.svg',
    '/fonts/inter.woff2',
    '/fonts/inter.woff',
    '/fonts/inter.ttf',
    '/robots.txt',
    '/sitemap.xml',
    '/site.webmanifest',
    '/app.wasm',
    '/video.mp4',
    'http://site.example/a.css',
  ])('skips the asset %s', async (path) => {
    const req = await capture('/any');
    expect(skipReason(req, 200, path, defaults)).toBe('asset');
  });

  it.each(['/', '/blog/v1.2/', '/blog/v1.2/post', '/page.html', '/docs/a.php', '/search?q=a.png', '/a#b.css', '/.well-known/x', '/file.'])(
    'tracks the page %s',
    async (path) => {
      const req = await capture('/any');
      expect(skipReason(req, 200, path, defaults)).toBeUndefined();
    },
  );

  it('excludes path prefixes segment by segment, and RegExps against the pathname', async () => {
    const req = await capture('/');
    const options = resolve({ exclude: ['/admin', '/health/', /^\/api\//, /\/preview$/g] });
    for (const path of ['/admin', '/admin/', '/admin/users?x=1', '/health', '/health/live', '/api/v1', '/posts/preview', 'http://x.example/admin/a']) {
      expect(skipReason(req, 200, path, options), path).toBe('excluded');
    }
    for (const path of ['/administrator', '/healthy', '/apiary', '/posts/preview/more', '/x?path=/admin']) {
      expect(skipReason(req, 200, path, options), path).toBeUndefined();
    }
    // a global RegExp keeps no state between calls
    for (let i = 0; i < 3; i++) expect(skipReason(req, 200, '/posts/preview', options)).toBe('excluded');
    expect(skipReason(req, 200, '/anything', resolve({ exclude: ['/'] }))).toBe('excluded');
  });

  it('matches a prefix without regard to ASCII case, as Express and Koa route, and as a request encodes it', async () => {
    const req = await capture('/');
    const options = resolve({ exclude: ['/Admin/', '/health', '/über', '/caf%C3%A9'] });
    expect(options.excludePrefixes).toEqual(['/admin', '/health', '/über', '/%c3%bcber', '/caf%c3%a9']);
    for (const path of ['/ADMIN', '/admin/Users', '/aDmIn/', '/HEALTH/live?x=1', 'http://x.example/Health', '/%C3%BCber', '/%c3%bcber/x', '/über', '/CAF%C3%A9']) {
      expect(skipReason(req, 200, path, options), path).toBe('excluded');
    }
    for (const path of ['/ADMINISTRATOR', '/Healthy', '/x/ADMIN', '/%C3%BCbers', '/caf%C3%A90']) {
      expect(skipReason(req, 200, path, options), path).toBeUndefined();
    }
    // a RegExp matches as written: the i flag is for the case
    expect(skipReason(req, 200, '/API/v1', resolve({ exclude: [/^\/api\//] }))).toBeUndefined();
    expect(skipReason(req, 200, '/API/v1', resolve({ exclude: [/^\/api\//i] }))).toBe('excluded');
    // a lone surrogate has no encoded form, and is no error
    expect(resolve({ exclude: ['/\ud800'] }).excludePrefixes).toEqual(['/\ud800']);
  });

  it('runs the cheapest checks first', async () => {
    const req = await capture('/app.js', { dnt: '1', purpose: 'prefetch' }, 'POST');
    const options = resolve({ exclude: ['/app.js'] });
    expect(skipReason(req, 404, '/app.js', options)).toBe('method');
    expect(skipReason(await capture('/app.js', { dnt: '1' }), 404, '/app.js', options)).toBe('status');
    expect(skipReason(await capture('/app.js', { dnt: '1' }), 200, '/app.js', options)).toBe('no-user-agent');
    expect(skipReason(await capture('/app.js', { ...UA, dnt: '1', purpose: 'prefetch' }), 200, '/app.js', options)).toBe('dnt');
    expect(skipReason(await capture('/app.js', { ...UA, purpose: 'prefetch' }), 200, '/app.js', options)).toBe('prefetch');
    expect(skipReason(await capture('/app.js'), 200, '/app.js', options)).toBe('asset');
  });

  it('never throws for odd targets', async () => {
    const req = await capture('/');
    for (const path of ['', '*', 'no-slash', 'http://', 'http://x.example', 'http://x.example?y=/a.js', '%zz', '/\u0000.js']) {
      expect(() => skipReason(req, 200, path, defaults)).not.toThrow();
    }
    expect(skipReason(req, 200, 'http://x.example?y=/a.js', defaults)).toBeUndefined();
  });
});

describe('resolveTrackingOptions', () => {
  it('fills in the defaults', () => {
    expect(defaults).toMatchObject({ respectDnt: true, excludePrefixes: [], excludePatterns: [], disableBotFilter: false });
    expect([...defaults.methods]).toEqual(['GET']);
  });

  it.each([
    ['methods', { methods: 'GET' }],
    ['methods', { methods: ['GET', 1] }],
    ['methods', { methods: [''] }],
    ['exclude', { exclude: '/admin' }],
    ['exclude', { exclude: [1] }],
    ['exclude', { exclude: [null] }],
    ['exclude', { exclude: ['admin'] }],
    ['filter', { filter: true }],
    ['title', { title: 'Home' }],
    ['tags', { tags: { a: 'b' } }],
    ['respectDnt', { respectDnt: 'yes' }],
    ['disableBotFilter', { disableBotFilter: 1 }],
    ['hostname', { hostname: 5 }],
    ['hostname', { hostname: '' }],
    ['hostname', { hostname: 'example.com/path' }],
    ['hostname', { hostname: 'a b' }],
    ['protocol', { protocol: 'ftp' }],
  ])('rejects a bad %s', (option, options) => {
    let error: unknown;
    try {
      resolveTrackingOptions(options as TrackingOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PirschConfigError);
    expect((error as PirschConfigError).option).toBe(option);
    expect((error as PirschConfigError).message).toContain(option);
  });

  it('accepts hostnames with a port and IPv6 literals', () => {
    expect(resolve({ hostname: 'example.com:8443' }).hostname).toBe('example.com:8443');
    expect(resolve({ hostname: '[::1]' }).hostname).toBe('[::1]');
    expect(resolve({ protocol: 'https' }).protocol).toBe('https');
  });

  it('rejects a non-object', () => {
    expect(() => resolveTrackingOptions(null as unknown as TrackingOptions)).toThrow(PirschConfigError);
  });
});

describe('ASSET_EXTENSIONS and SKIP_REASONS', () => {
  it('cover favicons, source maps, fonts, images, scripts and styles', () => {
    for (const ext of ['.ico', '.map', '.woff', '.woff2', '.ttf', '.png', '.jpg', '.svg', '.webp', '.js', '.css']) {
      expect(ASSET_EXTENSIONS.has(ext), ext).toBe(true);
    }
    expect(ASSET_EXTENSIONS.has('.html')).toBe(false);
  });

  it('list every reason once', () => {
    expect(new Set(SKIP_REASONS).size).toBe(11);
    expect(SKIP_REASONS).toContain('filter');
    expect(SKIP_REASONS).toContain('bot');
    expect(SKIP_REASONS).toContain('before-send');
    expect(SKIP_REASONS[0]).toBe('aborted');
  });
});
