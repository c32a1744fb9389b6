import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { PirschConfigError, createClient, type PirschClientOptions, type PirschDelivery } from '@pirsch-node/core';
import { createTracker } from '@pirsch-node/core/adapter';
import { pirsch as expressPirsch } from '@pirsch-node/express';
import { pirsch as fastifyPirsch } from '@pirsch-node/fastify';
import { pirsch as koaPirsch } from '@pirsch-node/koa';
import { PirschModule } from '@pirsch-node/nest';
import type { PirschModuleOptions } from '@pirsch-node/nest';
import fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { failOnUnhandledErrors } from './support/guard.js';

// Every invalid option is refused when the client, tracker, middleware, plugin or module is set
// up - never later, during a request - with a PirschConfigError whose `option` names it, and whose
// message names it too but never repeats a secret.

failOnUnhandledErrors();

/** Every secret below contains this, so one check finds any of them in a message. */
const SECRET = 'S3CRET';
const KEY = `pa_${SECRET}_key`;
const base = { baseUrl: 'http://127.0.0.1:9', accessKey: KEY };

type Options = Record<string, unknown>;
interface InvalidCase {
  title: string;
  options: unknown;
  option: string;
}

/** Invalid client options: what createClient and every adapter (given no `client`) refuse. */
const CLIENT_CASES: InvalidCase[] = [
  { title: 'an unknown option (typo)', options: { ...base, flushInterval: 100 }, option: 'flushInterval' },
  { title: 'accessKey not a string', options: { accessKey: 42 }, option: 'accessKey' },
  { title: 'accessKey empty', options: { accessKey: '' }, option: 'accessKey' },
  { title: 'accessKey blank', options: { accessKey: '   ' }, option: 'accessKey' },
  { title: 'no credentials at all', options: { baseUrl: base.baseUrl }, option: 'accessKey' },
  { title: 'accessKey and client credentials', options: { accessKey: KEY, clientId: 'id', clientSecret: `${SECRET}-secret` }, option: 'accessKey' },
  { title: 'clientId without clientSecret', options: { clientId: 'id' }, option: 'clientSecret' },
  { title: 'clientSecret without clientId', options: { clientSecret: `${SECRET}-secret` }, option: 'clientId' },
  { title: 'clientSecret not a string', options: { clientId: 'id', clientSecret: 1234 }, option: 'clientSecret' },
  { title: 'clientSecret empty', options: { clientId: 'id', clientSecret: '' }, option: 'clientSecret' },
  { title: 'clientId not a string', options: { clientId: { id: 1 }, clientSecret: `${SECRET}-secret` }, option: 'clientId' },
  { title: 'baseUrl not a string', options: { ...base, baseUrl: 42 }, option: 'baseUrl' },
  { title: 'baseUrl not a URL', options: { ...base, baseUrl: 'api.pirsch.io' }, option: 'baseUrl' },
  { title: 'baseUrl not http(s)', options: { ...base, baseUrl: 'ftp://api.example.com' }, option: 'baseUrl' },
  { title: 'baseUrl http: to a remote host', options: { ...base, baseUrl: 'http://api.example.com' }, option: 'baseUrl' },
  { title: 'baseUrl with credentials', options: { ...base, baseUrl: `https://user:${SECRET}@api.example.com` }, option: 'baseUrl' },
  { title: 'baseUrl with a query', options: { ...base, baseUrl: 'https://api.example.com/?x=1' }, option: 'baseUrl' },
  { title: 'baseUrl with a fragment', options: { ...base, baseUrl: 'https://api.example.com/#x' }, option: 'baseUrl' },
  ...(
    [
      ['timeoutMs', [0, -1, 1.5, '5000', Number.NaN, Number.POSITIVE_INFINITY, 600_001, null]],
      ['batchSize', [0, 10_001, '50', 2.5]],
      ['maxBatchBytes', [0, 1023, 16 * 1024 * 1024 + 1, '262144', 1.5, Number.NaN]],
      ['flushIntervalMs', [-1, 1.5, 'soon']],
      ['concurrency', [0, 257, true]],
      ['maxQueueSize', [0, -5, 1.5, '10000']],
      ['maxRetries', [-1, 101, 0.5]],
      ['minRetryDelayMs', [-1, 600_001, '500']],
      ['maxRetryDelayMs', [-1, 600_001, '30000']],
    ] as Array<[string, unknown[]]>
  ).flatMap(([option, values]) => values.map((value) => ({ title: `${option} ${String(value)}`, options: { ...base, [option]: value }, option }))),
  { title: 'maxRetryDelayMs below minRetryDelayMs', options: { ...base, minRetryDelayMs: 1000, maxRetryDelayMs: 500 }, option: 'maxRetryDelayMs' },
  { title: 'onError not a function', options: { ...base, onError: 'console.error' }, option: 'onError' },
  { title: 'logger not an object', options: { ...base, logger: 'console' }, option: 'logger' },
  { title: 'logger null', options: { ...base, logger: null }, option: 'logger' },
  { title: 'debug not a boolean', options: { ...base, debug: 'yes' }, option: 'debug' },
];

/** Invalid tracking options: what createTracker and every adapter refuse. */
const TRACKING_CASES: InvalidCase[] = [
  { title: 'respectDnt not a boolean', options: { ...base, respectDnt: 'no' }, option: 'respectDnt' },
  { title: 'methods a string', options: { ...base, methods: 'GET' }, option: 'methods' },
  { title: 'methods holding a number', options: { ...base, methods: ['GET', 1] }, option: 'methods' },
  { title: 'methods holding an empty name', options: { ...base, methods: [''] }, option: 'methods' },
  { title: 'exclude a string', options: { ...base, exclude: '/admin' }, option: 'exclude' },
  { title: 'exclude prefix without a slash', options: { ...base, exclude: ['admin'] }, option: 'exclude' },
  { title: 'exclude holding a number', options: { ...base, exclude: [/x/, 1] }, option: 'exclude' },
  { title: 'exclude holding null', options: { ...base, exclude: [null] }, option: 'exclude' },
  { title: 'filter not a function', options: { ...base, filter: true }, option: 'filter' },
  { title: 'title not a function', options: { ...base, title: 'Home' }, option: 'title' },
  { title: 'tags not a function', options: { ...base, tags: { plan: 'pro' } }, option: 'tags' },
  { title: 'hostname not a string', options: { ...base, hostname: 8080 }, option: 'hostname' },
  { title: 'hostname with a space', options: { ...base, hostname: 'exa mple.com' }, option: 'hostname' },
  { title: 'hostname a URL', options: { ...base, hostname: 'https://example.com' }, option: 'hostname' },
  { title: 'hostname with a path', options: { ...base, hostname: 'example.com/shop' }, option: 'hostname' },
  { title: 'hostname with credentials', options: { ...base, hostname: 'user@example.com' }, option: 'hostname' },
  { title: 'hostname empty', options: { ...base, hostname: '' }, option: 'hostname' },
  { title: 'protocol not http(s)', options: { ...base, protocol: 'ftp' }, option: 'protocol' },
  { title: 'disableBotFilter not a boolean', options: { ...base, disableBotFilter: 1 }, option: 'disableBotFilter' },
];

const aClient = (): PirschDelivery => ({ hit() {}, event() {}, session() {}, flush: async () => true, close: async () => true, metrics: { queued: 0, inFlight: 0, sent: 0, failed: 0, dropped: 0, retried: 0, disabled: 0 }, closed: false });

/** About the `client` option itself. */
const CLIENT_OPTION_CASES: InvalidCase[] = [
  { title: 'client not a client', options: { client: {} }, option: 'client' },
  { title: 'client a string', options: { client: 'pirsch' }, option: 'client' },
  { title: 'client and client options', options: { client: aClient(), accessKey: KEY }, option: 'client' },
  { title: 'a misspelt tracking option next to a client', options: { client: aClient(), exlude: ['/admin'] }, option: 'exlude' },
  { title: 'options not an object', options: 'pa_key', option: 'options' },
  { title: 'options null', options: null, option: 'options' },
];

function expectRefusal(error: unknown, c: InvalidCase): void {
  expect(error, `${c.title}: not refused`).toBeInstanceOf(PirschConfigError);
  const refusal = error as PirschConfigError;
  expect(refusal.option).toBe(c.option);
  expect(refusal.message).toContain(`"${c.option}"`);
  expect(refusal.message).not.toContain(SECRET);
  expect(String(refusal.stack)).not.toContain(SECRET);
}

function thrownBy(construct: () => unknown): unknown {
  try {
    const made = construct();
    return new Error(`accepted: ${typeof made}`);
  } catch (error) {
    return error;
  }
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return new Error('accepted');
  } catch (error) {
    return error;
  }
}

describe('createClient', () => {
  it.each(CLIENT_CASES)('refuses $title', (c) => {
    expectRefusal(thrownBy(() => createClient(c.options as PirschClientOptions)), c);
  });
  it('refuses options that are not an object', () => {
    const c = { title: 'a string', options: 'pa_key', option: 'options' };
    expectRefusal(thrownBy(() => createClient(c.options as unknown as PirschClientOptions)), c);
  });
});

const ADAPTER_CASES = [...CLIENT_CASES, ...TRACKING_CASES, ...CLIENT_OPTION_CASES];

describe('createTracker', () => {
  it.each(ADAPTER_CASES)('refuses $title', (c) => {
    expectRefusal(thrownBy(() => createTracker(c.options as Options)), c);
  });
});

describe('Express pirsch() throws when it is called', () => {
  it.each(ADAPTER_CASES)('refuses $title', (c) => {
    expectRefusal(thrownBy(() => expressPirsch(c.options as Options)), c);
  });
  it('accepts valid options (the cases above are refused for their one fault)', async () => {
    const middleware = expressPirsch({ ...base, exclude: ['/health'], methods: ['GET'], hostname: 'shop.example:8080', protocol: 'https' });
    await middleware.shutdown(100);
  });
});

describe('Koa pirsch() throws when it is called', () => {
  it.each(ADAPTER_CASES)('refuses $title', (c) => {
    expectRefusal(thrownBy(() => koaPirsch(c.options as Options)), c);
  });
});

describe('Fastify register rejects', () => {
  it.each(ADAPTER_CASES.filter((c) => c.options !== null && typeof c.options === 'object'))('refuses $title', async (c) => {
    const app = fastify();
    const error = await rejectionOf(
      (async () => {
        await app.register(fastifyPirsch, c.options as Options);
        await app.ready();
      })(),
    );
    await app.close().catch(() => {});
    expectRefusal(error, c);
  });
  it('accepts valid options, with Fastify\'s own register options beside them', async () => {
    const app = fastify();
    await app.register(fastifyPirsch, { ...base, prefix: '/x', exclude: ['/health'] } as Options);
    await app.ready();
    await app.close();
  });
});

function nestApp(options: unknown, platform: 'express' | 'fastify', async = false) {
  @Module({
    imports: [
      async
        ? PirschModule.forRootAsync({ useFactory: async () => options as PirschModuleOptions })
        : PirschModule.forRoot(options as PirschModuleOptions),
    ],
  })
  class AppModule {}
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  // abortOnError: false, or Nest would end the process on the refusal.
  return NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false });
}

describe('Nest PirschModule refuses while the app is created', () => {
  // A sample of each kind on both platforms and through forRootAsync: the module hands options
  // to the same createTracker as above.
  const sample = [CLIENT_CASES[0], CLIENT_CASES[6], CLIENT_CASES[15], TRACKING_CASES[1], TRACKING_CASES[5], TRACKING_CASES[12], CLIENT_OPTION_CASES[2]] as InvalidCase[];
  it.each(sample)('refuses $title (Express, forRoot)', async (c) => {
    expectRefusal(await rejectionOf(nestApp(c.options, 'express')), c);
  });
  it.each(sample)('refuses $title (Fastify, forRootAsync)', async (c) => {
    expectRefusal(await rejectionOf(nestApp(c.options, 'fastify', true)), c);
  });
  it('accepts valid options', async () => {
    const app = await nestApp({ ...base, exclude: ['/health'] }, 'express');
    await app.init();
    await app.close();
  });
});
