import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Listening } from './listen.js';

/** Headers that belong to one connection, not to the message: a proxy does not pass them on. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

/**
 * A reverse proxy on 127.0.0.1 in front of the app at `target`, set up the way nginx usually is
 * (`proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`):
 * every request goes to the app over a new connection of the proxy's own, from 127.0.0.1 (so the
 * app's peer is the proxy), with the visitor's `Host` and other headers, and with the visitor's
 * address appended to whatever `X-Forwarded-For` the visitor sent (a forged one stays in front of
 * it, as nginx leaves it). On loopback the visitor's connection comes from 127.0.0.1 as well, so
 * `visitorAddress` is the address the proxy reports for it: the public one a visitor on the
 * internet has (use one that is not the proxy's, e.g. `198.51.100.7`).
 *
 * @example
 * const proxy = await startForwardingProxy(app.url, '198.51.100.7');
 * await request(proxy.url).get('/').set('X-Forwarded-For', '203.0.113.66'); // the app sees "203.0.113.66, 198.51.100.7" from 127.0.0.1
 */
export async function startForwardingProxy(target: string, visitorAddress: string): Promise<Listening> {
  const { hostname, port } = new URL(target);
  const server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    const sent = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = sent === undefined || sent === '' ? visitorAddress : `${sent}, ${visitorAddress}`;
    const upstream = request(
      { host: hostname, port: Number(port), method: req.method, path: req.url, headers, localAddress: '127.0.0.1', agent: false },
      (answer) => {
        const answerHeaders: IncomingHttpHeaders = { ...answer.headers };
        for (const name of HOP_BY_HOP) delete answerHeaders[name];
        res.writeHead(answer.statusCode ?? 502, answerHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
