// Bun: `Bun.serve` with the app's fetch (Bun passes its server as c.env: requestIP). Stops on
// SIGTERM after the middleware's shutdown delivered what is queued.
import { createShop, shopOptions } from './shop.js';

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch: (request: Request, server: unknown) => Response | Promise<Response> }): { port: number; stop(): void };
};
declare const process: { env: Record<string, string | undefined>; on(signal: string, listener: () => void): void; exit(code: number): never };

const { app, tracking } = createShop(shopOptions(process.env));
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch });
process.on('SIGTERM', () => {
  server.stop();
  void tracking.shutdown(5000).then(() => process.exit(0));
});
console.log(`listening on http://127.0.0.1:${server.port}`);
