// The API the HTTP benchmarks deliver to, in its own process on the load generator's core: a
// counting server that answers the ingest endpoints as Pirsch does (the bearer checked, every item
// parsed and checked for what the API requires: url, ip, user_agent, an event's event_name, a
// batch item's time), counts what it accepted and nothing more. The emulator records, indexes
// and budgets every hit (about 1.5 µs of CPU a hit, measured): on the core it shares with
// autocannon that starved the load generator in the variants that deliver, the app's loop then
// idled between requests, and its CPU per request rose for a reason of the bench's own.
// Controlled over IPC: { id, cmd: 'reset' | 'hang' | 'counts' } -> { id, ...counts }.
// An ingest request with the hanging key (in the ready message) is never answered, whatever the
// IPC said: one app can meet an API that hangs while others, at the same time, meet one that answers.
import { createServer } from 'node:http';
/** The official SDK checks that an access key is `pa_` plus 45 characters. */
const BENCH_ACCESS_KEY = `pa_${'b'.repeat(45)}`;

const AUTHORIZATION = `Bearer ${BENCH_ACCESS_KEY}`;
const HANGING_ACCESS_KEY = `pa_${'h'.repeat(45)}`;
const HANGING_AUTHORIZATION = `Bearer ${HANGING_ACCESS_KEY}`;
const counts = { hits: 0, events: 0, ingestPosts: 0, refused: 0 };
let hanging = false;
const held = new Set();

const ROUTES = {
  '/api/v1/hit': ['hit', false],
  '/api/v1/hit/batch': ['hit', true],
  '/api/v1/event': ['event', false],
  '/api/v1/event/batch': ['event', true],
  '/api/v1/session': ['session', false],
  '/api/v1/session/batch': ['session', true],
};

const nonEmpty = (value) => typeof value === 'string' && value !== '';
function valid(kind, item, batch) {
  if (item === null || typeof item !== 'object') return false;
  if (!nonEmpty(item.ip) || !nonEmpty(item.user_agent)) return false;
  if (kind !== 'session' && !nonEmpty(item.url)) return false;
  if (kind === 'event' && !nonEmpty(item.event_name)) return false;
  return !batch || nonEmpty(item.time);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const route = ROUTES[req.url];
    if (req.method !== 'POST' || route === undefined) return answer(res, 404);
    counts.ingestPosts++;
    if (hanging || req.headers.authorization === HANGING_AUTHORIZATION) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return undefined;
    }
    if (req.headers.authorization !== AUTHORIZATION) return answer(res, 401);
    const [kind, batch] = route;
    let items;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      items = batch ? body : [body];
    } catch {
      return answer(res, 400);
    }
    if (!Array.isArray(items) || !items.every((item) => valid(kind, item, batch))) return answer(res, 400);
    if (kind === 'hit') counts.hits += items.length;
    else if (kind === 'event') counts.events += items.length;
    return answer(res, 200);
  });
});

function answer(res, status) {
  if (status !== 200) counts.refused++;
  res.writeHead(status, { 'content-length': '0' });
  res.end();
}

process.on('message', ({ id, cmd }) => {
  if (cmd === 'reset') {
    hanging = false;
    for (const res of held) res.destroy();
    held.clear();
    for (const key of Object.keys(counts)) counts[key] = 0;
  } else if (cmd === 'hang') {
    // Every ingest request from now on is read and never answered, until the next reset.
    hanging = true;
  }
  process.send({ id, ...counts });
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}`, accessKey: BENCH_ACCESS_KEY, hangingKey: HANGING_ACCESS_KEY });
});
