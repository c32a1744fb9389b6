// One app under test in its own process (pinned to its own core when the run can pin).
// argv: <framework> <variant> <apiUrl> <accessKey>. Sends { type: 'ready', url }.
// On { cmd: 'mark' } sends { type: 'mark', cpuUs, sysUs, served, elu }: the process's CPU time so far
// (all threads; sysUs the kernel's part of it), requests served, and the event loop's utilization since the previous mark.
// On { cmd: 'stop' } closes the server, finishes delivering and sends { type: 'stopped', served, ... }.
import { performance } from 'node:perf_hooks';
import { startApp } from './apps.mjs';

const [framework, variant, apiUrl, accessKey] = process.argv.slice(2);
const app = await startApp({ framework, variant, apiUrl, accessKey });
process.send({ type: 'ready', url: app.url });

let lastElu = performance.eventLoopUtilization();
process.on('message', async (message) => {
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
