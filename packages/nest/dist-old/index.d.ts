import { IncomingMessage, ServerResponse } from 'node:http';
import * as _nestjs_common from '@nestjs/common';
import { NestModule, OnApplicationBootstrap, OnApplicationShutdown, MiddlewareConsumer } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PirschAdapterOptions, Tracker } from '@pirsch-node/core/adapter';
import { PirschDelivery, EventOptions } from '@pirsch-node/core';

/**
 * The request a Nest middleware sees: Express's request on `platform-express`, the raw Node
 * request on `platform-fastify` (where @fastify/middie sets `ip`, `protocol` and `originalUrl` on
 * it). The `filter`, `title`, `tags` and `beforeSend` options receive it.
 */
type PirschMiddlewareRequest = IncomingMessage & {
    originalUrl?: string;
    ip?: string;
    protocol?: string;
};
/** A Fastify request as `PirschService` reads it: the raw request, and the IP and protocol Fastify resolved. */
interface PirschFastifyRequestLike {
    raw: IncomingMessage;
    ip?: string;
    protocol?: string;
}
/** What `PirschService` accepts: an Express request, a `FastifyRequest`, or a raw `IncomingMessage`. */
type PirschRequest = PirschMiddlewareRequest | PirschFastifyRequestLike;
/**
 * Options of `PirschModule.forRoot` (and what `forRootAsync`'s factory returns): a ready client
 * (`client`) or the options to create one (`accessKey`, or `clientId` and `clientSecret`, ...),
 * plus the tracking options (`enabled`, `respectDnt`, `methods`, `exclude`, `filter`, `title`, `tags`,
 * `hostname`, `protocol`, `bots`, `disableBotFilter`, `clientHints`, `stripQuery`, `beforeSend`).
 */
type PirschModuleOptions = PirschAdapterOptions<PirschMiddlewareRequest, ServerResponse>;

/**
 * The builder behind `PirschModule`: `forRoot(options)` and `forRootAsync({ useFactory, inject,
 * imports })`, global unless `isGlobal: false` is passed.
 */
declare const PirschConfigurableModule: _nestjs_common.ConfigurableModuleCls<PirschModuleOptions, "forRoot", "create", {
    isGlobal: boolean;
}>;
declare const PIRSCH_MODULE_OPTIONS: string | symbol;
declare const PIRSCH_OPTIONS_TYPE: PirschModuleOptions & Partial<{
    isGlobal: boolean;
}>;
declare const PIRSCH_ASYNC_OPTIONS_TYPE: _nestjs_common.ConfigurableModuleAsyncOptions<PirschModuleOptions, "create"> & Partial<{
    isGlobal: boolean;
}>;
/** What `PirschModule.forRoot` takes: the module options plus `isGlobal` (default true). */
type PirschModuleForRootOptions = typeof PIRSCH_OPTIONS_TYPE;
/** What `PirschModule.forRootAsync` takes: `useFactory`/`inject`/`imports` (or `useClass`/`useExisting`) plus `isGlobal`. */
type PirschModuleAsyncOptions = typeof PIRSCH_ASYNC_OPTIONS_TYPE;

declare class PirschModule extends PirschConfigurableModule implements NestModule, OnApplicationBootstrap, OnApplicationShutdown {
    private readonly tracker;
    private readonly adapterHost?;
    constructor(tracker: Tracker<PirschMiddlewareRequest, ServerResponse>, adapterHost?: HttpAdapterHost | undefined);
    /**
     * Applies the tracking middleware to every route (guarded and unmatched ones included). A second
     * `PirschModule.forRoot`/`forRootAsync` in the same app fails the app's start with a
     * `PirschConfigError`: its middleware would count every page view again.
     */
    configure(consumer: MiddlewareConsumer): void;
    /**
     * Says once, through Nest's logger, when `FastifyAdapter`'s `trustProxy` cannot give the
     * visitor's IP behind a proxy (a hop count on Fastify 5.12.1 and later). Never throws.
     */
    onApplicationBootstrap(): void;
    /** Runs after the HTTP server closed: delivers what is queued. Never rejects. */
    onApplicationShutdown(): Promise<void>;
}

/**
 * Manual tracking from controllers and providers: events and session keep-alives for the page
 * of a request. Every method returns at once and never throws; delivery happens in the background.
 *
 * @example
 * ```ts
 * @Controller()
 * export class SignupController {
 *   constructor(@Inject(PirschService) private readonly pirsch: PirschService) {}
 *
 *   @Post('signup')
 *   signup(@Req() req: Request) {
 *     this.pirsch.event('Signup', req, { meta: { plan: 'pro' } });
 *   }
 * }
 * ```
 */
declare class PirschService {
    #private;
    private readonly tracker;
    constructor(tracker: Tracker<PirschMiddlewareRequest, ServerResponse>);
    /**
     * The core client hits and events go to: the one passed as `client`, or the one the module
     * created from the client options (a `PirschClient`; pass your own `client` to use its
     * statistics API with full types).
     */
    get client(): PirschDelivery;
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
    event(name: string, req: PirschRequest, options?: EventOptions): void;
    /** Keeps the session of the visitor behind `req` alive (for long pages without new hits). */
    session(req: PirschRequest): void;
    /**
     * Resolves `true` once everything queued so far was delivered, `false` otherwise or after
     * `timeoutMs` (default: the client's). Never rejects.
     */
    flush(timeoutMs?: number): Promise<boolean>;
}

/**
 * Injection token of the module's tracker (`Tracker` from `@pirsch-node/core`), which the
 * middleware and `PirschService` share.
 *
 * @example
 * ```ts
 * constructor(@Inject(PIRSCH_TRACKER) private readonly tracker: Tracker) {}
 * ```
 */
declare const PIRSCH_TRACKER: unique symbol;

export { PIRSCH_MODULE_OPTIONS, PIRSCH_TRACKER, type PirschFastifyRequestLike, type PirschMiddlewareRequest, PirschModule, type PirschModuleAsyncOptions, type PirschModuleForRootOptions, type PirschModuleOptions, type PirschRequest, PirschService };
