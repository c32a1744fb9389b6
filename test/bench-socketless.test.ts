import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { FRAMEWORKS, buildListener } from '../bench/apps.mjs';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { SOCKETLESS_HEADERS, socketlessRequest } from '../bench/socketless.mjs';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
const request = socketlessRequest as (handler: Listener) => Promise<number>;

// bench/request-time.mjs and bench/adapter-time.mjs time requests made without a socket.
describe('socketless requests (bench)', () => {
  it('resolve with the ns taken, once every finish listener of the response has run', async () => {
    const order: string[] = [];
    const ns = await request((req, res) => {
      res.on('finish', () => order.push(`finish ${req.method} ${req.url} ${req.headers['user-agent'] === SOCKETLESS_HEADERS['user-agent']}`));
      setImmediate(() => {
        res.end('late');
        res.on('finish', () => order.push('added after end'));
      });
    });
    order.push('resolved');
    expect(order).toEqual(['finish GET / true', 'added after end', 'resolved']);
    expect(ns).toBeGreaterThan(0);
  });

  it.each(FRAMEWORKS as string[])('%s: every variant request-time uses answers GET / with the page, Fastify through its own listener too', async (framework) => {
    for (const variant of ['bare', 'empty', 'decide', 'extract']) {
      const listener = (await buildListener({ framework, variant })) as Listener;
      let answered: ServerResponse | undefined;
      await request((req, res) => {
        answered = res;
        listener(req, res);
      });
      // The header block as written (Fastify passes its headers to writeHead, not setHeader).
      const head = String((answered as unknown as { _header?: string } | undefined)?._header);
      expect([variant, answered?.statusCode, /^content-type: text\/html/im.test(head)]).toEqual([variant, 200, true]);
    }
  });
});
