// A small NestJS shop tracked with @pirsch-node/nest, on the Express or the Fastify platform.
//
//   node examples/nest/server.js                    # platform-express
//   PLATFORM=fastify node examples/nest/server.js   # platform-fastify
//
// With PIRSCH_ACCESS_KEY (or PIRSCH_CLIENT_ID and PIRSCH_CLIENT_SECRET, and optionally
// PIRSCH_BASE_URL) it sends to that Pirsch API; with no PIRSCH_* variable set it starts the
// emulator in this process and prints what arrives there. PORT (default 3000) and HOST
// (default 127.0.0.1) choose where it listens. Ctrl+C or SIGTERM closes it cleanly.
//
// Plain JavaScript, so it runs without a build step: the decorators are applied by hand, which
// is what TypeScript emits for them. Each `decorate(...)` call says which `@Decorator()` it stands
// for; the TypeScript version is in the package README.
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { Body, Controller, Get, Header, Inject, Module, NotFoundException, Param, Post, Redirect, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { PirschModule, PirschService } from '@pirsch-node/nest';
import { PRODUCTS, SIGNUP_FORM, escape, page } from '../shared/shop.js';
import { runFromCommandLine } from '../shared/command-line.js';

const STYLE = new URL('./public/style.css', import.meta.url);

/**
 * Renders a page and puts its title on the Node request (Express's request is one; a Fastify
 * request has it as `raw`), where the `title` option below reads it: the tracking middleware
 * gets that same Node request on both platforms.
 */
function render(req, title, body) {
  (req.raw ?? req).pageTitle = title;
  return page(title, body);
}

/** Applies decorators to a method (or, with `index`, to one of its parameters), as TypeScript does. */
function decorate(Class, method, ...decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(Class.prototype, method);
  Reflect.decorate(decorators, Class.prototype, method, descriptor);
}
const parameter = (Class, method, index, decorator) => decorator(Class.prototype, method, index);
const HTML = Header('Content-Type', 'text/html; charset=utf-8');

class ShopController {
  constructor(pirsch) {
    this.pirsch = pirsch;
  }

  home(req) {
    return render(req, 'Home', '<p>Fresh coffee gear, delivered.</p>');
  }

  products(req) {
    return render(req, 'Products', `<ul>${PRODUCTS.map((p) => `<li><a href="/products/${p.id}">${escape(p.name)}</a></li>`).join('')}</ul>`);
  }

  product(req, res, id) {
    const product = PRODUCTS.find((p) => p.id === id);
    // A 404 is not tracked (the middleware sees the status Nest sends).
    if (!product) throw new NotFoundException('No such product');
    // Set here rather than with @Header(), which would also label the 404's JSON as HTML.
    res.header('Content-Type', 'text/html; charset=utf-8');
    return render(req, product.name, `<p>${escape(product.price)} EUR</p><p><a href="/products">All products</a></p>`);
  }

  about(req) {
    return render(req, 'About', '<p>A demo shop for @pirsch-node/nest.</p>');
  }

  signupForm(req) {
    return render(
      req,
      'Sign up',
      SIGNUP_FORM,
    );
  }

  // A POST is no page view; the signup is sent as an event through PirschService.
  signup(req, body) {
    const plan = body?.plan === 'pro' ? 'pro' : 'free';
    this.pirsch.event('Signup', req, { meta: { plan } });
  }

  thanks(req) {
    return render(req, 'Thanks', '<p>Welcome aboard.</p>');
  }

  // Skipped by extension: a stylesheet is never a page view.
  style() {
    return readFile(STYLE, 'utf8');
  }

  // Excluded by the `exclude` option below.
  health() {
    return { ok: true };
  }
}
// constructor(@Inject(PirschService) pirsch)
Inject(PirschService)(ShopController, undefined, 0);
decorate(ShopController, 'home', Get(), HTML);
decorate(ShopController, 'products', Get('products'), HTML);
decorate(ShopController, 'product', Get('products/:id'));
decorate(ShopController, 'about', Get('about'), HTML);
decorate(ShopController, 'signupForm', Get('signup'), HTML);
decorate(ShopController, 'signup', Post('signup'), Redirect('/thanks', 303));
decorate(ShopController, 'thanks', Get('thanks'), HTML);
decorate(ShopController, 'style', Get('assets/style.css'), Header('Content-Type', 'text/css; charset=utf-8'));
decorate(ShopController, 'health', Get('health'));
for (const method of ['home', 'products', 'product', 'about', 'signupForm', 'signup', 'thanks']) parameter(ShopController, method, 0, Req());
parameter(ShopController, 'product', 1, Res({ passthrough: true }));
parameter(ShopController, 'product', 2, Param('id'));
parameter(ShopController, 'signup', 1, Body());
Controller()(ShopController);

/**
 * Builds the app and starts listening. `pirsch` is what `PirschModule.forRoot` takes:
 * `{ client }` or client options such as `{ accessKey }` or `{ baseUrl, accessKey }`.
 * `platform` is `'express'` (default) or `'fastify'`.
 * Resolves with the app's URL, the Pirsch client, and `close()`: stops the server, then delivers
 * what is queued (and closes the client if the module created it).
 */
export async function start({ port = 0, host = '127.0.0.1', platform = 'express', pirsch: options }) {
  class AppModule {}
  Module({
    imports: [
      PirschModule.forRoot({
        ...options,
        exclude: ['/health'],
        shutdownTimeoutMs: 5000, // on SIGTERM, wait at most 5 s for queued hits
        title: (req) => req.pageTitle,
      }),
    ],
    controllers: [ShopController],
  })(AppModule);

  // Behind a reverse proxy, tell the platform which proxy to trust so the tracked IP is the
  // visitor's: app.set('trust proxy', 1) on Express; on Fastify the proxy's address, e.g.
  // new FastifyAdapter({ trustProxy: '127.0.0.1' }) (Fastify 5.12.1 and later ignore a hop count).
  // Without it every visitor has the proxy's IP.
  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(AppModule, adapter, { logger: ['error', 'warn'], forceCloseConnections: true });
  await app.listen(port, host);
  const address = app.getHttpServer().address();
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let closing;
  return {
    url,
    client: app.get(PirschService).client,
    close() {
      // Closes the server, then PirschModule delivers what is queued (onApplicationShutdown).
      closing ??= app.close();
      return closing;
    },
  };
}

const platform = process.env.PLATFORM === 'fastify' ? 'fastify' : 'express';
runFromCommandLine(import.meta.url, {
  name: `Nest example (platform-${platform})`,
  start,
  startOptions: { platform },
  loadTesting: () => import('@pirsch-node/testing'),
});
