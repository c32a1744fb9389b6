// A small Express shop tracked with @pirsch-node/express.
//
//   node examples/express/server.js
//
// With PIRSCH_ACCESS_KEY (or PIRSCH_CLIENT_ID and PIRSCH_CLIENT_SECRET, and optionally
// PIRSCH_BASE_URL) it sends to that Pirsch API; with no PIRSCH_* variable set it starts the
// emulator in this process and prints what arrives there. PORT (default 3000) and HOST
// (default 127.0.0.1) choose where it listens. Ctrl+C or SIGTERM closes it cleanly.
import { fileURLToPath } from 'node:url';
import express from 'express';
import { pirsch } from '@pirsch-node/express';
import { PRODUCTS, SIGNUP_FORM, escape, page } from '../shared/shop.js';
import { runFromCommandLine, serve } from '../shared/command-line.js';

/** Renders a page and sets res.locals.title, which the `title` option below sends to Pirsch. */
function render(res, title, body) {
  res.locals.title = title;
  res.type('html').send(page(title, body));
}

/**
 * Builds the app and starts listening. `pirsch` is what `pirsch()` takes: `{ client }` or client
 * options such as `{ accessKey }` or `{ baseUrl, accessKey }`.
 * Resolves with the app's URL, the Pirsch client, and `close()`: stops the server, then delivers
 * what is queued (and closes the client if the middleware created it).
 */
export async function start({ port = 0, host = '127.0.0.1', pirsch: options }) {
  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy, tell Express which hops to trust so req.ip (and the tracked IP) is the
  // visitor's, e.g. app.set('trust proxy', 1). Without it every visitor has the proxy's IP.

  const tracking = pirsch({
    ...options,
    exclude: ['/health'],
    title: (req) => req.res?.locals.title,
  });
  app.use(tracking);

  // Static files are skipped by extension: /assets/style.css is never a page view.
  app.use('/assets', express.static(fileURLToPath(new URL('./public/', import.meta.url))));
  app.use(express.urlencoded({ extended: false }));

  app.get('/', (_req, res) => render(res, 'Home', '<p>Fresh coffee gear, delivered.</p>'));

  // A mounted router: the tracked URL keeps the /products prefix (req.originalUrl).
  const products = express.Router();
  products.get('/', (_req, res) =>
    render(res, 'Products', `<ul>${PRODUCTS.map((p) => `<li><a href="/products/${p.id}">${escape(p.name)}</a></li>`).join('')}</ul>`),
  );
  products.get('/:id', (req, res) => {
    const product = PRODUCTS.find((p) => p.id === req.params.id);
    // A 404 is not tracked.
    if (!product) return void res.status(404).type('text').send('No such product');
    render(res, product.name, `<p>${escape(product.price)} EUR</p><p><a href="/products">All products</a></p>`);
  });
  app.use('/products', products);

  app.get('/about', (_req, res) => render(res, 'About', '<p>A demo shop for @pirsch-node/express.</p>'));

  app.get('/signup', (_req, res) =>
    render(
      res,
      'Sign up',
      SIGNUP_FORM,
    ),
  );
  // A POST is no page view; the signup is sent as an event through the request helper.
  app.post('/signup', (req, res) => {
    const plan = req.body?.plan === 'pro' ? 'pro' : 'free';
    req.pirsch.event('Signup', { meta: { plan } });
    res.redirect(303, '/thanks');
  });
  app.get('/thanks', (_req, res) => render(res, 'Thanks', '<p>Welcome aboard.</p>'));

  // Excluded by the `exclude` option above.
  app.get('/health', (_req, res) => void res.json({ ok: true }));

  return serve((done) => app.listen(port, host, done), tracking);
}

runFromCommandLine(import.meta.url, {
  name: 'Express example',
  start,
  loadTesting: () => import('@pirsch-node/testing'),
});
