import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_HINT_HEADERS, mergeAcceptCh, mergePermissionsPolicy, requestClientHints } from './client-hints.js';

const ACCEPT_CH =
  'Sec-CH-UA, Sec-CH-UA-Mobile, Sec-CH-UA-Platform, Sec-CH-UA-Platform-Version, Sec-CH-Width, Sec-CH-Viewport-Width, Width, Viewport-Width';
const POLICY =
  'ch-ua=(self "https://api.pirsch.io"), ch-ua-mobile=(self "https://api.pirsch.io"), ch-ua-platform=(self "https://api.pirsch.io"), ' +
  'ch-ua-platform-version=(self "https://api.pirsch.io"), ch-width=(self "https://api.pirsch.io"), ch-viewport-width=(self "https://api.pirsch.io"), ' +
  'width=(self "https://api.pirsch.io"), viewport-width=(self "https://api.pirsch.io")';

describe('CLIENT_HINT_HEADERS', () => {
  it("are Pirsch's documented values", () => {
    expect(CLIENT_HINT_HEADERS).toEqual({ 'Accept-CH': ACCEPT_CH, 'Permissions-Policy': POLICY });
    expect(Object.isFrozen(CLIENT_HINT_HEADERS)).toBe(true);
  });
});

describe('mergeAcceptCh and mergePermissionsPolicy', () => {
  it('give ours when the app set nothing', () => {
    expect(mergeAcceptCh(undefined)).toBe(ACCEPT_CH);
    expect(mergeAcceptCh('  ')).toBe(ACCEPT_CH);
    expect(mergePermissionsPolicy(undefined)).toBe(POLICY);
  });

  it("keep the app's value and append only what is missing", () => {
    expect(mergeAcceptCh('DPR, sec-ch-ua')).toBe(
      'DPR, sec-ch-ua, Sec-CH-UA-Mobile, Sec-CH-UA-Platform, Sec-CH-UA-Platform-Version, Sec-CH-Width, Sec-CH-Viewport-Width, Width, Viewport-Width',
    );
    expect(mergeAcceptCh(ACCEPT_CH.toLowerCase())).toBe(ACCEPT_CH.toLowerCase());
    expect(mergePermissionsPolicy('camera=(), geolocation=(self "https://maps.example")')).toBe(`camera=(), geolocation=(self "https://maps.example"), ${POLICY}`);
  });

  it("never override the app's directive for a hint, even one that forbids it", () => {
    const merged = mergePermissionsPolicy('CH-UA-Platform-Version=(), ch-width=*');
    expect(merged.startsWith('CH-UA-Platform-Version=(), ch-width=*, ch-ua=(self')).toBe(true);
    expect(merged).not.toMatch(/ch-ua-platform-version=\(self/);
    expect(merged).not.toMatch(/ch-width=\(self/);
    expect(mergePermissionsPolicy(POLICY)).toBe(POLICY);
  });

  it('read commas inside lists and strings as part of a member, and join a repeated header', () => {
    expect(mergePermissionsPolicy('fullscreen=(self "https://a.example,ch-ua=x")')).toContain(', ch-ua=(self "https://api.pirsch.io")');
    expect(mergePermissionsPolicy(['camera=()', 'ch-ua=()'])).toBe(
      `camera=(), ch-ua=(), ${POLICY.slice(POLICY.indexOf('ch-ua-mobile'))}`,
    );
  });
});

/** What the handler does after `requestClientHints(res)`; set per test. */
let route: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok');
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requestClientHints(res);
    route(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function headersOf(handler: typeof route): Promise<Record<string, string | string[] | undefined>> {
  route = handler;
  const response = await request(`${base}/`);
  await response.body.text();
  return response.headers;
}

describe('requestClientHints', () => {
  it('sets both headers on a response the app writes implicitly', async () => {
    const headers = await headersOf((_req, res) => res.end('ok'));
    expect(headers['accept-ch']).toBe(ACCEPT_CH);
    expect(headers['permissions-policy']).toBe(POLICY);
  });

  it('merges a Permissions-Policy and an Accept-CH the handler sets afterwards, over ours', async () => {
    const headers = await headersOf((_req, res) => {
      res.setHeader('Permissions-Policy', 'camera=()');
      res.setHeader('Accept-CH', 'DPR');
      res.end('ok');
    });
    expect(headers['permissions-policy']).toBe(`camera=(), ${POLICY}`);
    expect(headers['accept-ch']).toBe(`DPR, ${ACCEPT_CH}`);
  });

  it('merges headers given to writeHead (as Fastify gives them), in every form Node accepts', async () => {
    const object = await headersOf((_req, res) => {
      res.writeHead(200, 'OK', { 'Permissions-Policy': 'camera=()', 'content-type': 'text/plain' }).end('ok');
    });
    expect(object['permissions-policy']).toBe(`camera=(), ${POLICY}`);
    expect(object['accept-ch']).toBe(ACCEPT_CH);
    expect(object['content-type']).toBe('text/plain');

    const flat = await headersOf((_req, res) => {
      res.writeHead(200, ['permissions-policy', 'microphone=()', 'x-app', '1']).end('ok');
    });
    expect(flat['permissions-policy']).toBe(`microphone=(), ${POLICY}`);
    expect(flat['x-app']).toBe('1');
  });

  it('does not change the object the app passed to writeHead', async () => {
    const given = { 'permissions-policy': 'camera=()' };
    await headersOf((_req, res) => res.writeHead(200, given).end('ok'));
    expect(given).toEqual({ 'permissions-policy': 'camera=()' });
  });

  it('puts the headers back when the app removed every header (as Koa does before an error response)', async () => {
    const headers = await headersOf((_req, res) => {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.statusCode = 500;
      res.end('error');
    });
    expect(headers['permissions-policy']).toBe(POLICY);
    expect(headers['accept-ch']).toBe(ACCEPT_CH);
  });

  it('does nothing on a response whose headers were sent, and wraps a response once', async () => {
    const headers = await headersOf((_req, res) => {
      requestClientHints(res); // a second call, as a second middleware would make
      res.setHeader('Permissions-Policy', 'camera=()');
      res.flushHeaders();
      requestClientHints(res);
      res.end('ok');
    });
    expect(headers['permissions-policy']).toBe(`camera=(), ${POLICY}`);
  });
});
