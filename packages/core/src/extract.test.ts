import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIELD_LIMITS, hitFromRequest, hitFromWebRequest, type HitOptions } from './extract.js';
import type { Hit } from './types.js';

// Test-only self-signed certificate for localhost/127.0.0.1 (EC P-256, expires 2126). Loopback only.
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyf2zZK2NdgZ5IH6A
4EfNwxgdIzvLSUIEevGYpXpXzjahRANCAARSE3IpXA8hHBdGlBc5qQgVorP/x17Z
ZUggfhGzmqx5vAZfeIOmIGcL+9Pf+iLXtDzGckd6ElM04ScjuQ9pJ1cr
-----END PRIVATE KEY-----`;
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUWHXrqSZ6e5XhNFtSbPzTzDOor1gwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNzE2Mzk0MFoYDzIxMjYxMTAz
MTYzOTQwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARSE3IpXA8hHBdGlBc5qQgVorP/x17ZZUggfhGzmqx5vAZfeIOmIGcL
+9Pf+iLXtDzGckd6ElM04ScjuQ9pJ1cro28wbTAdBgNVHQ4EFgQUDt8/65OupSjZ
XuWslisThE1JBaowHwYDVR0jBBgwFoAUDt8/65OupSjZXuWslisThE1JBaowDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSQAwRgIhAOhqAUnNVG9ok2hd4xhADxl2/aYc5KHQs4tIBDW5pMx1AiEA
7fkCRjBNefSwjnRsomiuLHsNR71N3oa1gX++Rbib0vk=
-----END CERTIFICATE-----`;

/** The options the server passes to `hitFromRequest` for the next request (set per test). */
let hitOptions: ((req: IncomingMessage) => HitOptions | undefined) | undefined;
/** The last request the server saw, for calling `hitFromRequest` on a real request many times. */
let lastRequest: IncomingMessage | undefined;

function handler(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  lastRequest = req;
  const hit = hitFromRequest(req, hitOptions?.(req));
  res.setHeader('content-type', 'application/json');
  res.setHeader('connection', 'close');
  res.end(JSON.stringify(hit));
}

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

let server: Server;
let port: number;
let base: string;

beforeAll(async () => {
  // Node's default requires a Host header on HTTP/1.1; turned off so a missing Host reaches the handler.
  server = createServer({ requireHostHeader: false }, handler);
  port = await listen(server);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await stop(server);
});

beforeEach(() => {
  hitOptions = undefined;
});

async function get(path: string, headers: Record<string, string | string[]> = {}): Promise<Hit> {
  const response = await request(`${base}${path}`, { headers });
  return (await response.body.json()) as Hit;
}

/** Sends `head` (request line and headers, CRLF-terminated, without the blank line) on a raw socket. */
async function raw(head: string | Buffer, portNumber = port): Promise<{ status: number; hit: Hit | undefined }> {
  const socket = connect(portNumber, '127.0.0.1');
  await once(socket, 'connect');
  socket.end(Buffer.concat([typeof head === 'string' ? Buffer.from(head, 'latin1') : head, Buffer.from('\r\n')]));
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const status = Number(text.slice(9, 12));
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status, hit: status === 200 ? (JSON.parse(body) as Hit) : undefined };
}

/** Every invariant a hit must hold whatever the request: a parseable URL in normal form, no field over its cap. */
function expectSafe(hit: Hit | undefined): asserts hit is Hit {
  expect(hit).toBeDefined();
  const h = hit as Hit;
  expect(() => new URL(h.url)).not.toThrow();
  expect(h.url).toMatch(/^https?:\/\//);
  // No character the API's URL parser rejects or the URL standard would re-encode, no broken escape.
  expect(h.url).not.toMatch(/[\u0000-\u0020\u007f-\uffff"<>\\^`{|}#]/);
  expect(h.url).not.toMatch(/%(?![0-9A-Fa-f]{2})/);
  for (const [field, value] of Object.entries(h)) {
    const limit = (FIELD_LIMITS as Record<string, number>)[field];
    if (typeof value === 'string' && limit !== undefined) expect(value.length, field).toBeLessThanOrEqual(limit);
  }
  expect(typeof h.ip).toBe('string');
  expect(typeof h.user_agent).toBe('string');
}

describe('hitFromRequest over real HTTP', () => {
  it('builds url, ip and user_agent and leaves absent fields out', async () => {
    const hit = await get('/pricing?plan=pro', { 'user-agent': 'Mozilla/5.0 test' });
    expect(hit).toEqual({ url: `http://127.0.0.1:${port}/pricing?plan=pro`, ip: '127.0.0.1', user_agent: 'Mozilla/5.0 test' });
    expect(Object.values(hit)).not.toContain(undefined);
  });

  it('copies the raw IP headers but never takes the IP from them', async () => {
    const hit = await get('/', {
      'user-agent': 'ua',
      'cf-connecting-ip': '203.0.113.1',
      'x-forwarded-for': '203.0.113.2, 10.0.0.1',
      forwarded: 'for=203.0.113.3;proto=https',
      'x-real-ip': '203.0.113.4',
    });
    expect(hit.ip).toBe('127.0.0.1');
    expect(hit.cf_connecting_ip).toBe('203.0.113.1');
    expect(hit.x_forwarded_for).toBe('203.0.113.2, 10.0.0.1');
    expect(hit.forwarded).toBe('for=203.0.113.3;proto=https');
    expect(hit.x_real_ip).toBe('203.0.113.4');
  });

  it('copies dnt, accept-language, referer and the client hints', async () => {
    const hit = await get('/', {
      'user-agent': 'ua',
      dnt: '0',
      'accept-language': 'de-DE,de;q=0.9,en;q=0.8',
      referer: 'https://news.example/item?id=1',
      'Sec-CH-UA': '"Chromium";v="124", "Google Chrome";v="124"',
      'Sec-CH-UA-Mobile': '?0',
      'Sec-CH-UA-Platform': '"Windows"',
      'Sec-CH-UA-Platform-Version': '"15.0.0"',
      'Sec-CH-Width': '1920',
      'Sec-CH-Viewport-Width': '1280',
    });
    expect(hit).toMatchObject({
      dnt: '0',
      accept_language: 'de-DE,de;q=0.9,en;q=0.8',
      referrer: 'https://news.example/item?id=1',
      sec_ch_ua: '"Chromium";v="124", "Google Chrome";v="124"',
      sec_ch_ua_mobile: '?0',
      sec_ch_ua_platform: '"Windows"',
      sec_ch_ua_platform_version: '"15.0.0"',
      sec_ch_width: '1920',
      sec_ch_viewport_width: '1280',
    });
  });

  it('takes the referrer from ref, referer, referrer, source, utm_source (in that order) when the header is absent', async () => {
    expect((await get('/?utm_source=news&source=src&referrer=r3&referer=r2&ref=r1', { 'user-agent': 'ua' })).referrer).toBe('r1');
    expect((await get('/?utm_source=news&source=src&referrer=r3&referer=r2', { 'user-agent': 'ua' })).referrer).toBe('r2');
    expect((await get('/?utm_source=news&source=src&referrer=r3', { 'user-agent': 'ua' })).referrer).toBe('r3');
    expect((await get('/?utm_source=news&source=src', { 'user-agent': 'ua' })).referrer).toBe('src');
    expect((await get('/?a=1&utm_source=news', { 'user-agent': 'ua' })).referrer).toBe('news');
    // decoded, '+' is a space; an empty value does not count
    expect((await get('/?ref=&source=https%3A%2F%2Fx.example%2F+a', { 'user-agent': 'ua' })).referrer).toBe('https://x.example/ a');
    // escapes that are not UTF-8 are kept as sent
    expect((await get('/?ref=%FF', { 'user-agent': 'ua' })).referrer).toBe('%FF');
    // the header wins
    expect((await get('/?ref=query', { 'user-agent': 'ua', referer: 'https://header.example/' })).referrer).toBe('https://header.example/');
    expect(await get('/?a=1', { 'user-agent': 'ua' })).not.toHaveProperty('referrer');
  });

  it('prefers req.originalUrl (Express, Koa) over req.url', async () => {
    hitOptions = (req) => {
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = '/blog/post?x=1';
      return undefined;
    };
    expect((await get('/post?x=1', { 'user-agent': 'ua' })).url).toBe(`http://127.0.0.1:${port}/blog/post?x=1`);
  });

  it('applies the caller options', async () => {
    hitOptions = () => ({
      ip: '::ffff:198.51.100.7',
      hostname: 'Example.COM',
      protocol: 'https',
      path: '/shop/cart?step=2',
      title: 'Cart',
      screenWidth: 1920,
      screenHeight: 1080.4,
      tags: { plan: 'pro', ab: 'b' },
      disableBotFilter: true,
    });
    const hit = await get('/ignored', { 'user-agent': 'ua' });
    expect(hit).toEqual({
      url: 'https://example.com/shop/cart?step=2',
      ip: '198.51.100.7',
      user_agent: 'ua',
      title: 'Cart',
      screen_width: 1920,
      screen_height: 1080,
      tags: { plan: 'pro', ab: 'b' },
      disable_bot_filter: true,
    });
  });

  it('keeps a plain IPv6 from options.ip and leaves out invalid optional values', async () => {
    hitOptions = () => ({
      ip: '2001:db8::1',
      title: '',
      screenWidth: Number.NaN,
      screenHeight: -5,
      tags: {},
      disableBotFilter: false,
    });
    expect(await get('/', { 'user-agent': 'ua' })).toEqual({ url: `http://127.0.0.1:${port}/`, ip: '2001:db8::1', user_agent: 'ua' });
  });

  it('caps tags at 20 pairs with keys and values of at most 50 characters', async () => {
    const tags: Record<string, string> = {};
    for (let i = 0; i < 30; i++) tags[`k${i}`.padEnd(60, 'k')] = 'v'.repeat(80);
    hitOptions = () => ({ tags });
    const hit = await get('/', { 'user-agent': 'ua' });
    const entries = Object.entries(hit.tags ?? {});
    expect(entries).toHaveLength(20);
    for (const [key, value] of entries) {
      expect(key.length).toBe(50);
      expect(value).toBe('v'.repeat(50));
    }
  });

  it('keeps the hit, without tags, when reading the tags throws (a getter)', async () => {
    hitOptions = () => ({
      title: 'Home',
      tags: Object.defineProperty({ a: '1' }, 'b', {
        enumerable: true,
        get() {
          throw new Error('getter broke');
        },
      }),
    });
    const hit = await get('/home', { 'user-agent': 'ua' });
    expect(hit).toEqual({ url: `${base}/home`, ip: '127.0.0.1', user_agent: 'ua', title: 'Home' });
  });

  it('falls back to an invalid options.hostname to the Host header', async () => {
    hitOptions = () => ({ hostname: 'not a host/' });
    expect((await get('/', { 'user-agent': 'ua' })).url).toBe(`http://127.0.0.1:${port}/`);
  });

  it('turns an IPv4-mapped socket address into plain IPv4', async () => {
    const dual = createServer(handler);
    const dualPort = await listen(dual, '::');
    try {
      const response = await request(`http://127.0.0.1:${dualPort}/`, { headers: { 'user-agent': 'ua' } });
      const hit = (await response.body.json()) as Hit;
      expect(hit.ip).toBe('127.0.0.1');
    } finally {
      await stop(dual);
    }
  });

  it('defaults the protocol to https on a TLS socket', async () => {
    const tls = createTlsServer({ key: TLS_KEY, cert: TLS_CERT }, handler);
    const tlsPort = await listen(tls);
    const agent = new Agent({ connect: { ca: TLS_CERT } });
    try {
      const response = await request(`https://localhost:${tlsPort}/secure`, { dispatcher: agent, headers: { 'user-agent': 'ua' } });
      const hit = (await response.body.json()) as Hit;
      expect(hit.url).toBe(`https://localhost:${tlsPort}/secure`);
    } finally {
      await agent.close();
      await stop(tls);
    }
  });
});

describe('hitFromRequest with hostile requests (raw sockets)', () => {
  it('uses localhost when there is no Host header', async () => {
    const { hit } = await raw('GET /no-host?x=1 HTTP/1.1\r\nUser-Agent: ua\r\n');
    expectSafe(hit);
    expect(hit.url).toBe('http://localhost/no-host?x=1');
  });

  it('takes path and query from an absolute-form request line', async () => {
    const { hit } = await raw('GET http://other.example/a/b?c=1 HTTP/1.1\r\nHost: site.example\r\nUser-Agent: ua\r\n');
    expectSafe(hit);
    expect(hit.url).toBe('http://site.example/a/b?c=1');
    const { hit: bare } = await raw('GET http://other.example HTTP/1.1\r\nHost: site.example\r\nUser-Agent: ua\r\n');
    expect(bare?.url).toBe('http://site.example/');
  });

  it('gives "/" for OPTIONS *', async () => {
    const { hit } = await raw('OPTIONS * HTTP/1.1\r\nHost: site.example\r\nUser-Agent: ua\r\n');
    expectSafe(hit);
    expect(hit.url).toBe('http://site.example/');
  });

  it('keeps invalid percent-encoding parseable without decoding valid escapes', async () => {
    const { hit } = await raw('GET /%zz%/a%2Fb%E2%82%AC?q=%&r=%4 HTTP/1.1\r\nHost: site.example\r\nUser-Agent: ua\r\n');
    expectSafe(hit);
    expect(hit.url).toBe('http://site.example/%25zz%25/a%2Fb%E2%82%AC?q=%25&r=%254');
  });

  it('encodes characters the URL standard or the API would treat differently, and drops the fragment', async () => {
    const { status, hit } = await raw('GET /a"b<c>{d}|e^f`g\\h?i=j"k#frag HTTP/1.1\r\nHost: site.example\r\nUser-Agent: ua\r\n');
    // Node's parser lets all of these through to the handler.
    expect(status).toBe(200);
    expectSafe(hit);
    expect(hit.url).toBe('http://site.example/a%22b%3Cc%3E%7Bd%7D%7Ce%5Ef%60g%5Ch?i=j%22k');
    const { hit: fragment } = await raw('GET /page#section HTTP/1.1\r\nHost: site.example\r\nUser-Agent: ua\r\n');
    expect(fragment?.url).toBe('http://site.example/page');
  });

  it.each([
    ['a space', 'a b'],
    ['an invalid port', 'site.example:99999'],
    ['an invalid IPv4', '1.2.3.999'],
    ['a broken IPv6', '[zz::1'],
    ['userinfo', 'user@site.example'],
    ['a path', 'site.example/evil'],
    ['a query', 'site.example?x'],
    ['a backslash', 'site.example\\x'],
    ['a huge name', `${'a'.repeat(300)}.example`],
  ])('falls back to localhost for a Host with %s', async (_name, host) => {
    const { status, hit } = await raw(`GET /x HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ua\r\n`);
    expect(status).toBe(200); // Node's parser lets every one of these through to the handler
    expectSafe(hit);
    expect(hit.url).toBe('http://localhost/x');
  });

  it('drops the default port of the protocol of each request, also when the same Host comes in turn over http and https', () => {
    // A request object as Node's server hands it over: the same Host header each time.
    const over = (protocol: 'http' | 'https') =>
      hitFromRequest({ headers: { host: 'Shop.Example:443', 'user-agent': 'ua' }, url: '/', socket: { remoteAddress: '::1' } } as unknown as IncomingMessage, { protocol }).url;
    expect(over('https')).toBe('https://shop.example/');
    expect(over('http')).toBe('http://shop.example:443/');
    expect(over('http')).toBe('http://shop.example:443/');
    expect(over('https')).toBe('https://shop.example/');
  });

  it('normalises a valid Host: lowercase, punycode, no default port', async () => {
    expect((await raw('GET / HTTP/1.1\r\nHost: WWW.Example.COM:80\r\nUser-Agent: ua\r\n')).hit?.url).toBe('http://www.example.com/');
    expect((await raw('GET / HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: ua\r\n')).hit?.url).toBe('http://[::1]:8080/');
    // UTF-8 bytes of "bücher.de", which Node reads as latin1
    const { hit } = await raw(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: '), Buffer.from('bücher.de'), Buffer.from('\r\nUser-Agent: ua\r\n')]));
    expectSafe(hit);
    expect(new URL(hit.url).hostname).toMatch(/^xn--/);
  });

  it('takes the first value of repeated single-valued headers and keeps list headers joined', async () => {
    const { hit } = await raw(
      'GET / HTTP/1.1\r\nHost: site.example\r\nUser-Agent: first\r\nUser-Agent: second\r\nDNT: 1\r\nDNT: 0\r\n' +
        'Referer: https://a.example/\r\nReferer: https://b.example/\r\nX-Forwarded-For: 203.0.113.1\r\nX-Forwarded-For: 203.0.113.2\r\n' +
        'X-Real-IP: 203.0.113.3\r\nX-Real-IP: 203.0.113.4\r\nSec-CH-UA-Mobile: ?1\r\nSec-CH-UA-Mobile: ?0\r\n',
    );
    expectSafe(hit);
    expect(hit.user_agent).toBe('first');
    expect(hit.dnt).toBe('1');
    expect(hit.referrer).toBe('https://a.example/');
    expect(hit.x_forwarded_for).toBe('203.0.113.1, 203.0.113.2');
    expect(hit.x_real_ip).toBe('203.0.113.3');
    expect(hit.sec_ch_ua_mobile).toBe('?1');
  });

  it('survives non-ASCII (latin1) header bytes', async () => {
    const head = Buffer.concat([
      Buffer.from('GET /caf%C3%A9 HTTP/1.1\r\nHost: site.example\r\nUser-Agent: Mozilla '),
      Buffer.from([0xe9, 0xff, 0x80]),
      Buffer.from('\r\nReferer: https://r.example/'),
      Buffer.from([0xfc]),
      Buffer.from('\r\nAccept-Language: de\r\n'),
    ]);
    const { hit } = await raw(head);
    expectSafe(hit);
    expect(hit.url).toBe('http://site.example/caf%C3%A9');
    expect(hit.user_agent).toBe('Mozilla \u00e9\u00ff\u0080');
    expect(hit.referrer).toBe('https://r.example/\u00fc');
  });

  it('caps every field of a request with headers near the 16 KiB limit', async () => {
    const path = `/${'p'.repeat(2500)}%41%42?${'q'.repeat(1500)}`;
    const head =
      `GET ${path} HTTP/1.1\r\nHost: site.example\r\nUser-Agent: ${'u'.repeat(3000)}\r\nReferer: https://r.example/${'r'.repeat(3000)}\r\n` +
      `X-Forwarded-For: ${'1.1.1.1, '.repeat(300)}\r\nAccept-Language: ${'de,'.repeat(400)}\r\nSec-CH-UA: ${'x'.repeat(1000)}\r\n` +
      `DNT: ${'1'.repeat(100)}\r\nCF-Connecting-IP: ${'2'.repeat(300)}\r\nForwarded: ${'f'.repeat(700)}\r\n`;
    expect(head.length).toBeGreaterThan(14_000);
    expect(head.length).toBeLessThan(16_384);
    const { hit } = await raw(head);
    expectSafe(hit);
    expect(hit.url.length).toBe(FIELD_LIMITS.url);
    expect(hit.user_agent.length).toBe(FIELD_LIMITS.user_agent);
    expect(hit.referrer?.length).toBe(FIELD_LIMITS.referrer);
    expect(hit.x_forwarded_for?.length).toBe(FIELD_LIMITS.x_forwarded_for);
  });

  it('never cuts a percent escape in half when it caps the URL', async () => {
    const prefix = `http://site.example/`;
    for (const shift of [0, 1, 2]) {
      // place a %XX escape across the cut at each offset
      const filler = 'a'.repeat(FIELD_LIMITS.url - prefix.length - shift - 1);
      const { hit } = await raw(`GET /${filler}%41%42%43 HTTP/1.1\r\nHost: site.example\r\nUser-Agent: ua\r\n`);
      expectSafe(hit);
      expect(hit.url.length).toBeLessThanOrEqual(FIELD_LIMITS.url);
      expect(hit.url.length).toBeGreaterThan(FIELD_LIMITS.url - 3);
    }
  });

  it('keeps every invariant for random targets, hosts and header values on a real request', async () => {
    await get('/seed', { 'user-agent': 'ua' });
    const req = lastRequest as IncomingMessage;
    // A small deterministic PRNG, so a failure is reproducible.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = ['/', '?', '#', '%', '%2', '%zz', ' ', '\t', '\\', '"', '&', '=', 'é', '\u00ff', '€', '😀', '\ud800', '\udc00', 'a', 'Z', '9', '.', ':', '@', '[', ']', '\u0000', '\n', '+', 'ref='];
    const text = (length: number) => Array.from({ length }, () => alphabet[random(alphabet.length)]).join('');
    for (let i = 0; i < 2000; i++) {
      const options: HitOptions = {
        path: random(4) === 0 ? `http://x.example${text(random(20))}` : text(random(40)),
        hostname: random(2) === 0 ? text(random(12)) : undefined,
        protocol: random(2) === 0 ? 'https' : undefined,
        title: text(random(10)),
        tags: { [text(3)]: text(3) },
      };
      expectSafe(hitFromRequest(req, options));
    }
  });
});

describe('hitFromRequest on broken request objects', () => {
  it('never throws and gives a hit the client will drop as invalid', () => {
    const broken = [
      {},
      { headers: null, url: 5, socket: null },
      {
        get headers(): never {
          throw new Error('boom');
        },
      },
      { headers: { host: ['a.example', 'b.example'], 'user-agent': ['ua1', 'ua2'] }, url: '/x', socket: { remoteAddress: undefined } },
    ];
    for (const req of broken) {
      const hit = hitFromRequest(req as unknown as IncomingMessage);
      expectSafe(hit);
    }
    const last = hitFromRequest(broken[3] as unknown as IncomingMessage);
    expect(last).toEqual({ url: 'http://a.example/x', ip: '', user_agent: 'ua1' });
    expect(hitFromRequest(broken[2] as unknown as IncomingMessage)).toEqual({ url: 'http://localhost/', ip: '', user_agent: '' });
  });
});

describe('hitFromWebRequest', () => {
  it('builds the same fields from a Fetch API Request', () => {
    const request = new Request('https://Shop.Example:443/cart?utm_source=mail', {
      headers: {
        'User-Agent': 'Mozilla/5.0',
        'Accept-Language': 'en',
        DNT: '1',
        'X-Forwarded-For': '203.0.113.9',
        'Sec-CH-UA-Platform': '"macOS"',
      },
    });
    expect(hitFromWebRequest(request, { ip: '::ffff:203.0.113.9', title: 'Cart' })).toEqual({
      url: 'https://shop.example/cart?utm_source=mail',
      ip: '203.0.113.9',
      user_agent: 'Mozilla/5.0',
      x_forwarded_for: '203.0.113.9',
      dnt: '1',
      accept_language: 'en',
      referrer: 'mail',
      sec_ch_ua_platform: '"macOS"',
      title: 'Cart',
    });
  });

  it('applies hostname, protocol and path overrides and keeps the URL parseable', () => {
    const request = new Request('http://[::1]:8080/a%zz?x=1', { headers: { 'user-agent': 'ua' } });
    expect(hitFromWebRequest(request, { ip: '::1' }).url).toBe('http://[::1]:8080/a%25zz?x=1');
    const hit = hitFromWebRequest(request, { ip: '::1', hostname: 'example.com', protocol: 'https', path: '/other path' });
    expectSafe(hit);
    expect(hit.url).toBe('https://example.com/other%20path');
  });

  it('strips the stripQuery parameters from the URL and the referrer', () => {
    const request = new Request('https://shop.example/verify?Email=a%40b.example&step=2', {
      headers: { 'user-agent': 'ua', referer: 'https://mail.example/open?email=a%40b.example' },
    });
    const hit = hitFromWebRequest(request, { ip: '1.2.3.4', stripQuery: ['email'] });
    expect(hit.url).toBe('https://shop.example/verify?step=2');
    expect(hit.referrer).toBe('https://mail.example/open');
  });

  it('never throws on a broken request', () => {
    expectSafe(hitFromWebRequest({} as Request, { ip: '1.2.3.4' }));
    expectSafe(hitFromWebRequest({ url: 'no-scheme', headers: new Headers() } as unknown as Request, { ip: '1.2.3.4' }));
  });
});

describe('FIELD_LIMITS', () => {
  it('is frozen and covers the URL, the user agent and the tags', () => {
    expect(Object.isFrozen(FIELD_LIMITS)).toBe(true);
    expect(FIELD_LIMITS).toMatchObject({ url: 2048, user_agent: 512, tagCount: 20, tagKey: 50, tagValue: 50 });
  });
});
