// One app under test in its own process (pinned to its own core when the run can pin).
// argv: <framework> <variant> <apiUrl> <accessKey>. Sends { type: 'ready', url }.
// On { cmd: 'mark' } sends { type: 'mark', cpuUs, sysUs, served, elu }: the process's CPU time so far
// (all threads; sysUs the kernel's part of it), requests served, and the event loop's utilization since the previous mark.
// On { cmd: 'calibrate' } sends { type: 'calibration', ms }: the CPU time of a fixed piece of work (see calibrate()).
// On { cmd: 'profile-start', intervalUs } starts V8's CPU profiler in this process (sends { type: 'profiling' });
// on { cmd: 'profile-stop', file } stops it and writes the profile to `file` (sends { type: 'profiled', file, mainShare }:
// the main thread's part of the process's CPU time meanwhile, where the GC's helpers and the JIT's compilers are the rest).
// On { cmd: 'stop' } closes the server, finishes delivering and sends { type: 'stopped', served, ... }.
import { performance } from 'node:perf_hooks';
import { startApp } from './apps.mjs';
import { inAppProfiler } from './in-app-profiler.mjs';

const [framework, variant, apiUrl, accessKey] = process.argv.slice(2);
const app = await startApp({ framework, variant, apiUrl, accessKey });
process.send({ type: 'ready', url: app.url });

/**
 * A fixed piece of work (serialising 500 hit-like objects to UTF-8 JSON, 100 times) timed as this
 * process's CPU time: on a shared machine, a neighbour that takes the core's caches or its other
 * hardware thread makes the same work cost more, and the bench repeats a run measured then.
 */
const CALIBRATION_ITEMS = Array.from({ length: 500 }, (_, i) => ({
  url: `https://shop.example.com/products/${i}?ref=calibration`,
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  accept_language: 'de-DE,de;q=0.9,en-US;q=0.8',
  referrer: 'https://www.google.com/',
  screen_width: 1920 + i,
}));
function calibrate() {
  const start = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < 100; i++) bytes += Buffer.from(JSON.stringify(CALIBRATION_ITEMS)).length;
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, bytes };
}

let lastElu = performance.eventLoopUtilization();
const profiler = inAppProfiler();

process.on('message', async (message) => {
  if (message.cmd === 'calibrate') {
    process.send({ type: 'calibration', ...calibrate() });
    return;
  }
  if (message.cmd === 'profile-start') {
    await profiler.start(message.intervalUs);
    process.send({ type: 'profiling' });
    return;
  }
  if (message.cmd === 'profile-stop') {
    process.send({ type: 'profiled', file: message.file, mainShare: await profiler.stop(message.file) });
    return;
  }
  if (message.cmd === 'mark') {
    const { user, system } = process.cpuUsage();
    const elu = performance.eventLoopUtilization(lastElu);
    lastElu = performance.eventLoopUtilization();
    process.send({ type: 'mark', cpuUs: user + system, sysUs: system, served: app.served(), elu: elu.utilization });
    return;
  }
  if (message.cmd !== 'stop') return;
  const result = await app.stop();
  process.send({ type: 'stopped', ...result }, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
