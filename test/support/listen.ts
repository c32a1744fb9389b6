import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server on loopback: its base URL, and `close()` that also ends keep-alive connections. */
export interface Listening {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `listener` (an Express app, a Koa callback, ...) on a free loopback port.
 *
 * @example
 * const app = await listenOnLoopback(expressApp);
 * await drive(app.url, 100, 10, (i) => `/page/${i}`);
 * await app.close();
 */
export async function listenOnLoopback(listener: RequestListener): Promise<Listening> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
