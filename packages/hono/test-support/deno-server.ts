// Deno: `Deno.serve(app.fetch)` (Deno passes the handler info as c.env: remoteAddr). Stops on
// SIGTERM after the middleware's shutdown delivered what is queued.
import { createShop, shopOptions } from './shop.js';

declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen: (address: { port: number }) => void },
    handler: (request: Request, info: unknown) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
  env: { toObject(): Record<string, string> };
  addSignalListener(signal: 'SIGTERM', listener: () => void): void;
  exit(code: number): never;
};

const { app, tracking } = createShop(shopOptions(Deno.env.toObject()));
const server = Deno.serve(
  { port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`) },
  app.fetch,
);
Deno.addSignalListener('SIGTERM', () => {
  void server
    .shutdown()
    .then(() => tracking.shutdown(5000))
    .then(() => Deno.exit(0));
});
