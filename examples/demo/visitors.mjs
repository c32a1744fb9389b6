// Simulated visitors of the example shop: who they are, what they request, and what the
// middleware should make of each request. The plan is deterministic for a given seed.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { SKIP_REASONS } from '@pirsch-node/core';

/** Real browser user agents, with how often they show up. */
const BROWSERS = [
  { weight: 30, ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' },
  { weight: 12, ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' },
  { weight: 14, ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' },
  { weight: 12, ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36' },
  { weight: 10, ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0' },
  { weight: 8, ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0' },
  { weight: 6, ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0' },
  { weight: 4, ua: 'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36' },
];

/**
 * Crawlers, uptime checkers and link previewers: they send a user agent, and the middleware
 * skips them as bots (`bots: 'skip'`, the default), before any hit is built or sent.
 */
export const CRAWLERS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
];

/** An uptime monitor's user agent: a bot as well. */
const UPTIME_CHECKER = 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)';

const LANGUAGES = [
  { weight: 35, value: 'en-US,en;q=0.9' },
  { weight: 20, value: 'de-DE,de;q=0.9,en;q=0.8' },
  { weight: 12, value: 'en-GB,en;q=0.9' },
  { weight: 10, value: 'fr-FR,fr;q=0.9,en;q=0.7' },
  { weight: 8, value: 'es-ES,es;q=0.9' },
  { weight: 8, value: 'nl-NL,nl;q=0.9,en;q=0.8' },
  { weight: 7, value: 'ja-JP,ja;q=0.9' },
];

/** How visitors arrive: a referrer, a UTM-tagged link, or directly. */
const ENTRIES = [
  { weight: 25, path: '/', referrer: 'https://www.google.com/' },
  { weight: 8, path: '/products', referrer: 'https://www.google.com/' },
  { weight: 8, path: '/', referrer: 'https://duckduckgo.com/' },
  { weight: 7, path: '/about', referrer: 'https://news.ycombinator.com/item?id=40000001' },
  { weight: 6, path: '/products/2', referrer: 'https://www.reddit.com/r/coffee/' },
  { weight: 5, path: '/', referrer: 'https://t.co/x1y2z3' },
  { weight: 12, path: '/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale' },
  { weight: 7, path: '/products?utm_source=mastodon&utm_medium=social&utm_campaign=launch' },
  { weight: 22, path: '/' },
];

const PAGES = ['/products', '/products/1', '/products/2', '/products/3', '/about', '/products', '/'];

/**
 * What the middleware should do with a request: track it, or skip it for a reason (core's
 * `SkipReason`). When several reasons apply, the first in core's `SKIP_REASONS` order counts.
 */
export function expectedOutcome(req, visitorHeaders) {
  const headers = { ...visitorHeaders, ...req.headers };
  const applies = {
    method: req.method !== 'GET',
    status: req.status < 200 || req.status > 299,
    'no-user-agent': !headers['user-agent'],
    dnt: headers.dnt === '1',
    prefetch: headers['sec-purpose'] === 'prefetch',
    asset: req.asset === true,
    excluded: req.excluded === true,
    bot: CRAWLERS.includes(headers['user-agent']) || headers['user-agent'] === UPTIME_CHECKER,
  };
  return SKIP_REASONS.find((reason) => applies[reason]) ?? 'tracked';
}

/** A small, seeded PRNG (mulberry32), so the same seed plans the same visitors. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted(rand, items) {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let pick = rand() * total;
  for (const item of items) {
    pick -= item.weight;
    if (pick < 0) return item;
  }
  return items[items.length - 1];
}

/** A distinct loopback address per visitor (all of 127.0.0.0/8 is loopback on Linux), so each has its own IP. */
export function visitorAddress(index) {
  const n = index + 1;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * Plans `count` visitors, each a list of requests in order with the status the shop answers and
 * what the middleware should do (`expect`). Most are browsers reading a few pages (some from a
 * search engine or a UTM-tagged link, some signing up); some send DNT; some are crawlers and link
 * previewers; some are scanners without a user agent; a load balancer checks /health, and an
 * uptime monitor checks the home page.
 */
export function planVisitors(count, seed = 1) {
  const rand = random(seed);
  const visitors = [];
  for (let i = 0; i < count; i++) {
    const roll = rand();
    const kind = roll < 0.06 ? 'bot' : roll < 0.1 ? 'crawler' : roll < 0.2 ? 'dnt' : 'browser';
    const browsing = kind === 'browser' || kind === 'dnt';
    const headers = {};
    if (kind === 'crawler') headers['user-agent'] = CRAWLERS[Math.floor(rand() * CRAWLERS.length)];
    if (browsing) {
      headers['user-agent'] = weighted(rand, BROWSERS).ua;
      headers['accept-language'] = weighted(rand, LANGUAGES).value;
      headers.accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    }
    if (kind === 'dnt') headers.dnt = '1';

    const requests = [];
    const add = (req) => requests.push({ method: 'GET', status: 200, headers: {}, ...req });
    if (kind === 'bot') {
      // Scanners without a user agent: the API would refuse their hits, so none is sent.
      add({ path: '/' });
      add({ path: rand() < 0.5 ? '/wp-login.php' : '/.env', status: 404 });
    } else {
      const entry = kind === 'crawler' ? { path: '/' } : weighted(rand, ENTRIES);
      add({ path: entry.path, headers: entry.referrer ? { referer: entry.referrer } : {} });
      // The page's stylesheet: skipped by its extension.
      if (browsing) add({ path: '/assets/style.css', asset: true, headers: { referer: 'self' } });
      const more = kind === 'crawler' ? 3 : Math.floor(rand() * 4);
      for (let p = 0; p < more; p++) {
        const next = PAGES[Math.floor(rand() * PAGES.length)];
        // A browser prefetches a link the visitor hovers: a prefetch is no page view.
        if (browsing && rand() < 0.15) add({ path: next, headers: { referer: 'self', 'sec-purpose': 'prefetch' } });
        add({ path: next, headers: { referer: 'self' } });
      }
      if (browsing && rand() < 0.1) add({ path: '/products/99', status: 404, headers: { referer: 'self' } }); // a stale link
      if (browsing && rand() < 0.25) {
        const plan = rand() < 0.35 ? 'pro' : 'free';
        add({ path: '/signup', headers: { referer: 'self' } });
        add({
          method: 'POST',
          path: '/signup',
          status: 303,
          body: `email=visitor${i}%40example.com&plan=${plan}`,
          // The request helper respects DNT for events too.
          event: kind === 'dnt' ? undefined : { name: 'Signup', plan },
          headers: { referer: 'self', 'content-type': 'application/x-www-form-urlencoded' },
        });
        add({ path: '/thanks', headers: { referer: 'self' } });
      }
    }
    for (const req of requests) req.expect = expectedOutcome(req, headers);
    visitors.push({ index: i, kind, headers, requests });
  }
  // A load balancer's health checks: excluded by the examples' `exclude: ['/health']`.
  if (count === 0) return visitors;
  const checks = Math.max(1, Math.round(count / 10));
  const headers = { 'user-agent': 'ELB-HealthChecker/2.0' };
  const requests = Array.from({ length: checks }, () => ({ method: 'GET', path: '/health', status: 200, excluded: true, headers: {} }));
  for (const req of requests) req.expect = expectedOutcome(req, headers);
  visitors.push({ index: count, kind: 'health-check', machine: true, headers, requests });
  // An uptime monitor checks the home page: a bot, skipped by the middleware's `bots: 'skip'`.
  const uptimeHeaders = { 'user-agent': UPTIME_CHECKER };
  const pings = Array.from({ length: Math.max(1, Math.round(count / 20)) }, () => ({ method: 'GET', path: '/', status: 200, headers: {} }));
  for (const req of pings) req.expect = expectedOutcome(req, uptimeHeaders);
  visitors.push({ index: count + 1, kind: 'uptime-check', machine: true, headers: uptimeHeaders, requests: pings });
  return visitors;
}

/** True when this machine lets a client bind any 127.x.y.z address (Linux does; macOS only 127.0.0.1). */
export async function canBindLoopbackRange(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.9.9' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends one request and reads the whole answer; resolves with status and time in ms (never rejects). */
function send(agent, base, req, headers, localAddress) {
  const url = new URL(req.path, base);
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const outgoing = request(
      url,
      { method: req.method, agent, headers: { ...headers, ...req.headers }, ...(localAddress ? { localAddress } : {}) },
      (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
        res.once('error', () => resolve({ status: 0, ms: 0 }));
      },
    );
    outgoing.once('error', () => resolve({ status: 0, ms: 0 }));
    // Node's http client sends no User-Agent by itself, so a bot without one really has none.
    outgoing.end(req.body);
  });
}

/**
 * Drives the visitors through the shop at `baseUrl`, `concurrency` at a time, each visitor's
 * requests in order over its own keep-alive connection (from its own loopback address when
 * `distinctAddresses`). `onRequest(visitor, req, result)` hears each answer, `onVisitorDone(visitor)`
 * each visitor who left.
 */
export async function driveVisitors(visitors, { baseUrl, concurrency = 16, distinctAddresses, onRequest, onVisitorDone }) {
  let next = 0;
  const worker = async () => {
    while (next < visitors.length) {
      const visitor = visitors[next++];
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const localAddress = distinctAddresses ? visitorAddress(visitor.index) : undefined;
      let page = baseUrl;
      for (const req of visitor.requests) {
        // 'self' stands for the page the visitor came from, inside the shop.
        const headers = { ...visitor.headers };
        const resolved = { ...req, headers: { ...req.headers } };
        if (resolved.headers.referer === 'self') resolved.headers.referer = page;
        const result = await send(agent, baseUrl, resolved, headers, localAddress);
        // The next request's referrer is the last page the visitor saw (not an asset or a prefetch).
        if (req.method === 'GET' && req.status === 200 && !req.asset && !req.headers['sec-purpose']) page = new URL(req.path, baseUrl).href;
        onRequest?.(visitor, req, result);
      }
      agent.destroy();
      onVisitorDone?.(visitor);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, visitors.length) }, worker));
}
