import { nodeRequestInfo, peerInfoOf, type WebRequestInfo } from '@pirsch-node/core/web';
import type { Context } from 'hono';

type Bag = Record<string, unknown>;

const isBag = (value: unknown): value is Bag => value !== null && typeof value === 'object';

/**
 * What the runtime tells about this request: the `waitUntil` of Cloudflare Workers (and other
 * platforms passing an ExecutionContext), else the peer's address from `c.env` as the runtimes'
 * `getConnInfo` helpers read it, without importing them (each is runtime-specific):
 * `@hono/node-server` puts Node's `IncomingMessage` at `c.env.incoming`, Bun passes its server
 * (`requestIP`), Deno's `Deno.serve` its handler info (`remoteAddr`). On Workers the request
 * carries no peer address; core then reads `CF-Connecting-IP`, which Cloudflare sets. Never throws.
 */
export function requestInfo(c: Context): WebRequestInfo {
  const env = envOf(c);
  // Node first (@hono/node-server puts its IncomingMessage at c.env.incoming; property reads only,
  // harmless on Workers' bindings). Node passes no ExecutionContext, and reading c.executionCtx
  // where there is none throws an Error, its stack captured, on every request: that took 15 % of
  // a Hono app's CPU on Node (a profile under load, bare Hono about 3 times as fast as with us).
  // Its headers, not the Request's: node-server builds a Request's Headers only when asked.
  const node = nodeRequestInfo(env);
  if (node !== undefined) return node;
  // Bun's server and Deno's handler info, as their servers pass them: no ExecutionContext there
  // either (the getter's Error cost Deno about 7 µs a request and Bun 2 to 5, bench/hono.mjs).
  // Only where those runtimes run.
  if (servedByBunOrDeno(env)) return peerOf(c, env);
  const waitUntil = waitUntilOf(c);
  // On Workers c.env holds the bindings, where a service binding answers any property name: not probed.
  if (waitUntil !== undefined) return { waitUntil };
  return peerOf(c, env);
}

function envOf(c: Context): unknown {
  try {
    return c.env;
  } catch {
    return undefined;
  }
}

function waitUntilOf(c: Context): WebRequestInfo['waitUntil'] {
  let ctx: unknown;
  try {
    // A getter that throws where the runtime passed no ExecutionContext (Node, Bun, Deno).
    ctx = c.executionCtx;
  } catch {
    return undefined;
  }
  if (!isBag(ctx) || typeof ctx.waitUntil !== 'function') return undefined;
  const execution = ctx as { waitUntil(promise: Promise<unknown>): void };
  return (promise) => execution.waitUntil(promise);
}

/** The peer's address from `c.env`, or from `c.env.server` where an adapter nests what the runtime passed (core's peerInfoOf). */
function peerOf(c: Context, env: unknown): WebRequestInfo {
  try {
    if (!isBag(env)) return {};
    for (const candidate of [env, env.server]) {
      const ip = peerInfoOf(candidate, c.req.raw)?.ip;
      if (ip !== undefined) return { ip };
    }
  } catch {
    // an env shaped otherwise: no address from the runtime
  }
  return {};
}

/**
 * Whether `c.env` is what `Bun.serve` (its server: `requestIP` and `upgrade`) or `Deno.serve` (the
 * handler info: `remoteAddr`) passes to the app's fetch, on Bun or Deno: neither passes an
 * ExecutionContext. Elsewhere (Workers, whose bindings may have any name) false, without a probe.
 */
function servedByBunOrDeno(env: unknown): boolean {
  const runtime = globalThis as { Bun?: unknown; Deno?: unknown };
  if (runtime.Bun === undefined && runtime.Deno === undefined) return false;
  try {
    if (!isBag(env)) return false;
    return (typeof env.requestIP === 'function' && typeof env.upgrade === 'function') || isBag(env.remoteAddr);
  } catch {
    return false;
  }
}
