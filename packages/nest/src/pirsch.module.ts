import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Logger, Module, Optional } from '@nestjs/common';
import type { MiddlewareConsumer, NestModule, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PirschConfigError } from '@pirsch-node/core';
import { FrontRequestContext, createTracker, fastifyTrustProxyProblem, inFrontOf } from '@pirsch-node/core/adapter';
import type { Tracker } from '@pirsch-node/core/adapter';
import { PIRSCH_ROUTES, PIRSCH_TRACKER } from './pirsch.constants.js';
import { PirschMiddleware } from './pirsch.middleware.js';
import { PIRSCH_MODULE_OPTIONS, PirschConfigurableModule } from './pirsch.module-definition.js';
import { PirschService } from './pirsch.service.js';
import type { PirschMiddlewareRequest, PirschModuleOptions } from './pirsch.types.js';

/**
 * Server-side Pirsch analytics for a Nest app: tracks page views of every route (from in front
 * of Express on platform-express, from a middleware on platform-fastify) and provides
 * `PirschService` for events. Global by default; import it once in the root
 * module. Bad options throw a `PirschConfigError` naming the option while the app starts.
 * On shutdown (`app.close()`, or a signal with `enableShutdownHooks()`) it closes the client it
 * created, or flushes a `client` it was given and leaves it open.
 *
 * @example
 * ```ts
 * @Module({ imports: [PirschModule.forRoot({ accessKey: process.env.PIRSCH_ACCESS_KEY })] })
 * export class AppModule {}
 *
 * // or, from configuration:
 * PirschModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ accessKey: config.getOrThrow('PIRSCH_ACCESS_KEY'), exclude: ['/health'] }),
 * });
 * ```
 */
/**
 * The module instance that applied the tracking middleware, per application (keyed by the app's
 * `HttpAdapterHost`, one per Nest container). Two `forRoot` imports make two module instances,
 * each with its own middleware on every route: every page would be counted twice.
 */
const trackingModuleOf = new WeakMap<object, PirschModule>();

/** The part of an Express app the module puts itself in front of: every request reaches Express through `app.handle`. */
interface ExpressHandle {
  handle: (this: unknown, req: IncomingMessage, res: ServerResponse, ...rest: unknown[]) => unknown;
}

@Module({
  providers: [
    {
      provide: PIRSCH_TRACKER,
      useFactory: (options: PirschModuleOptions) => createTracker<PirschMiddlewareRequest, ServerResponse>(options),
      inject: [PIRSCH_MODULE_OPTIONS],
    },
    PirschService,
  ],
  exports: [PirschService, PIRSCH_TRACKER],
})
export class PirschModule extends PirschConfigurableModule implements NestModule, OnApplicationBootstrap, OnApplicationShutdown {
  /** On platform-express: the Express app whose `handle` this module wrapped, and the one it replaced. */
  #inFront: { app: ExpressHandle; handle: ExpressHandle['handle']; wrapped: ExpressHandle['handle'] } | undefined;

  constructor(
    @Inject(PIRSCH_TRACKER) private readonly tracker: Tracker<PirschMiddlewareRequest, ServerResponse>,
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
  ) {
    super();
  }

  /**
   * Tracks every request of the app (guarded and unmatched ones included). On platform-express it
   * does so from in front of Express, as `withPirsch` of @pirsch-node/express does: it wraps the
   * Express app's `handle`, through which every request reaches Express (from Nest's HTTP server
   * or from a serverless bridge given the Express instance), and starts each request before
   * Express has it, so Express runs no middleware for it and each read of the request is cheap.
   * Elsewhere (platform-fastify) it applies the tracking middleware to every route. A second
   * `PirschModule.forRoot`/`forRootAsync` in the same app fails the app's start with a
   * `PirschConfigError`: its middleware would count every page view again.
   */
  configure(consumer: MiddlewareConsumer): void {
    const app = this.adapterHost;
    const first = app === undefined ? undefined : trackingModuleOf.get(app);
    if (first !== undefined && first !== this) {
      throw new PirschConfigError(
        'forRoot',
        'PirschModule is imported more than once in this app, so every page view would be counted once per import. ' +
          'Import PirschModule.forRoot (or forRootAsync) once, in the root module: it is global, so every module can inject PirschService without importing it.',
      );
    }
    if (app !== undefined) trackingModuleOf.set(app, this);
    if (this.#trackInFrontOfExpress()) return;
    consumer.apply(PirschMiddleware).forRoutes(PIRSCH_ROUTES);
  }

  /** Wraps the Express app's `handle` on platform-express; false (the middleware then tracks) anywhere else. */
  #trackInFrontOfExpress(): boolean {
    try {
      const adapter = this.adapterHost?.httpAdapter;
      if (adapter?.getType() !== 'express') return false;
      const express = adapter.getInstance<Partial<ExpressHandle> | undefined>();
      const handle = express?.handle;
      if (express === undefined || typeof handle !== 'function') return false;
      // Read before Express has the request; ip and protocol Express's, when the hit is built.
      const wrapped = inFrontOf(this.tracker, handle, FrontRequestContext);
      express.handle = wrapped;
      this.#inFront = { app: express as ExpressHandle, handle, wrapped };
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Says once, through Nest's logger, when `FastifyAdapter`'s `trustProxy` cannot give the
   * visitor's IP behind a proxy (a hop count on Fastify 5.12.1 and later). Never throws.
   */
  onApplicationBootstrap(): void {
    try {
      const adapter = this.adapterHost?.httpAdapter;
      if (adapter?.getType() !== 'fastify') return;
      const problem = fastifyTrustProxyProblem(adapter.getInstance(), "new FastifyAdapter({ trustProxy: '127.0.0.1' })");
      if (problem !== undefined) new Logger('PirschModule').warn(problem);
    } catch {
      // a check of the platform's settings must never stop the app from starting
    }
  }

  /** Runs after the HTTP server closed: delivers what is queued. Never rejects. */
  async onApplicationShutdown(): Promise<void> {
    const inFront = this.#inFront;
    if (inFront !== undefined && inFront.app.handle === inFront.wrapped) inFront.app.handle = inFront.handle;
    this.#inFront = undefined;
    await this.tracker.shutdown();
  }
}
