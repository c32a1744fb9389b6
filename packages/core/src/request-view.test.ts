import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readOnceView } from './adapter.js';

describe('readOnceView', () => {
  it('reads headers and socket from the request once each, method, url and originalUrl whenever asked', () => {
    const req = new IncomingMessage(new Socket()) as IncomingMessage & { originalUrl?: string };
    req.method = 'GET';
    req.url = '/a';
    req.originalUrl = '/shop/a';
    const reads = { headers: 0, socket: 0 };
    const headers = { 'user-agent': 'UA' };
    const socket = req.socket;
    Object.defineProperty(req, 'headers', { get: () => (reads.headers++, headers) });
    Object.defineProperty(req, 'socket', { get: () => (reads.socket++, socket) });
    const view = readOnceView(req);
    expect(reads).toEqual({ headers: 0, socket: 0 });
    for (let i = 0; i < 3; i++) {
      expect(view.headers).toBe(headers);
      expect(view.socket).toBe(socket);
    }
    expect(reads).toEqual({ headers: 1, socket: 1 });
    req.method = 'PUT'; // a method-override middleware, after the view was made
    req.url = '/b';
    expect([view.method, view.url, (view as { originalUrl?: unknown }).originalUrl]).toEqual(['PUT', '/b', '/shop/a']);
  });

  it('takes headers the caller has read already, and never reads them from the request then', () => {
    const req = new IncomingMessage(new Socket());
    let reads = 0;
    Object.defineProperty(req, 'headers', { get: () => (reads++, {}) });
    const given = { host: 'example.com' };
    expect(readOnceView(req, given).headers).toBe(given);
    expect(reads).toBe(0);
  });
});
