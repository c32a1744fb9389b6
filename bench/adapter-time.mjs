#!/usr/bin/env node
// Our Express adapter's own time per request, in a real Express app, at a baseline checkout and
// now, side by side: the middleware's call plus its 'finish' listener (timed by listeners
// registered just before and just after it), with a client that discards every hit. `empty`
// is a middleware that only adds and removes a 'finish' listener, timed the same way: what any
// adapter that waits for the response pays, timing included. Requests take turns between the
// variants and run without sockets (a real IncomingMessage and ServerResponse over a stream that
// discards what is written), so neither the network nor the load generator is in the figures;
// per-request medians are robust to a neighbour's bursts on a shared machine, where CPU per
// request over seconds (bench/run.mjs, bench/toggled.mjs) cannot tell a few µs apart.
// Loopback free; never part of the tests.
//
//   node bench/adapter-time.mjs --baseline <a checkout with its packages built> [--requests 30000] [--runs 3]
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { socketlessRequest } from './socketless.mjs';
import { median } from './report.mjs';

const { values } = parseArgs({ options: { baseline: { type: 'string' }, requests: { type: 'string', default: '30000' }, runs: { type: 'string', default: '3' } } });
if (values.baseline === undefined) throw new Error('--baseline <a checkout with its packages built> is needed');
const express = createRequire(import.meta.url)('express');
const adapterAt = async (root) => (await import(pathToFileURL(join(resolve(root), 'packages', 'express', 'dist', 'index.js')).href)).pirsch;
const before = await adapterAt(values.baseline);
const now = await adapterAt(new URL('..', import.meta.url).pathname);
const DISCARD = { hit() {}, event() {}, session() {}, flush: async () => true, close: async () => true, metrics: {}, closed: false };

/** An Express app whose first middleware is `middleware`, timed into `times` (ns per request). */
function app(middleware, times) {
  const application = express();
  application.use((req, res, next) => {
    let finishStarted = 0n;
    res.on('finish', () => (finishStarted = process.hrtime.bigint()));
    const start = process.hrtime.bigint();
    middleware(req, res, () => {});
    const called = process.hrtime.bigint() - start;
    res.on('finish', () => times.push(Number(called + process.hrtime.bigint() - finishStarted)));
    next();
  });
  application.get('/', (_req, res) => void res.send('<!doctype html><h1>Welcome to the shop</h1>'));
  return application;
}

const emptyAdapter = (_req, res, next) => {
  const onFinish = () => res.removeListener('finish', onFinish);
  res.on('finish', onFinish);
  next();
};
const variants = { empty: emptyAdapter, before: before({ client: DISCARD }), now: now({ client: DISCARD }) };
const us = (ns) => (ns / 1000).toFixed(2);
console.log(`Our Express adapter's own time per request (µs), ${values.requests} requests a run taking turns, medians:`);
console.log('| run | empty | before | now | now − before |\n| ---: | ---: | ---: | ---: | ---: |');
for (let run = 1; run <= Number(values.runs); run++) {
  const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  const apps = Object.entries(variants).map(([name, middleware]) => app(middleware, times[name]));
  for (let i = 0; i < 3000; i++) await socketlessRequest(apps[i % apps.length]); // warm-up
  for (const name of Object.keys(times)) times[name].length = 0;
  for (let i = 0; i < Number(values.requests); i++) await socketlessRequest(apps[i % apps.length]);
  const [empty, was, is] = ['empty', 'before', 'now'].map((name) => median(times[name]));
  console.log(`| ${run} | ${us(empty)} | ${us(was)} | ${us(is)} | ${us(is - was)} |`);
}
