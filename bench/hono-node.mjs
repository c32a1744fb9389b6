#!/usr/bin/env node
// Hono on Node (@hono/node-server), which `npm run bench` does not run: the app's CPU time per
// request, bare and with our middleware, each variant in a fresh process pinned to its own core,
// under 50 connections (as bench/run.mjs measures "app CPU µs/req"), the variants alternating
// over rounds. Delivers to the bench's counting API (bench/api-process.mjs) in another process.
// Prints the medians; writes nothing. Never part of the tests.
//
//   node bench/hono-node.mjs [--variants bare,ours] [--rounds 3] [--seconds 5]
import { parseArgs } from 'node:util';
import { BROWSER_HEADERS, cannon } from './http.mjs';
import { APP_CORE, LOAD_CORE, ask, pinProcess, startChild, stopChild } from './processes.mjs';
import { median } from './report.mjs';

const { values } = parseArgs({
  options: {
    variants: { type: 'string', default: 'bare,ours' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
  },
});
const variants = values.variants.split(',');
const seconds = Number(values.seconds);

pinProcess(LOAD_CORE);
const { child: apiChild, ready: api } = await startChild('api-process.mjs', [], { core: LOAD_CORE });
const perRequest = new Map(variants.map((variant) => [variant, []]));
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const variant of variants) {
      const { child, ready } = await startChild('app-process.mjs', ['hono', variant, api.url, api.accessKey], { core: APP_CORE });
      await cannon({ url: ready.url, connections: 50, duration: 3, headers: BROWSER_HEADERS });
      const before = await ask(child, 'mark', 'mark');
      await cannon({ url: ready.url, connections: 50, duration: seconds, headers: BROWSER_HEADERS });
      const after = await ask(child, 'mark', 'mark');
      await stopChild(child);
      const us = (after.cpuUs - before.cpuUs) / (after.served - before.served);
      perRequest.get(variant).push(us);
      console.log(`round ${round} ${variant.padEnd(8)} ${us.toFixed(1)} µs/req (loop busy ${(after.elu * 100).toFixed(0)} %)`);
    }
  }
} finally {
  apiChild.kill();
}
const bare = perRequest.has('bare') ? median(perRequest.get('bare')) : undefined;
for (const [variant, list] of perRequest) {
  const us = median(list);
  console.log(`hono ${variant}: ${us.toFixed(1)} µs/req, median of ${list.length}${bare === undefined || variant === 'bare' ? '' : `; capacity vs bare ${(bare / us).toFixed(2)}`}`);
}
