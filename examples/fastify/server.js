// A small Fastify shop tracked with @pirsch-node/fastify.
//
//   node examples/fastify/server.js
//
// With PIRSCH_ACCESS_KEY (or PIRSCH_CLIENT_ID and PIRSCH_CLIENT_SECRET, and optionally
// PIRSCH_BASE_URL) it sends to that Pirsch API; with no PIRSCH_* variable set it starts the
// emulator in this process and prints what arrives there. PORT (default 3000) and HOST
// (default 127.0.0.1) choose where it listens. Ctrl+C or SIGTERM closes it cleanly.
import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';
import { pirsch } from '@pirsch-node/fastify';
import { PRODUCTS, SIGNUP_FORM, escape, page } from '../shared/shop.js';
import { runFromCommandLine } from '../shared/command-line.js';

/** Sends a page and sets request.pageTitle, which the `title` option below sends to Pirsch. */
function render(request, reply, title, body) {
  request.pageTitle = title;
  return reply.type('text/html; charset=utf-8').send(page(title, body));
}

/** The product pages, registered with the prefix `/products`: the tracked URL keeps it. */
async function products(shop) {
  shop.get('/', (request, reply) =>
    render(request, reply, 'Products', `<ul>${PRODUCTS.map((p) => `<li><a href="/products/${p.id}">${escape(p.name)}</a></li>`).join('')}</ul>`),
  );
  shop.get('/:id', (request, reply) => {
    const product = PRODUCTS.find((p) => p.id === request.params.id);
    // A 404 is not tracked.
    if (!product) return reply.code(404).type('text/plain').send('No such product');
    return render(request, reply, product.name, `<p>${escape(product.price)} EUR</p><p><a href="/products">All products</a></p>`);
  });
}

/**
 * Builds the app and starts listening. `pirsch` is what the plugin takes: `{ client }` or client
 * options such as `{ accessKey }` or `{ baseUrl, accessKey }`.
 * Resolves with the app's URL, the Pirsch client (`app.pirsch`), and `close()`: `app.close()` stops
 * the server, then the plugin delivers what is queued (and closes the client if it created it).
 */
export async function start({ port = 0, host = '127.0.0.1', pirsch: options }) {
  // Behind a reverse proxy, trust it by its address so request.ip, and the tracked IP, is the
  // visitor's: e.g. `Fastify({ trustProxy: '127.0.0.1' })` for nginx on the same machine, or a list
  // of addresses and CIDRs. Not a hop count (`trustProxy: 1`): Fastify 5.12.1 and later ignore it.
  // Without it every visitor has the proxy's IP.
  const app = Fastify();

  app.decorateRequest('pageTitle', null);
  await app.register(pirsch, {
    ...options,
    exclude: ['/health'],
    shutdownTimeoutMs: 5000, // on SIGTERM, wait at most 5 s for queued hits
    title: (request) => request.pageTitle ?? undefined,
  });

  // HTML forms post application/x-www-form-urlencoded, which Fastify does not parse on its own.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body)));
  });

  // Static files are skipped by extension: /assets/style.css is never a page view.
  const stylesheet = await readFile(new URL('./public/style.css', import.meta.url));
  app.get('/assets/style.css', (_request, reply) => reply.type('text/css; charset=utf-8').send(stylesheet));

  app.get('/', (request, reply) => render(request, reply, 'Home', '<p>Fresh coffee gear, delivered.</p>'));
  await app.register(products, { prefix: '/products' });
  app.get('/about', (request, reply) => render(request, reply, 'About', '<p>A demo shop for @pirsch-node/fastify.</p>'));

  app.get('/signup', (request, reply) =>
    render(
      request,
      reply,
      'Sign up',
      SIGNUP_FORM,
    ),
  );
  // A POST is no page view; the signup is sent as an event through the request helper.
  app.post('/signup', (request, reply) => {
    const plan = request.body?.plan === 'pro' ? 'pro' : 'free';
    request.pirsch.event('Signup', { meta: { plan } });
    return reply.redirect('/thanks', 303);
  });
  app.get('/thanks', (request, reply) => render(request, reply, 'Thanks', '<p>Welcome aboard.</p>'));

  // Excluded by the `exclude` option above.
  app.get('/health', async () => ({ ok: true }));

  const url = await app.listen({ port, host });

  let closing;
  return {
    url,
    client: app.pirsch,
    close() {
      // Stops the server; the plugin's onClose hook then delivers what is queued.
      closing ??= app.close();
      return closing;
    },
  };
}

runFromCommandLine(import.meta.url, {
  name: 'Fastify example',
  start,
  loadTesting: () => import('@pirsch-node/testing'),
});
