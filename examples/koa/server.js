// A small Koa shop tracked with @pirsch-node/koa.
//
//   node examples/koa/server.js
//
// With PIRSCH_ACCESS_KEY (or PIRSCH_CLIENT_ID and PIRSCH_CLIENT_SECRET, and optionally
// PIRSCH_BASE_URL) it sends to that Pirsch API; with no PIRSCH_* variable set it starts the
// emulator in this process and prints what arrives there. PORT (default 3000) and HOST
// (default 127.0.0.1) choose where it listens; TRUST_PROXY=1 behind one reverse proxy. Ctrl+C or
// SIGTERM closes it cleanly.
import { readFileSync } from 'node:fs';
import Koa from 'koa';
import mount from 'koa-mount';
import { pirsch } from '@pirsch-node/koa';
import { PRODUCTS, SIGNUP_FORM, escape, page } from '../shared/shop.js';
import { runFromCommandLine, serve } from '../shared/command-line.js';

// The static files, read once: /assets/style.css.
const ASSETS = new Map([['/style.css', { type: 'text/css', body: readFileSync(new URL('./public/style.css', import.meta.url)) }]]);

/** Renders a page and sets ctx.state.title, which the `title` option below sends to Pirsch. */
function render(ctx, title, body) {
  ctx.state.title = title;
  ctx.type = 'html';
  ctx.body = page(title, body);
}

/** Reads a small urlencoded form body (Koa has no body parser built in). */
async function readForm(ctx, limit = 10_000) {
  let text = '';
  for await (const chunk of ctx.req) {
    text += chunk;
    if (text.length > limit) ctx.throw(413, 'Form too large');
  }
  return new URLSearchParams(text);
}

/** The products section, a Koa app of its own mounted at /products: inside it ctx.path is '/' or '/:id'. */
function productsApp() {
  const products = new Koa();
  products.use(async (ctx) => {
    if (ctx.method !== 'GET') return; // Koa answers 404
    if (ctx.path === '/') {
      render(ctx, 'Products', `<ul>${PRODUCTS.map((p) => `<li><a href="/products/${p.id}">${escape(p.name)}</a></li>`).join('')}</ul>`);
      return;
    }
    const product = PRODUCTS.find((p) => `/${p.id}` === ctx.path);
    // A 404 is not tracked.
    if (!product) {
      ctx.status = 404;
      ctx.body = 'No such product';
      return;
    }
    render(ctx, product.name, `<p>${escape(product.price)} EUR</p><p><a href="/products">All products</a></p>`);
  });
  return products;
}

/**
 * Builds the app and starts listening. `pirsch` is what `pirsch()` takes: `{ client }` or client
 * options such as `{ accessKey }` or `{ baseUrl, accessKey }`; `proxy: true` when it runs behind
 * one reverse proxy (sets `app.proxy` and `app.maxIpsCount = 1`).
 * Resolves with the app's URL, the Pirsch client, and `close()`: stops the server, then delivers
 * what is queued (and closes the client if the middleware created it).
 */
export async function start({ port = 0, host = '127.0.0.1', proxy = false, pirsch: options }) {
  // Behind one reverse proxy, ctx.ip (and the tracked IP) is the visitor's: the last X-Forwarded-For
  // entry, the one the proxy appended. Not app.proxy alone: Koa would then take the first entry,
  // which the visitor writes. Without a proxy setting every visitor has the proxy's IP.
  const app = proxy ? new Koa({ proxy: true, maxIpsCount: 1 }) : new Koa();

  // First, so it sees every response with the status that went out.
  const tracking = pirsch({
    ...options,
    exclude: ['/health'],
    title: (ctx) => ctx.state.title,
  });
  app.use(tracking);

  // Static files are skipped by extension: /assets/style.css is never a page view.
  app.use(async (ctx, next) => {
    const asset = ctx.method === 'GET' && ctx.path.startsWith('/assets/') ? ASSETS.get(ctx.path.slice('/assets'.length)) : undefined;
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = asset.body;
  });

  // A mounted app: the tracked URL keeps the /products prefix (ctx.originalUrl).
  app.use(mount('/products', productsApp()));

  app.use(async (ctx) => {
    switch (`${ctx.method} ${ctx.path}`) {
      case 'GET /':
        return render(ctx, 'Home', '<p>Fresh coffee gear, delivered.</p>');
      case 'GET /about':
        return render(ctx, 'About', '<p>A demo shop for @pirsch-node/koa.</p>');
      case 'GET /signup':
        return render(
          ctx,
          'Sign up',
          SIGNUP_FORM,
        );
      case 'POST /signup': {
        // A POST is no page view; the signup is sent as an event through the request helper.
        const form = await readForm(ctx);
        const plan = form.get('plan') === 'pro' ? 'pro' : 'free';
        ctx.state.pirsch.event('Signup', { meta: { plan } });
        ctx.redirect('/thanks');
        ctx.status = 303;
        return;
      }
      case 'GET /thanks':
        return render(ctx, 'Thanks', '<p>Welcome aboard.</p>');
      case 'GET /health':
        // Excluded by the `exclude` option above.
        ctx.body = { ok: true };
        return;
      default:
      // Koa answers 404, which is not tracked.
    }
  });

  return serve((done) => app.listen(port, host, done), tracking);
}

runFromCommandLine(import.meta.url, {
  name: 'Koa example',
  start,
  startOptions: { proxy: process.env.TRUST_PROXY === '1' },
  loadTesting: () => import('@pirsch-node/testing'),
});
