import { Injectable, Inject, ConfigurableModuleBuilder, Module, Optional, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PirschConfigError } from '@pirsch-node/core';
import { createTracker, fastifyTrustProxyProblem, ResolvedAddressContext, readOnceView } from '@pirsch-node/core/adapter';

var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __typeError = (msg) => {
  throw TypeError(msg);
};
var __decorateClass = (decorators, target, key, kind) => {
  var result = kind > 1 ? void 0 : kind ? __getOwnPropDesc(target, key) : target;
  for (var i = decorators.length - 1, decorator; i >= 0; i--)
    if (decorator = decorators[i])
      result = (decorator(result)) || result;
  return result;
};
var __decorateParam = (index, decorator) => (target, key) => decorator(target, key, index);
var __accessCheck = (obj, member, msg) => member.has(obj) || __typeError("Cannot " + msg);
var __privateGet = (obj, member, getter) => (__accessCheck(obj, member, "read from private field"), getter ? getter.call(obj) : member.get(obj));
var __privateAdd = (obj, member, value) => member.has(obj) ? __typeError("Cannot add the same private member more than once") : member instanceof WeakSet ? member.add(obj) : member.set(obj, value);
var __privateMethod = (obj, member, method) => (__accessCheck(obj, member, "access private method"), method);

// src/pirsch.constants.ts
var PIRSCH_TRACKER = /* @__PURE__ */ Symbol("PIRSCH_TRACKER");
var PIRSCH_ROUTES = "{*path}";
function requestContextOf(req) {
  if (req === null || typeof req !== "object") return void 0;
  const fastifyRaw = req.raw;
  const fastifyHeaders = headersOf(fastifyRaw);
  const raw = fastifyHeaders !== void 0 ? fastifyRaw : req;
  const headers = fastifyHeaders ?? headersOf(raw);
  if (headers === void 0) return void 0;
  return new NestRequestContext(raw, req, headers);
}
var NestRequestContext = class extends ResolvedAddressContext {
  raw;
  req;
  constructor(raw, source, headers) {
    super(source);
    this.raw = readOnceView(raw, headers);
    this.req = raw;
  }
};
function headersOf(value) {
  if (typeof value !== "object" || value === null) return void 0;
  const headers = value.headers;
  return typeof headers === "object" && headers !== null ? headers : void 0;
}

// src/pirsch.middleware.ts
var PirschMiddleware = class {
  constructor(tracker) {
    this.tracker = tracker;
  }
  tracker;
  /** Has the tracker record the response once it is complete (never an aborted one), then calls `next()`. */
  use(req, res, next) {
    try {
      this.tracker.prepareResponse(res);
      const ctx = requestContextOf(req);
      if (ctx !== void 0) this.tracker.trackWhenDone(Object.assign(ctx, { res }), res);
    } catch {
    }
    next();
  }
};
PirschMiddleware = __decorateClass([
  Injectable(),
  __decorateParam(0, Inject(PIRSCH_TRACKER))
], PirschMiddleware);
var {
  ConfigurableModuleClass: PirschConfigurableModule,
  MODULE_OPTIONS_TOKEN: PIRSCH_MODULE_OPTIONS,
  OPTIONS_TYPE: PIRSCH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PIRSCH_ASYNC_OPTIONS_TYPE
} = new ConfigurableModuleBuilder({ moduleName: "Pirsch" }).setClassMethodName("forRoot").setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal })).build();
var _helpers, _PirschService_instances, helperFor_fn;
var PirschService = class {
  constructor(tracker) {
    this.tracker = tracker;
    __privateAdd(this, _PirschService_instances);
    // One helper per request, so several events share one page hit; weak, so it holds no request.
    __privateAdd(this, _helpers, /* @__PURE__ */ new WeakMap());
  }
  tracker;
  /**
   * The core client hits and events go to: the one passed as `client`, or the one the module
   * created from the client options (a `PirschClient`; pass your own `client` to use its
   * statistics API with full types).
   */
  get client() {
    return this.tracker.client;
  }
  /**
   * Enqueues an event on the page of `req` (an Express request, a `FastifyRequest` or a raw
   * `IncomingMessage`). Skipped when the request sent `DNT: 1` and `respectDnt` is on, when it
   * comes from a bot and `bots` is `'skip'`, and when `beforeSend` drops its page.
   *
   * @example
   * ```ts
   * this.pirsch.event('Download', req, { duration: 3, meta: { file: 'report.pdf' } });
   * ```
   */
  event(name, req, options) {
    __privateMethod(this, _PirschService_instances, helperFor_fn).call(this, req)?.event(name, options);
  }
  /** Keeps the session of the visitor behind `req` alive (for long pages without new hits). */
  session(req) {
    __privateMethod(this, _PirschService_instances, helperFor_fn).call(this, req)?.session();
  }
  /**
   * Resolves `true` once everything queued so far was delivered, `false` otherwise or after
   * `timeoutMs` (default: the client's). Never rejects.
   */
  async flush(timeoutMs) {
    try {
      return await this.tracker.client.flush(timeoutMs);
    } catch {
      return false;
    }
  }
};
_helpers = new WeakMap();
_PirschService_instances = new WeakSet();
helperFor_fn = function(req) {
  try {
    const ctx = requestContextOf(req);
    if (ctx === void 0) return void 0;
    let helper = __privateGet(this, _helpers).get(ctx.req);
    if (helper === void 0) {
      helper = this.tracker.helper(ctx);
      __privateGet(this, _helpers).set(ctx.req, helper);
    }
    return helper;
  } catch {
    return void 0;
  }
};
PirschService = __decorateClass([
  Injectable(),
  __decorateParam(0, Inject(PIRSCH_TRACKER))
], PirschService);

// src/pirsch.module.ts
var trackingModuleOf = /* @__PURE__ */ new WeakMap();
var PirschModule = class extends PirschConfigurableModule {
  constructor(tracker, adapterHost) {
    super();
    this.tracker = tracker;
    this.adapterHost = adapterHost;
  }
  tracker;
  adapterHost;
  /**
   * Applies the tracking middleware to every route (guarded and unmatched ones included). A second
   * `PirschModule.forRoot`/`forRootAsync` in the same app fails the app's start with a
   * `PirschConfigError`: its middleware would count every page view again.
   */
  configure(consumer) {
    const app = this.adapterHost;
    const first = app === void 0 ? void 0 : trackingModuleOf.get(app);
    if (first !== void 0 && first !== this) {
      throw new PirschConfigError(
        "forRoot",
        "PirschModule is imported more than once in this app, so every page view would be counted once per import. Import PirschModule.forRoot (or forRootAsync) once, in the root module: it is global, so every module can inject PirschService without importing it."
      );
    }
    if (app !== void 0) trackingModuleOf.set(app, this);
    consumer.apply(PirschMiddleware).forRoutes(PIRSCH_ROUTES);
  }
  /**
   * Says once, through Nest's logger, when `FastifyAdapter`'s `trustProxy` cannot give the
   * visitor's IP behind a proxy (a hop count on Fastify 5.12.1 and later). Never throws.
   */
  onApplicationBootstrap() {
    try {
      const adapter = this.adapterHost?.httpAdapter;
      if (adapter?.getType() !== "fastify") return;
      const problem = fastifyTrustProxyProblem(adapter.getInstance(), "new FastifyAdapter({ trustProxy: '127.0.0.1' })");
      if (problem !== void 0) new Logger("PirschModule").warn(problem);
    } catch {
    }
  }
  /** Runs after the HTTP server closed: delivers what is queued. Never rejects. */
  async onApplicationShutdown() {
    await this.tracker.shutdown();
  }
};
PirschModule = __decorateClass([
  Module({
    providers: [
      {
        provide: PIRSCH_TRACKER,
        useFactory: (options) => createTracker(options),
        inject: [PIRSCH_MODULE_OPTIONS]
      },
      PirschService
    ],
    exports: [PirschService, PIRSCH_TRACKER]
  }),
  __decorateParam(0, Inject(PIRSCH_TRACKER)),
  __decorateParam(1, Optional()),
  __decorateParam(1, Inject(HttpAdapterHost))
], PirschModule);

export { PIRSCH_MODULE_OPTIONS, PIRSCH_TRACKER, PirschModule, PirschService };
//# sourceMappingURL=index.js.map
//# sourceMappingURL=index.js.map