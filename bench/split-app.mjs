// Two copies of one framework's app in one process, bare and a variant, behind one server that
// hands the requests to them in turn (bench/split.mjs). Each copy loads the framework and its
// dependencies anew (apps.mjs's splitLoader), so its code is scripts of its own; the script ids of
// each copy are recorded while it loads. A profile of this process then tells apart, sample by
// sample, the framework's work for bare requests, the framework's work for the variant's requests
// (its dispatch of our middleware, the getters our adapter calls), and our own: the same
// framework, the same process and the same milliseconds, so the machine's noise falls on both.
// Express, Koa and Fastify from the CommonJS cache emptied; Nest's bare copy from a copy of its files.
// argv: <framework> <variant> <apiUrl> <accessKey> [bare | variant: the copy loaded first]. Sends { type: 'ready', url }.
// On { cmd: 'profile-start', intervalUs } starts V8's CPU profiler (sends { type: 'profiling' }); on
// { cmd: 'profile-stop', file } stops it and writes the profile, with `scriptInstances` (script id
// to 'bare' or 'variant') added, to `file` (sends { type: 'profiled', file, mainShare, served:
// { bare, variant } }: requests each copy served while the profiler ran).
// On { cmd: 'stop' } closes the server, finishes delivering and sends { type: 'stopped', served, bare, variant }.
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { SPLIT_FRAMEWORKS, buildHandler, splitLoader } from './apps.mjs';
import { inAppProfiler } from './in-app-profiler.mjs';

const [framework, variant, apiUrl, accessKey, first = 'bare'] = process.argv.slice(2);
if (!SPLIT_FRAMEWORKS.includes(framework)) throw new Error(`split: ${framework} cannot be loaded twice (use one of ${SPLIT_FRAMEWORKS.join(', ')})`);

// Which copy each script parsed while it loads belongs to.
const scriptInstances = {};
let loading;
const debug = new Session();
debug.connect();
debug.on('Debugger.scriptParsed', ({ params }) => {
  if (loading) scriptInstances[params.scriptId] = loading;
});
await debug.post('Debugger.enable');
const copies = {};
// Which copy loads first alternates from run to run (the JIT may favour one).
const order = [
  ['bare', 'bare'],
  ['variant', variant],
];
if (first === 'variant') order.reverse();
for (const [instance, name] of order) {
  loading = instance;
  copies[instance] = await buildHandler({ framework, variant: name, apiUrl, accessKey, load: splitLoader(framework, instance) });
  // Fastify's routing as a listener: its plugins and hooks are loaded here, within the window (and
  // Nest's platform-express, which Nest imports when it creates the app).
  await new Promise((resolve) => setImmediate(resolve));
}
loading = undefined;
await debug.post('Debugger.disable');
debug.disconnect();

let turn = 0;
const server = createServer((req, res) => ((turn++ & 1) === 0 ? copies.bare.handler : copies.variant.handler)(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` });

const profiler = inAppProfiler();
let servedAtStart;
const served = () => ({ bare: copies.bare.served(), variant: copies.variant.served() });

process.on('message', async (message) => {
  if (message.cmd === 'profile-start') {
    await profiler.start(message.intervalUs);
    servedAtStart = served();
    process.send({ type: 'profiling' });
    return;
  }
  if (message.cmd === 'profile-stop') {
    const now = served();
    const mainShare = await profiler.stop(message.file, { scriptInstances });
    process.send({ type: 'profiled', file: message.file, mainShare, served: { bare: now.bare - servedAtStart.bare, variant: now.variant - servedAtStart.variant } });
    return;
  }
  if (message.cmd !== 'stop') return;
  server.closeAllConnections();
  server.close();
  const bare = await copies.bare.stop();
  const other = await copies.variant.stop();
  process.send({ type: 'stopped', served: bare.served + other.served, bare, variant: other }, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
