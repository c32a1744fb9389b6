// A small Hono shop tracked with @pirsch-node/hono, served on Node by @hono/node-server.
//
//   node examples/hono/server.js
//
// With PIRSCH_ACCESS_KEY (or PIRSCH_CLIENT_ID and PIRSCH_CLIENT_SECRET, and optionally
// PIRSCH_BASE_URL) it sends to that Pirsch API; with no PIRSCH_* variable set it starts the
// emulator in this process and prints what arrives there. PORT (default 3000) and HOST
// (default 127.0.0.1) choose where it listens; TRUST_PROXY=1 behind one reverse proxy. Ctrl+C or
// SIGTERM closes it cleanly.
import { readFileSync } from 'node:fs';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { pirsch } from '@pirsch-node/hono';
import { PRODUCTS, SIGNUP_FORM, escape, page } from '../shared/shop.js';
import { runFromCommandLine, serve } from '../shared/command-line.js';

// The static files, read once: /assets/style.css.
const ASSETS = new Map([['/assets/style.css', { type: 'text/css', body: readFileSync(new URL('./public/style.css', import.meta.url)) }]]);

/**
 * Page titles by request: the `title` option receives the Fetch API Request (c.req.raw), so the
 * page records its title under it. A WeakMap: nothing is kept once the request is gone.
 */
const titles = new WeakMap();

/** Renders a page and records its title, which the `title` option below sends to Pirsch. */
function render(c, title, body) {
  titles.set(c.req.raw, title);
  return c.html(page(title, body));
}

/** The products section, a Hono app of its own routed at /products: the tracked URL keeps the prefix. */
function productsApp() {
  const products = new Hono();
  products.get('/', (c) =>
    render(c, 'Products', `<ul>${PRODUCTS.map((p) => `<li><a href="/products/${p.id}">${escape(p.name)}</a></li>`).join('')}</ul>`),
  );
  products.get('/:id', (c) => {
    const product = PRODUCTS.find((p) => p.id === c.req.param('id'));
    // A 404 is not tracked.
    if (!product) return c.text('No such product', 404);
    return render(c, product.name, `<p>${escape(product.price)} EUR</p><p><a href="/products">All products</a></p>`);
  });
  return products;
}

/**
 * Builds the app and starts listening. `pirsch` is what `pirsch()` takes: `{ client }` or client
 * options such as `{ accessKey }` or `{ baseUrl, accessKey }`; `proxy: true` when it runs behind
 * one reverse proxy (`trustProxy: 1`: the visitor is the last X-Forwarded-For entry).
 * Resolves with the app's URL, the Pirsch client, and `close()`: stops the server, then delivers
 * what is queued (and closes the client if the middleware created it).
 */
export async function start({ port = 0, host = '127.0.0.1', proxy = false, pirsch: options }) {
  const app = new Hono();

  // First, so it sees every response with the status that went out. Without trustProxy the IP is
  // the socket's peer (c.env.incoming on @hono/node-server): behind a proxy, the proxy's.
  const tracking = pirsch({
    ...options,
    exclude: ['/health'],
    title: (req) => titles.get(req),
    ...(proxy ? { trustProxy: 1 } : {}),
  });
  app.use(tracking);

  // Static files are skipped by extension: /assets/style.css is never a page view.
  app.get('/assets/*', (c) => {
    const asset = ASSETS.get(c.req.path);
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=3600' });
  });

  app.get('/', (c) => render(c, 'Home', '<p>Fresh coffee gear, delivered.</p>'));
  app.route('/products', productsApp());
  app.get('/about', (c) => render(c, 'About', '<p>A demo shop for @pirsch-node/hono.</p>'));
  app.get('/signup', (c) => render(c, 'Sign up', SIGNUP_FORM));
  // A POST is no page view; the signup is sent as an event through the request helper.
  app.post('/signup', async (c) => {
    const form = await c.req.parseBody();
    const plan = form.plan === 'pro' ? 'pro' : 'free';
    c.get('pirsch').event('Signup', { meta: { plan } });
    return c.redirect('/thanks', 303);
  });
  app.get('/thanks', (c) => render(c, 'Thanks', '<p>Welcome aboard.</p>'));
  // Excluded by the `exclude` option above.
  app.get('/health', (c) => c.json({ ok: true }));

  return serve((done) => createAdaptorServer({ fetch: app.fetch }).listen(port, host, done), tracking);
}

runFromCommandLine(import.meta.url, {
  name: 'Hono example',
  start,
  startOptions: { proxy: process.env.TRUST_PROXY === '1' },
  loadTesting: () => import('@pirsch-node/testing'),
});
