// One app under test in its own process (pinned to its own core when the run can pin).
// argv: <framework> <variant> <apiUrl> <accessKey>. Sends { type: 'ready', url }; on { cmd: 'stop' }
// closes the server, finishes delivering and sends { type: 'stopped', served, ... }, then exits.
import { startApp } from './apps.mjs';

const [framework, variant, apiUrl, accessKey] = process.argv.slice(2);
const app = await startApp({ framework, variant, apiUrl, accessKey });
process.send({ type: 'ready', url: app.url });

process.on('message', async (message) => {
  if (message.cmd !== 'stop') return;
  const result = await app.stop();
  process.send({ type: 'stopped', ...result }, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
