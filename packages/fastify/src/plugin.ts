import { PirschError } from '@pirsch-node/core';
import type { PirschLogger } from '@pirsch-node/core';
import { createTracker, fastifyTrustProxyProblem, wrapperHelperOf } from '@pirsch-node/core/adapter';
import type { RequestContext, Tracker } from '@pirsch-node/core/adapter';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { PirschFastifyOptions, PirschTrackingCounts } from './types.js';

/** Keys Fastify's `register` reads for itself; they are not Pirsch options. */
const REGISTER_KEYS: ReadonlySet<string> = new Set(['prefix', 'logLevel', 'logSerializers']);

const pirschPlugin: FastifyPluginCallback<PirschFastifyOptions> = (fastify: FastifyInstance, options, done) => {
  if (fastify.hasDecorator('pirsch') || fastify.hasDecorator('pirschTracking') || fastify.hasRequestDecorator('pirsch')) {
    // Checked before createTracker, so a second registration creates no client.
    done(new PirschError('@pirsch-node/fastify: "pirsch" (or "pirschTracking") is already decorated; register the plugin once, on the root instance'));
    return;
  }
  let tracker: Tracker<FastifyRequest, FastifyReply> | undefined;
  try {
    tracker = createTracker<FastifyRequest, FastifyReply>(withoutRegisterKeys(options));
    fastify.decorate('pirsch', tracker.client);
    fastify.decorate('pirschTracking', trackingCounts(tracker));
    // null until onRequest assigns the helper (a shared object here would be shared by every request)
    fastify.decorateRequest('pirsch', null, []);
  } catch (error) {
    // Bad options (a PirschConfigError) reject register/ready; a created client is not left behind.
    void tracker?.shutdown();
    done(error as Error);
    return;
  }
  const track = tracker;
  warnOfUntrustedProxy(fastify, options);

  // One hook per request. The page view is tracked once the reply has been written completely
  // (core's trackWhenDone), so tracking never delays it; a second hook (onResponse) cost Fastify's
  // hook runner on every request for the same moment.
  const onRequest = (request: FastifyRequest, reply: FastifyReply, next: () => void): void => {
    try {
      // A withPirsch in front of the server (core's, in a serverFactory) tracks it: counted once,
      // by it, and its req.pirsch sends this request's events.
      const outer = wrapperHelperOf(request.raw);
      if (outer !== undefined) request.pirsch = outer;
      else {
        // On the raw response: Fastify writes its reply headers through writeHead, where they are merged.
        track.prepareResponse(reply.raw);
        const context = new FastifyRequestContext(request, reply);
        request.pirsch = track.helper(context);
        track.trackWhenDone(context, reply.raw);
      }
    } catch {
      // never into the app (helper() does not throw; a getter on a user's request might)
    }
    next();
  };
  fastify.addHook('onRequest', onRequest);
  // Fastify runs no later onRequest hook for a request an earlier one answered (a cache sending a
  // stored page, a hijack): with an onRequest hook before this plugin's (or hooks it cannot see),
  // onResponse tracks the requests this hook never saw (request.pirsch still null). Asked once
  // Fastify has added the hook (it adds a plugin's hooks after the plugin, in order).
  fastify.after((error) => {
    if (error == null && !firstOnRequestHook(fastify, onRequest)) {
      fastify.addHook('onResponse', (request, reply, done) => {
        try {
          if (request.pirsch === null && wrapperHelperOf(request.raw) === undefined) track.track(new FastifyRequestContext(request, reply), reply.statusCode);
        } catch {
          // never into the app
        }
        done();
      });
    }
  });

  fastify.addHook('onClose', (_instance, next) => {
    track.shutdown().then(
      () => next(),
      () => next(),
    );
  });

  done();
};

/** `app.pirschTracking`: the tracker's live counters, read-only. */
function trackingCounts(tracker: Tracker<FastifyRequest, FastifyReply>): PirschTrackingCounts {
  return Object.freeze(
    Object.defineProperties(
      {},
      {
        tracked: { get: () => tracker.tracked, enumerable: true },
        skipped: { get: () => tracker.skipped, enumerable: true },
      },
    ),
  ) as PirschTrackingCounts;
}

/**
 * True when `hook` is the first onRequest hook of `fastify` (its own and those it inherited), read
 * from Fastify's hook lists (`Symbol('fastify.hooks')`, Fastify 4 and 5); false when another comes
 * before it, or the lists cannot be read.
 */
function firstOnRequestHook(fastify: FastifyInstance, hook: unknown): boolean {
  try {
    const symbol = Object.getOwnPropertySymbols(fastify).find((candidate) => candidate.description === 'fastify.hooks');
    const lists = symbol === undefined ? undefined : (fastify as unknown as Record<symbol, { onRequest?: unknown }>)[symbol];
    return Array.isArray(lists?.onRequest) && lists.onRequest[0] === hook;
  } catch {
    return false;
  }
}

/**
 * What the tracker needs of a request: a class with prototype getters, one small object per
 * request. `request.url` keeps route prefixes; ip, protocol and host honour `trustProxy`
 * (X-Forwarded-For/-Proto/-Host) and are read only when a hit is built.
 */
class FastifyRequestContext implements RequestContext<FastifyRequest, FastifyReply> {
  readonly raw: FastifyRequest['raw'];
  readonly req: FastifyRequest;
  readonly res: FastifyReply;
  readonly path: string;

  constructor(request: FastifyRequest, reply: FastifyReply) {
    this.raw = request.raw;
    this.req = request;
    this.res = reply;
    this.path = request.url;
  }

  get ip(): string {
    return this.req.ip;
  }

  get protocol(): string {
    return this.req.protocol;
  }

  get host(): string {
    // Fastify 5: `host` has the port; Fastify 4 has only `hostname`, which has it there.
    return (this.req as { host?: string }).host ?? this.req.hostname;
  }
}

/**
 * Says once, when the plugin registers, if the app's `trustProxy` cannot give the visitor's IP
 * behind a proxy (a hop count on Fastify 5.12.1 and later): through Fastify's logger when it is on
 * (where the user watches the app's startup), else the `logger` option, else `console.warn`.
 */
function warnOfUntrustedProxy(fastify: FastifyInstance, options: PirschFastifyOptions): void {
  const problem = fastifyTrustProxyProblem(fastify, "Fastify({ trustProxy: '127.0.0.1' })");
  if (problem === undefined) return;
  const message = `@pirsch-node/fastify: ${problem}`;
  try {
    const level: unknown = fastify.log.level;
    if (typeof level === 'string' && level !== 'silent') {
      fastify.log.warn(message);
      return;
    }
    const logger = (options as { logger?: PirschLogger }).logger;
    if (typeof logger?.warn === 'function') logger.warn(message);
    else console.warn(message);
  } catch {
    // a logger that throws must not stop the app from starting
  }
}

function withoutRegisterKeys(options: PirschFastifyOptions): PirschFastifyOptions {
  if (options === null || typeof options !== 'object') return options;
  if (!Object.keys(options).some((key) => REGISTER_KEYS.has(key))) return options;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (!REGISTER_KEYS.has(key)) copy[key] = value;
  return copy as PirschFastifyOptions;
}

/**
 * The Pirsch plugin for Fastify 4 and 5. Tracks every page view the app answers (once the reply
 * has been sent: one `onRequest` hook and the response's `finish`), puts a helper for manual events on `request.pirsch` and the client on
 * `app.pirsch`. Bad options make `register` (and `ready`/`listen`) reject with a
 * `PirschConfigError`. When the app closes, a client the plugin created is closed (after
 * delivering what is queued); a given `client` is flushed and left open.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { pirsch } from '@pirsch-node/fastify';
 *
 * const app = Fastify({ trustProxy: '127.0.0.1' }); // the address of your proxy
 * await app.register(pirsch, { accessKey: process.env.PIRSCH_ACCESS_KEY, exclude: ['/health'] });
 * app.post('/signup', async (request) => {
 *   request.pirsch.event('Signup', { meta: { plan: 'pro' } });
 *   return { ok: true };
 * });
 * ```
 */
export const pirsch = fp(pirschPlugin, { name: '@pirsch-node/fastify', fastify: '4.x || 5.x' });
