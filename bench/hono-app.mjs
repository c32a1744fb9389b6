// The app of bench/hono.mjs: Hono answering GET / with the bench apps' page (bench/page.mjs), bare or
// with our middleware delivering to the bench's API (bench/api-process.mjs), served by whichever
// runtime runs this file: Node (@hono/node-server), Bun (Bun.serve) or Deno (Deno.serve, from a
// bundle bench/hono.mjs makes). Arguments: <variant: bare|ours> <apiUrl> <accessKey>. Prints
// "PORT <n>" once it listens.
import { Hono } from 'hono';
import { pirsch } from '@pirsch-node/hono';
import { PAGE } from './page.mjs';

const { Bun, Deno } = globalThis;
const [variant, apiUrl, accessKey] = Deno ? Deno.args : process.argv.slice(2);

const app = new Hono();
if (variant === 'ours') app.use(pirsch({ accessKey, baseUrl: apiUrl }));
app.get('/', (c) => c.html(PAGE));

if (Bun) {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch });
  console.log(`PORT ${server.port}`);
} else if (Deno) {
  Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`PORT ${port}`) }, app.fetch);
} else {
  const { serve } = await import('@hono/node-server');
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ({ port }) => console.log(`PORT ${port}`));
}
