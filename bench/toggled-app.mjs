// bench/toggled.mjs --modes one-process: several variants of one framework's app in one process,
// behind one server that hands each request to the variant of the current phase. The load never
// stops or reconnects; the variants share the process's JIT, so a framework's code (and ours)
// sees every variant at once, which separate processes do not.
// argv: <framework> <variants, comma-separated, repeats allowed> <apiUrl> <accessKey>. Sends { type: 'ready', url }.
// On { cmd: 'run', warmupS, phaseMs, settleMs, cycles, seed } it switches on its own clock: a
// warm-up (every variant in turn, not recorded), then `cycles` cycles of every variant once for
// `phaseMs`, in a shuffled order. Of each phase it records the CPU time (all threads) and the
// requests served from `settleMs` after the switch to the phase's end, and sends
// { type: 'phases', phases: [{ cycle, slot, cpuUs, served, ms }] } after the last one.
// On { cmd: 'stop' } it finishes delivering and sends { type: 'stopped', variants: [{ served, ...metrics }] }.
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHandler } from './apps.mjs';
import { random, shuffled } from './toggled-stats.mjs';

const [framework, list, apiUrl, accessKey] = process.argv.slice(2);
// One app per slot: a variant named twice is two separate apps (the A/A check).
const apps = [];
for (const variant of list.split(',')) apps.push(await startHandler({ framework, variant, apiUrl, accessKey }));

let current = apps[0].handler;
const server = createServer((req, res) => current(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` });

const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function run({ warmupS, phaseMs, settleMs, cycles, seed }) {
  const warmupPhases = Math.max(apps.length, Math.ceil((warmupS * 1000 * apps.length) / phaseMs));
  for (let i = 0; i < warmupPhases; i++) {
    current = apps[i % apps.length].handler;
    await sleep(phaseMs);
  }
  const next = random(seed);
  const phases = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (const slot of shuffled(apps.length, next)) {
      const app = apps[slot];
      current = app.handler;
      await sleep(settleMs);
      const cpuBefore = cpuNow();
      const servedBefore = app.served();
      const started = performance.now();
      await sleep(phaseMs - settleMs);
      phases.push({ cycle, slot, cpuUs: cpuNow() - cpuBefore, served: app.served() - servedBefore, ms: performance.now() - started });
    }
  }
  return phases;
}

process.on('message', async (message) => {
  if (message.cmd === 'run') {
    process.send({ type: 'phases', phases: await run(message) });
    return;
  }
  if (message.cmd !== 'stop') return;
  server.closeAllConnections();
  server.close();
  const stopped = [];
  for (const app of apps) stopped.push(await app.stop());
  process.send({ type: 'stopped', variants: stopped }, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
