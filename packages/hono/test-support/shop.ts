// The small shop every runtime serves in the runtime tests: page views and a Signup event.
import { Hono } from 'hono';
import { onEachRead } from '../../../test/support/reads.js';
import { pirsch, type PirschEnv, type PirschHonoOptions } from '../src/index.js';

/** The options the runtimes' entries pass on, from their environment or bindings. */
export interface ShopSettings {
  PIRSCH_ACCESS_KEY?: string;
  PIRSCH_URL?: string;
  /** Long, so only a flush (waitUntil, shutdown) delivers: nothing arrives by the timer. */
  PIRSCH_FLUSH_MS?: string;
}

export function shopOptions(settings: ShopSettings): PirschHonoOptions {
  return {
    accessKey: settings.PIRSCH_ACCESS_KEY,
    baseUrl: settings.PIRSCH_URL,
    flushIntervalMs: Number(settings.PIRSCH_FLUSH_MS ?? 60_000),
  };
}

export function createShop(options: PirschHonoOptions | ((env: ShopSettings) => PirschHonoOptions)) {
  const tracking = typeof options === 'function' ? pirsch(options) : pirsch(options);
  const app = new Hono<PirschEnv>();
  // Counts the reads of c.executionCtx (its getter throws where the runtime passed none): POST /reads
  // answers the count (a POST, so it is no page view).
  let executionCtxReads = 0;
  app.use(async (c, next) => {
    onEachRead(c, 'executionCtx', () => executionCtxReads++);
    await next();
  });
  app.post('/reads', (c) => c.text(String(executionCtxReads)));
  app.use(tracking);
  app.get('/', (c) => c.text('home'));
  app.get('/products/:id', (c) => c.text(`product ${c.req.param('id')}`));
  app.post('/signup', (c) => {
    c.get('pirsch').event('Signup', { meta: { plan: 'pro' } });
    return c.text('welcome', 201);
  });
  return { app, tracking };
}
