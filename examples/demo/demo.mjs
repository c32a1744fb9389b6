#!/usr/bin/env node
// The demo: `npm run demo` (after the install and build that the root script does).
// Starts the Pirsch API emulator and an example shop with the middleware, drives a few hundred
// simulated visitors through it, closes cleanly and shows what arrived, as Pirsch would show it.
// No account and no network: everything is on loopback.
// The workspace packages are imported in main(), after the command line is read (and the build,
// with --build): `--help` and a mistake answer at once, even before the first build.
import { buildQuietly } from '../../scripts/build-quietly.mjs';
import { int, num, percent, percentiles, progress, styles, table } from './format.mjs';
import { readCommandLine } from './options.mjs';

const FRAMEWORKS = {
  express: { name: 'Express', load: () => import('@pirsch-node/example-express') },
  koa: { name: 'Koa', load: () => import('@pirsch-node/example-koa') },
  fastify: { name: 'Fastify', load: () => import('@pirsch-node/example-fastify') },
  nest: { name: 'NestJS (platform-express)', load: () => import('@pirsch-node/example-nest') },
  hono: { name: 'Hono (@hono/node-server)', load: () => import('@pirsch-node/example-hono') },
};

/** Why a request was not tracked, in words (core's SkipReason names). */
const REASONS = {
  method: 'not a GET (the signup form POST)',
  status: 'not a 2xx answer (404s)',
  'no-user-agent': 'no User-Agent (scanners)',
  dnt: 'sent DNT: 1',
  prefetch: 'a prefetch (Sec-Purpose)',
  asset: 'a static asset (.css)',
  excluded: "matched exclude ('/health')",
  bot: 'a bot (crawlers, uptime checks)',
};

/** Keys a hit by who asked for what: the visitor's IP and user agent, and the path with its query. */
const keyOf = (ip, userAgent, path) => `${ip}\u0000${userAgent ?? ''}\u0000${path}`;

/**
 * Matches what the emulator received against what the visitors asked for: every tracked page view
 * should arrive once, and nothing that was meant to be skipped should arrive at all.
 */
function reconcile(visits, hits) {
  const expected = new Map();
  const skipped = new Map();
  for (const visit of visits) {
    const bucket = visit.req.expect === 'tracked' ? expected : skipped;
    const key = keyOf(visit.ip, visit.userAgent, visit.req.path);
    if (visit.req.expect === 'tracked') bucket.set(key, (bucket.get(key) ?? 0) + 1);
    else if (!skipped.has(key)) skipped.set(key, visit.req.expect);
  }
  const leaked = {};
  let unexpected = 0;
  for (const hit of hits) {
    let path;
    try {
      const url = new URL(hit.url);
      path = url.pathname + url.search;
    } catch {
      path = hit.url;
    }
    const key = keyOf(hit.ip, hit.user_agent, path);
    const left = expected.get(key) ?? 0;
    if (left > 0) expected.set(key, left - 1);
    else if (skipped.has(key)) leaked[skipped.get(key)] = (leaked[skipped.get(key)] ?? 0) + 1;
    else unexpected++;
  }
  const missing = [...expected.values()].reduce((sum, n) => sum + n, 0);
  return { missing, leaked, unexpected };
}

/** The day (UTC) of a date, as the statistics filter takes it. */
const day = (date) => date.toISOString().slice(0, 10);

/**
 * The signup flow as a funnel: any page, the signup page, the Signup event. Made once through the
 * management API (`funnels.create`), found again by name when the report is read a second time.
 */
const SIGNUP_FUNNEL = {
  name: 'Signup',
  steps: [
    { name: 'Any page', filter: { path_pattern: ['/**'] } },
    { name: 'Signup page', filter: { path: ['/signup'] } },
    { name: 'Signup event', filter: { event_name: ['Signup'] } },
  ],
};

/** The experiment arm a visitor is in, from the last digit of its address (so it keeps the same one); sent as the tag `abtest`. */
const abtest = (req) => ({ abtest: Number(String(req?.ip ?? '').slice(-1)) % 2 === 0 ? 'a' : 'b' });

async function signupFunnel(reader, domainId) {
  const existing = (await reader.funnels.list(domainId)).find((funnel) => funnel.name === SIGNUP_FUNNEL.name);
  return existing ?? reader.funnels.create({ domain_id: domainId, ...SIGNUP_FUNNEL });
}

/** Counts the sessions of the range by walking the session list page by page (`client.paginate`). */
async function countSessions(reader, filter) {
  let count = 0;
  for await (const _ of reader.paginate(reader.statistics.sessions, filter)) count++;
  return count;
}

async function readStatistics(reader, from, to) {
  const [domain] = await reader.domains.list();
  const filter = { id: domain.id, from: day(from), to: day(to) };
  const funnel = await signupFunnel(reader, domain.id);
  const [total, pages, referrers, browsers, events, campaigns, languages, plans, overview, channels, tags, steps, sessions] = await Promise.all([
    reader.statistics.total(filter),
    reader.statistics.pages(filter),
    reader.statistics.referrers(filter),
    reader.statistics.browsers(filter),
    reader.statistics.events(filter),
    reader.statistics.utmCampaign(filter),
    reader.statistics.languages(filter),
    reader.statistics.eventMetadata({ ...filter, event: 'Signup', event_meta_key: 'plan' }),
    reader.statistics.overview({ id: domain.id }),
    reader.statistics.channels(filter),
    reader.statistics.tagDetails({ ...filter, tag: 'abtest' }),
    reader.statistics.funnel({ ...filter, funnel_id: funnel.id }),
    countSessions(reader, filter),
  ]);
  return { domain, total, pages, referrers, browsers, events, campaigns, languages, plans, overview, channels, tags, funnel: { definition: funnel, steps: steps.data }, sessions };
}

function printStatistics(stats, out) {
  const s = styles();
  const { total } = stats;
  out(
    table(
      s.bold(`Statistics read back with client.statistics (domain ${stats.domain.hostname})`),
      [{ title: 'Visitors', right: true }, { title: 'Page views', right: true }, { title: 'Sessions', right: true }, { title: 'Sessions listed', right: true }, { title: 'Bounce rate', right: true }],
      [[total.visitors, total.views, total.sessions, stats.sessions, percent(total.bounce_rate)]],
    ),
  );
  out('');
  const { overview } = stats;
  out(
    table(
      s.bold('Overview (past 7 days, no filter)'),
      [{ title: 'Visitors', right: true }, { title: 'Page views', right: true }, { title: 'Visitor growth', right: true }, { title: 'Members', right: true }],
      [[overview.visitors, overview.views, percent(overview.visitors_growth ?? overview.visitor_growth), overview.member]],
    ),
  );
  out('');
  out(
    table(
      s.bold('Top pages'),
      [{ title: 'Page' }, { title: 'Title' }, { title: 'Visitors', right: true }, { title: 'Views', right: true }],
      stats.pages.slice(0, 8).map((page) => [page.path, page.title, page.visitors, page.views]),
    ),
  );
  out('');
  out(
    table(
      s.bold('Referrers'),
      [{ title: 'Referrer' }, { title: 'Visitors', right: true }],
      stats.referrers.slice(0, 8).map((ref) => [ref.referrer_name || ref.referrer || '(direct)', ref.visitors]),
    ),
  );
  out('');
  out(
    table(
      s.bold('Channels'),
      [{ title: 'Channel' }, { title: 'Visitors', right: true }, { title: 'Share', right: true }],
      stats.channels.map((row) => [row.channel || '(none)', row.visitors, percent(row.relative_visitors)]),
    ),
  );
  out('');
  out(
    table(
      s.bold('Browsers'),
      [{ title: 'Browser' }, { title: 'Visitors', right: true }, { title: 'Share', right: true }],
      stats.browsers.slice(0, 8).map((row) => [row.browser || '(unknown)', row.visitors, percent(row.relative_visitors)]),
    ),
  );
  out('');
  out(
    table(
      s.bold('UTM campaigns'),
      [{ title: 'Campaign' }, { title: 'Visitors', right: true }],
      stats.campaigns.filter((row) => row.utm_campaign).map((row) => [row.utm_campaign, row.visitors]),
    ),
  );
  out('');
  out(
    table(
      s.bold('Languages'),
      [{ title: 'Language' }, { title: 'Visitors', right: true }],
      stats.languages.slice(0, 8).map((row) => [row.language || '(unknown)', row.visitors]),
    ),
  );
  out('');
  const plans = new Map(stats.plans.map((row) => [row.meta_value, row.views]));
  out(
    table(
      s.bold('Events'),
      [{ title: 'Event' }, { title: 'Visitors', right: true }, { title: 'Count', right: true }, { title: 'Conversion', right: true }, { title: 'By plan' }],
      stats.events.map((event) => [
        event.name,
        event.visitors,
        event.views,
        percent(event.cr),
        event.name === 'Signup' ? [...plans].map(([plan, n]) => `${plan}: ${n}`).join(', ') : '',
      ]),
    ),
  );
  out('');
  out(
    table(
      s.bold('Tag abtest (an experiment arm per visitor)'),
      [{ title: 'Value' }, { title: 'Visitors', right: true }, { title: 'Page views', right: true }],
      stats.tags.map((row) => [row.value, row.visitors, row.views]),
    ),
  );
  out('');
  const names = new Map(stats.funnel.definition.steps.map((step) => [step.step + 1, step.name]));
  out(
    table(
      s.bold(`Funnel "${stats.funnel.definition.name}" (made with client.funnels.create)`),
      [{ title: 'Step' }, { title: 'Visitors', right: true }, { title: 'Of step 1', right: true }, { title: 'Dropped', right: true }],
      stats.funnel.steps.map((row) => [`${row.step}. ${names.get(row.step) ?? ''}`, row.visitors, percent(row.relative_visitors), row.dropped]),
    ),
  );
}

async function main(argv) {
  const { options, exitCode } = readCommandLine(argv);
  if (!options) return exitCode;
  if (options.build) {
    const status = buildQuietly();
    if (status !== 0) return status;
  }
  const [{ createClient }, { createPirschEmulator }, { measureAddedLatency }, { canBindLoopbackRange, driveVisitors, planVisitors, visitorAddress }] =
    await Promise.all([import('@pirsch-node/core'), import('@pirsch-node/testing'), import('./latency.mjs'), import('./visitors.mjs')]);
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const s = styles();
  const framework = FRAMEWORKS[options.framework];
  const from = new Date();

  // 1. The API: the emulator, in this process, on a free loopback port (with its dashboard at / when serving).
  const emulator = await createPirschEmulator({ dashboard: options.serve });
  // Delivery with the write-only access key; reading statistics needs client credentials.
  const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey });
  const reader = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret });

  // 2. The shop, with the middleware given our client (so this script owns its metrics and close).
  const { start } = await framework.load();
  let app;
  let busyPort;
  try {
    app = await start({ port: options.serve ? options.port : 0, pirsch: { client, tags: abtest } });
  } catch (error) {
    if (!options.serve || error?.code !== 'EADDRINUSE') throw error;
    busyPort = options.port;
    app = await start({ port: 0, pirsch: { client, tags: abtest } });
  }
  out(s.bold(`pirsch-node demo: the ${framework.name} example shop, tracked by @pirsch-node/${options.framework}`));
  out(s.dim(`  shop ${app.url}   Pirsch API emulator ${emulator.url}   (loopback only: no account, no network)`));
  if (busyPort !== undefined) out(s.yellow(`  Port ${busyPort} is busy, so the shop took port ${new URL(app.url).port} instead.`));
  out('');

  // 3. The visitors.
  const visitors = planVisitors(options.visitors, options.seed);
  const distinct = await canBindLoopbackRange(new URL(app.url).port);
  const visits = [];
  const plannedRequests = visitors.reduce((sum, visitor) => sum + visitor.requests.length, 0);
  const humans = visitors.filter((visitor) => !visitor.machine).length;
  let visitorsDone = 0;
  const bar = progress(() => ({
    done: visits.length,
    total: plannedRequests,
    text:
      `${int(visitorsDone)}/${int(humans)} visitors  ${int(visits.length)} requests  ` +
      `${int(emulator.hits.length)} hits and ${int(emulator.events.length)} events delivered`,
  }));
  if (options.visitors > 0) {
    out(`Driving ${int(options.visitors)} visitors (${int(plannedRequests)} requests, ${options.concurrency} at a time)${distinct ? ', each from its own 127.x.y.z address' : ''}:`);
    bar.start();
  }
  const started = performance.now();
  await driveVisitors(visitors, {
    baseUrl: app.url,
    concurrency: options.concurrency,
    distinctAddresses: distinct,
    onRequest(visitor, req, result) {
      visits.push({ visitor, req, result, ip: distinct ? visitorAddress(visitor.index) : '127.0.0.1', userAgent: { ...visitor.headers, ...req.headers }['user-agent'] });
    },
    onVisitorDone(visitor) {
      if (!visitor.machine) visitorsDone++;
    },
  });
  const drivingMs = performance.now() - started;

  // 4. Close cleanly: the shop stops and flushes the client it was given; then we close the client.
  const closeStarted = performance.now();
  if (!options.serve) await app.close();
  const delivered = await client.flush(10_000);
  const closeMs = performance.now() - closeStarted;
  // Stopped only now, so that its last line counts what was delivered, as the table below does.
  if (options.visitors > 0) bar.stop();

  const report = summarize({ visits, emulator, client, delivered, drivingMs, closeMs, distinct });
  if (options.visitors > 0) printDelivery(report, out);

  // 5. The added latency: bare framework vs. with the middleware, same requests.
  if (options.latency && options.visitors > 0) {
    const probeApi = await createPirschEmulator();
    try {
      const latency = await measureAddedLatency({ framework: options.framework, apiUrl: probeApi.url, accessKey: probeApi.accessKey });
      printLatency(latency, report, out);
    } finally {
      await probeApi.close();
    }
  }

  // 6. What Pirsch shows: the statistics, read back through the client's statistics API.
  if (options.visitors > 0) {
    const stats = await readStatistics(reader, from, new Date());
    out('');
    printStatistics(stats, out);
  }

  if (options.serve) {
    await serve({ app, emulator, client, reader, from, out });
  } else {
    await client.close();
  }
  await reader.close();
  await emulator.close();

  if (options.visitors === 0) return report.ok ? 0 : 1;
  out('');
  if (report.ok) out(s.green('✔ Every page view that should be tracked was delivered, nothing that should be skipped was, and the demo closed cleanly.'));
  else out(s.red('✘ What arrived does not match what the visitors did: see the tables above.'));
  return report.ok ? 0 : 1;
}

/** Counts, per outcome, what the visitors did and what the emulator received. */
function summarize({ visits, emulator, client, delivered, drivingMs, closeMs, distinct }) {
  const byOutcome = {};
  const statuses = {};
  let failedRequests = 0;
  let wrongStatus = 0;
  for (const visit of visits) {
    byOutcome[visit.req.expect] = (byOutcome[visit.req.expect] ?? 0) + 1;
    if (visit.result.status === 0) failedRequests++;
    else statuses[visit.result.status] = (statuses[visit.result.status] ?? 0) + 1;
    if (visit.result.status !== visit.req.status) wrongStatus++;
  }
  const expectedEvents = visits.filter((visit) => visit.req.event).length;
  const ingest = emulator.requests.filter((request) => request.method === 'POST' && /^\/api\/v1\/(hit|event|session)/.test(request.path));
  const { missing, leaked, unexpected } = reconcile(visits, emulator.hits);
  const leakedTotal = Object.values(leaked).reduce((sum, n) => sum + n, 0);
  const metrics = { ...client.metrics };
  const ok =
    failedRequests === 0 &&
    wrongStatus === 0 &&
    missing === 0 &&
    leakedTotal === 0 &&
    unexpected === 0 &&
    emulator.hits.length === (byOutcome.tracked ?? 0) &&
    emulator.events.length === expectedEvents &&
    delivered;
  return {
    ok,
    visits,
    byOutcome,
    statuses,
    failedRequests,
    wrongStatus,
    expectedEvents,
    hits: emulator.hits.length,
    events: emulator.events.length,
    posts: ingest.length,
    missing,
    leaked,
    unexpected,
    metrics,
    delivered,
    drivingMs,
    closeMs,
    distinct,
  };
}

function printDelivery(report, out) {
  const s = styles();
  const check = (ok) => (ok ? s.green('✔') : s.red('✘'));
  const served = report.visits.length - report.failedRequests;
  const statusText = Object.entries(report.statuses)
    .map(([status, n]) => `${int(n)} × ${status}`)
    .join(', ');
  const times = percentiles(report.visits.filter((visit) => visit.result.status > 0).map((visit) => visit.result.ms));
  out('');
  out(
    table(
      s.bold('Requests served'),
      [{ title: '' }, { title: '', right: true }],
      [
        ['requests served', `${int(served)} in ${num(report.drivingMs / 1000, 2)} s (${statusText})`],
        ['failed requests', int(report.failedRequests)],
        ['answered with an unexpected status', int(report.wrongStatus)],
        ['response time as the visitors saw it', `p50 ${num(times.p50, 2)} ms, p95 ${num(times.p95, 2)} ms, p99 ${num(times.p99, 2)} ms`],
      ],
    ),
  );
  out('');
  const tracked = report.byOutcome.tracked ?? 0;
  const rows = [[s.bold('page views to track'), tracked, `${int(report.hits)} hits`, check(report.hits === tracked && report.missing === 0 && report.unexpected === 0)]];
  for (const [reason, text] of Object.entries(REASONS)) {
    const n = report.byOutcome[reason] ?? 0;
    if (n === 0) continue;
    const leaked = report.leaked[reason] ?? 0;
    rows.push([`skipped: ${text}`, n, leaked === 0 ? 'none' : `${int(leaked)} hits`, check(leaked === 0)]);
  }
  rows.push([s.bold('Signup events (form POSTs without DNT)'), report.expectedEvents, `${int(report.events)} events`, check(report.events === report.expectedEvents)]);
  out(
    table(
      s.bold('What the middleware did'),
      [{ title: 'Requests' }, { title: 'Count', right: true }, { title: 'Arrived at the API', right: true }, { title: '' }],
      rows,
      {
        note: s.dim(
          'Skip reasons: what the demo generated, checked against what arrived (each visitor has its own IP and user agent, ' +
            'so a hit that should not have been sent would show up here).',
        ),
      },
    ),
  );
  out('');
  const items = report.hits + report.events;
  out(
    table(
      s.bold('Delivery'),
      [{ title: '' }, { title: '', right: true }],
      [
        ['hits and events delivered', `${int(report.hits)} + ${int(report.events)}`],
        ['POSTs that carried them', `${int(report.posts)} (${num(items > 0 ? (report.posts / items) * 1000 : 0, 1)} per 1000 items)`],
        ['client metrics', `sent ${int(report.metrics.sent)}, failed ${int(report.metrics.failed)}, dropped ${int(report.metrics.dropped)}, retried ${int(report.metrics.retried)}`],
        ['close: server stopped and queue flushed in', `${num(report.closeMs, 0)} ms${report.delivered ? '' : s.red(' (flush timed out)')}`],
      ],
    ),
  );
  if (!report.distinct) out(s.dim('(This system cannot bind 127.x.y.z addresses, so all visitors share 127.0.0.1: the statistics count fewer visitors.)'));
}

function printLatency(latency, report, out) {
  const s = styles();
  const delta = (p) => latency.ours[p] - latency.bare[p];
  const signed = (value) => `${value >= 0 ? '+' : ''}${num(value, 3)} ms`;
  out('');
  out(
    table(
      s.bold(`Added latency: the same GET, ${int(latency.pairs)} times each, bare vs. with the middleware (alternating, one at a time)`),
      [{ title: '' }, { title: 'p50', right: true }, { title: 'p95', right: true }, { title: 'p99', right: true }],
      [
        ['bare framework', `${num(latency.bare.p50, 3)} ms`, `${num(latency.bare.p95, 3)} ms`, `${num(latency.bare.p99, 3)} ms`],
        ['with the middleware', `${num(latency.ours.p50, 3)} ms`, `${num(latency.ours.p95, 3)} ms`, `${num(latency.ours.p99, 3)} ms`],
        [s.bold('added'), signed(delta('p50')), signed(delta('p95')), signed(delta('p99'))],
      ],
      {
        note: s.dim(
          `A one-page app of the same framework (bench/apps.mjs), in this process; ${int(latency.delivered)} of its ${int(latency.served)} hits delivered. ` +
            'Differences of a tenth of a millisecond either way are noise on a busy machine. Under load: BENCHMARKS.md (npm run bench).',
        ),
      },
    ),
  );
  void report;
}

/** --serve: keep running, print each hit as it arrives, and on Ctrl+C close and show the totals. */
async function serve({ app, emulator, client, reader, from, out }) {
  const s = styles();
  // Listening for Ctrl+C before saying it stops the demo: pressed at once, it must not kill the process.
  const stopped = new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  out('');
  out(s.bold('Serving. Browse the shop and watch the hits arrive:'));
  out(`  shop                 ${s.cyan(app.url)}`);
  out(`  dashboard            ${s.cyan(`${emulator.url}/`)}  (the statistics, a live feed, switches for API faults)`);
  out(`  Pirsch API emulator  ${emulator.url}  (client ID ${emulator.clientId}, access key ${emulator.accessKey})`);
  out(s.dim('  Hits are sent in batches: up to a second after the page. Ctrl+C stops both and shows the statistics.'));
  const time = () => new Date().toTimeString().slice(0, 8);
  const onHit = (hit) => out(`${s.dim(time())}  page view  ${new URL(hit.url).pathname}${hit.title ? `  "${hit.title}"` : ''}  ${s.dim(hit.ip)}`);
  const onEvent = (event) => out(`${s.dim(time())}  event      ${event.event_name} ${JSON.stringify(event.event_meta ?? {})}  ${s.dim(event.ip)}`);
  emulator.on('hit', onHit);
  emulator.on('event', onEvent);
  await stopped;
  out('');
  out('Stopping: closing the shop, then delivering what is queued...');
  await app.close();
  await client.close();
  emulator.off('hit', onHit);
  emulator.off('event', onEvent);
  const stats = await readStatistics(reader, from, new Date());
  out('');
  printStatistics(stats, out);
}

process.exitCode = await main(process.argv.slice(2));
