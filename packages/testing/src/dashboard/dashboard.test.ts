import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { createClient, type PirschClient } from '@pirsch-node/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createPirschEmulator, type PirschEmulator, type PirschEmulatorOptions } from '../emulator.js';

const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function start(options: PirschEmulatorOptions = { dashboard: true }): Promise<PirschEmulator> {
  const emulator = await createPirschEmulator(options);
  open.push(emulator);
  return emulator;
}

function clientOf(emulator: PirschEmulator, options: Partial<Parameters<typeof createClient>[0]> = {}): PirschClient {
  const client = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, flushIntervalMs: 10, ...options });
  open.push({ close: () => client.close(1000).then(() => undefined) });
  return client;
}

const today = () => new Date().toISOString().slice(0, 10);

/** The dashboard's statistics as the page reads them. */
async function stats(emulator: PirschEmulator, range = 'today'): Promise<Record<string, any>> {
  const response = await fetch(`${emulator.url}/_dashboard/stats?range=${range}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

function switchFaults(emulator: PirschEmulator, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Response> {
  return fetch(`${emulator.url}/_dashboard/faults`, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** Reads server-sent events from the feed until `until` holds for the ones read so far. */
async function readFeed(url: string, until: (events: { type: string; id?: string; data: any }[]) => boolean, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { type: string; id?: string; data: any }[] = [];
  let buffer = '';
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((line) => /^\w+:/.test(line)).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
        if (fields.data !== undefined) events.push({ type: fields.event ?? 'message', id: fields.id, data: JSON.parse(fields.data) });
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

describe('the dashboard (createPirschEmulator({ dashboard: true }))', () => {
  it('is off by default: / and its paths are 404 as before', async () => {
    const emulator = await start({});
    for (const path of ['/', '/_dashboard/app.js', '/_dashboard/stats']) {
      expect((await fetch(`${emulator.url}${path}`)).status).toBe(404);
    }
  });

  it('serves the page, its script and style from its own origin under a restrictive CSP, without a token', async () => {
    const emulator = await start();
    const page = await fetch(`${emulator.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    // Every script and stylesheet is a same-origin file: nothing inline the CSP would have to allow.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0])).toEqual(['<script src="/_dashboard/app.js" defer>']);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=|https?:\/\//);

    const script = await fetch(`${emulator.url}/_dashboard/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const style = await fetch(`${emulator.url}/_dashboard/app.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const icon = await fetch(`${emulator.url}/_dashboard/icon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    // Small: the whole page is a few tens of kilobytes, with no external asset.
    const bytes = html.length + (await script.text()).length + (await style.text()).length + (await icon.text()).length;
    expect(bytes).toBeLessThan(48 * 1024);
    // Not recorded, not counted: the dashboard is not the API.
    expect(emulator.requests).toEqual([]);
  });

  it('leaves the API as it was: ingest, auth, 404 for unknown paths, methods the dashboard does not take', async () => {
    const emulator = await start();
    const hit = await fetch(`${emulator.url}/api/v1/hit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emulator.accessKey}` },
      body: JSON.stringify({ url: 'https://example.com/', ip: '203.0.113.1', user_agent: chrome }),
    });
    expect(hit.status).toBe(200);
    expect((await fetch(`${emulator.url}/api/v1/hit`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await fetch(`${emulator.url}/api/v1/nothing`)).status).toBe(404);
    expect((await fetch(`${emulator.url}/index.html`)).status).toBe(404);
    expect((await fetch(`${emulator.url}/_dashboard/nothing`)).status).toBe(404);
    expect((await fetch(`${emulator.url}/`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect((await fetch(`${emulator.url}/_dashboard/stats?range=year`)).status).toBe(400);
    expect(emulator.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual([
      'POST /api/v1/hit 200',
      'POST /api/v1/hit 401',
      'GET /api/v1/nothing 404',
      'GET /index.html 404',
    ]);
  });

  it('shows the figures the statistics API answers, for every dimension the page has', async () => {
    const emulator = await start();
    const client = clientOf(emulator);
    const ua = { alice: ['203.0.113.1', chrome], bob: ['203.0.113.2', firefox], carol: ['203.0.113.3', iphone] } as const;
    client.hit({ url: 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring', ip: ua.alice[0], user_agent: ua.alice[1], accept_language: 'de-DE', tags: { author: 'alice' } });
    client.hit({ url: 'https://shop.example/pricing', ip: ua.alice[0], user_agent: ua.alice[1], accept_language: 'de-DE', referrer: 'https://shop.example/' });
    client.hit({ url: 'https://shop.example/pricing', ip: ua.bob[0], user_agent: ua.bob[1], accept_language: 'en-US', referrer: 'https://www.google.com/search?q=x', tags: { author: 'bob' } });
    client.hit({ url: 'https://shop.example/about', ip: ua.carol[0], user_agent: ua.carol[1], accept_language: 'en', referrer: 'https://news.example/post' });
    client.hit({ url: 'https://shop.example/', ip: '203.0.113.9', user_agent: 'curl/8.0' }); // a bot: received, not counted
    client.event('Signup', { url: 'https://shop.example/pricing', ip: ua.alice[0], user_agent: ua.alice[1] }, { meta: { plan: 'pro' } });
    client.event('Signup', { url: 'https://shop.example/pricing', ip: ua.bob[0], user_agent: ua.bob[1] }, { meta: { plan: 'free' } });
    expect(await client.flush(5000)).toBe(true);

    const data = await stats(emulator);
    const filter = { id: 'emulator-domain', from: today(), to: today() };
    // The same numbers as the API's own statistics routes.
    expect(data.total).toEqual(await client.statistics.total(filter));
    expect(data.total).toMatchObject({ visitors: 3, views: 4, sessions: 3 });
    expect(data.pages).toEqual(await client.statistics.pages({ ...filter, limit: 10 }));
    expect(data.entryPages).toEqual(await client.statistics.entryPages({ ...filter, limit: 10 }));
    expect(data.exitPages).toEqual(await client.statistics.exitPages({ ...filter, limit: 10 }));
    expect(data.referrers).toEqual(await client.statistics.referrers({ ...filter, limit: 10 }));
    expect(data.referrers.map((row: any) => [row.referrer_name, row.visitors])).toEqual([['news.example', 1], ['google.com', 1], ['newsletter', 1]]);
    expect(data.browsers.map((row: any) => [row.browser, row.visitors])).toEqual([['Chrome', 1], ['Firefox', 1], ['Safari', 1]]);
    expect(data.os.map((row: any) => row.os).sort()).toEqual(['Linux', 'Windows', 'iOS']);
    expect(data.platforms).toMatchObject({ platform_desktop: 2, platform_mobile: 1 });
    expect(data.languages.map((row: any) => [row.language, row.visitors])).toEqual([['en', 2], ['de', 1]]);
    expect(data.countries).toEqual(await client.statistics.countries({ ...filter, limit: 10 }));
    expect(data.utm.campaign.map((row: any) => [row.utm_campaign, row.visitors])).toEqual([['spring', 1]]);
    expect(data.utm.medium.map((row: any) => [row.utm_medium, row.visitors])).toEqual([['email', 1]]);
    // The hourly series adds up to the totals, in today's current hour.
    const hour = `${String(new Date().getUTCHours()).padStart(2, '0')}:00`;
    expect(data.series).toHaveLength(24);
    expect(data.series.find((point: any) => point.label === hour)).toEqual({ label: hour, visitors: 3, views: 4 });
    expect(data.series.reduce((sum: number, point: any) => sum + point.views, 0)).toBe(4);
    // Channels, by the first page view of each session.
    expect(data.channels.map((row: any) => [row.channel, row.visitors, row.views])).toEqual([
      ['Email', 1, 2],
      ['Organic Search', 1, 1],
      ['Referral', 1, 1],
    ]);
    expect(data.tags.map((row: any) => [row.key, row.value, row.visitors])).toEqual([
      ['author', 'alice', 1],
      ['author', 'bob', 1],
    ]);
    expect(data.events).toMatchObject([{ name: 'Signup', visitors: 2, views: 2, meta_keys: ['plan'] }]);
    expect(data.events[0].metadata).toEqual([
      { key: 'plan', values: await client.statistics.eventMetadata({ ...filter, event: 'Signup', event_meta_key: 'plan', limit: 10 }) },
    ]);
    expect(data.events[0].metadata[0].values.map((row: any) => row.meta_value)).toEqual(['free', 'pro']);
    expect(data.received).toEqual({ hits: 5, events: 2, sessions: 0 });
    // The last 7 days: one entry a day, today's holding everything.
    const week = await stats(emulator, '7d');
    expect(week.series).toHaveLength(7);
    expect(week.series.at(-1)).toEqual({ label: today(), visitors: 3, views: 4 });
  });

  it('answers the API while it computes the figures of many hits: a hit sent after the page asked is answered first', async () => {
    const emulator = await start();
    const batch = Array.from({ length: 3000 }, (_, i) => ({
      url: `https://shop.example/p/${i % 40}?utm_source=s${i % 7}`,
      ip: `10.0.${i >> 8}.${i & 255}`,
      user_agent: i % 2 ? chrome : firefox,
      time: new Date().toISOString(),
    }));
    const post = (body: unknown) =>
      fetch(`${emulator.url}/api/v1/hit/batch`, { method: 'POST', headers: { authorization: `Bearer ${emulator.accessKey}` }, body: JSON.stringify(body) });
    expect((await post(batch)).status).toBe(200);
    const order: string[] = [];
    const figures = stats(emulator).then((data) => {
      order.push('figures');
      return data;
    });
    // Not a wait for a result: a moment for the request to reach the emulator and start it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const hit = post([{ url: 'https://shop.example/late', ip: '203.0.113.1', user_agent: chrome, time: new Date().toISOString() }]).then((response) => {
      order.push(`hit ${response.status}`);
    });
    await Promise.all([figures, hit]);
    expect(order).toEqual(['hit 200', 'figures']);
    // 3001 when the late hit came before the computation began (then it proves nothing, but holds).
    expect([3000, 3001]).toContain((await figures).total.views);
  });

  it('counts every domain: hits of a domain created through the API are on the dashboard too', async () => {
    const emulator = await start();
    const client = clientOf(emulator);
    await client.domains.create({ hostname: 'other.example', subdomain: 'other', timezone: 'UTC' });
    client.hit({ url: 'https://other.example/', ip: '203.0.113.1', user_agent: chrome });
    client.hit({ url: 'https://shop.example/', ip: '203.0.113.2', user_agent: chrome });
    expect(await client.flush(5000)).toBe(true);
    expect((await stats(emulator)).total).toMatchObject({ visitors: 2, views: 2 });
  });

  it('streams hits, events and refusals to the live feed, and what it missed after Last-Event-ID', async () => {
    const emulator = await start();
    const client = clientOf(emulator);
    const feed = readFeed(`${emulator.url}/_dashboard/feed`, (events) => events.some((event) => event.type === 'event'));
    // The stream is open once its first answer (the switches' state) came: then send.
    client.hit({ url: 'https://shop.example/pricing?x=1', title: 'Pricing', ip: '203.0.113.1', user_agent: chrome });
    await client.flush(5000);
    client.event('Signup', { url: 'https://shop.example/signup', ip: '203.0.113.1', user_agent: chrome }, { meta: { plan: 'pro' } });
    await client.flush(5000);
    const events = await feed;
    expect(events[0]).toEqual({ type: 'state', id: undefined, data: { mode: 'none', status: 503, pendingFaults: 0 } });
    expect(events.find((event) => event.type === 'hit')?.data).toMatchObject({ path: '/pricing?x=1', title: 'Pricing', agent: 'Chrome 120.0 / Windows', bot: false });
    expect(events.find((event) => event.type === 'event')?.data).toMatchObject({ name: 'Signup', meta: { plan: 'pro' }, path: '/signup' });

    emulator.failNext(1);
    client.hit({ url: 'https://shop.example/later', ip: '203.0.113.1', user_agent: chrome });
    await client.flush(5000);
    // A page that reconnects after the hit gets what came since: the refusal and the retried hit.
    const hitId = events.find((event) => event.type === 'hit')?.id ?? '';
    const again = await readFeed(`${emulator.url}/_dashboard/feed`, (seen) => seen.some((event) => event.type === 'state'), { 'last-event-id': hitId });
    expect(again.map((event) => event.type)).toEqual(['event', 'refused', 'hit', 'state']);
    expect(again[1]?.data).toMatchObject({ method: 'POST', path: '/api/v1/hit/batch', status: 503 });
    expect(again[2]?.data).toMatchObject({ path: '/later' });
  });

  it('a page that saw entries of an emulator since restarted gets the new one\'s whole backlog', async () => {
    const before = await start();
    const client = clientOf(before, { batchSize: 1 });
    for (const path of ['/a', '/b', '/c']) client.hit({ url: `https://shop.example${path}`, ip: '203.0.113.1', user_agent: chrome });
    expect(await client.flush(5000)).toBe(true);
    const seen = await readFeed(`${before.url}/_dashboard/feed`, (events) => events.some((event) => event.type === 'state'));
    const lastId = seen.filter((event) => event.type === 'hit').at(-1)?.id ?? '';
    expect(lastId).not.toBe('');

    const after = await start();
    const next = clientOf(after);
    next.hit({ url: 'https://shop.example/new', ip: '203.0.113.1', user_agent: chrome });
    expect(await next.flush(5000)).toBe(true);
    const replay = await readFeed(`${after.url}/_dashboard/feed`, (events) => events.some((event) => event.type === 'state'), { 'last-event-id': lastId });
    expect(replay.map((event) => [event.type, event.data.path])).toEqual([
      ['hit', '/new'],
      ['state', undefined],
    ]);
  });

  it('fail and hang switches fault every API request until turned off; the client retries, then delivers', async () => {
    const emulator = await start();
    const client = clientOf(emulator, { accessKey: emulator.accessKey, clientId: undefined, clientSecret: undefined, minRetryDelayMs: 20, maxRetryDelayMs: 50, maxRetries: 100, timeoutMs: 300 });
    const switched = await switchFaults(emulator, { mode: 'fail', status: 502 });
    expect(await switched.json()).toEqual({ mode: 'fail', status: 502, pendingFaults: 0 });
    client.hit({ url: 'https://shop.example/', ip: '203.0.113.1', user_agent: chrome });
    await emulator.waitFor((e) => e.requests.filter((request) => request.status === 502).length >= 2);
    expect(emulator.hits).toEqual([]);
    expect(client.metrics.retried).toBeGreaterThanOrEqual(1);

    await switchFaults(emulator, { mode: 'hang' });
    const before = emulator.requests.length;
    await emulator.waitFor((e) => e.requests.slice(before).some((request) => request.status === 0));
    expect(emulator.hits).toEqual([]);

    expect((await switchFaults(emulator, { mode: 'none' })).status).toBe(200);
    expect(await client.flush(5000)).toBe(true);
    expect(emulator.hits).toHaveLength(1);
    // The emulator's own reset turns the switches off too.
    await switchFaults(emulator, { mode: 'fail' });
    emulator.reset();
    expect(await (await fetch(`${emulator.url}/_dashboard/faults`)).json()).toMatchObject({ mode: 'none' });
  });

  it('the unavailable switch is an outage of the API only: the page and its feed stay up', async () => {
    const emulator = await start();
    const stateEvents = readFeed(`${emulator.url}/_dashboard/feed`, (events) => events.filter((event) => event.type === 'state').length >= 3);
    // Give the stream its first answer before switching: it is read by then.
    await new Promise((resolve) => setImmediate(resolve));
    const switched = await switchFaults(emulator, { mode: 'unavailable' });
    expect(await switched.json()).toMatchObject({ mode: 'unavailable' });
    expect(emulator.available).toBe(false);
    await expect(fetch(`${emulator.url}/api/v1/hit`, { method: 'POST', body: '{}' })).rejects.toThrow();
    expect((await fetch(`${emulator.url}/`)).status).toBe(200);
    expect((await stats(emulator)).faults).toMatchObject({ mode: 'unavailable' });
    // A test's own setAvailable(true) shows on the switches too.
    emulator.setAvailable(true);
    const events = await stateEvents;
    expect(events.filter((event) => event.type === 'state').map((event) => event.data.mode)).toEqual(['none', 'unavailable', 'none']);
    expect(emulator.requests).toEqual([]);
  });

  it('an outage started by a test leaves the dashboard reachable over new connections', async () => {
    const emulator = await start();
    emulator.setAvailable(false);
    const page = await new Promise<number>((resolve, reject) => {
      // A fresh connection (no keep-alive pool): the outage must let it reach the dashboard.
      const req = httpRequest(`${emulator.url}/`, { agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(page).toBe(200);
    await expect(fetch(`${emulator.url}/api/v1/statistics/total`)).rejects.toThrow();
  });

  it('takes switches only as JSON from its own origin, and only those it knows', async () => {
    const emulator = await start();
    expect((await switchFaults(emulator, { mode: 'fail' }, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await switchFaults(emulator, { mode: 'fail' }, { 'content-type': 'application/json', origin: 'https://evil.example' })).status).toBe(403);
    expect((await switchFaults(emulator, { mode: 'explode' })).status).toBe(400);
    expect((await switchFaults(emulator, { mode: 'fail', status: 200 })).status).toBe(400);
    expect(await (await fetch(`${emulator.url}/_dashboard/faults`)).json()).toEqual({ mode: 'none', status: 503, pendingFaults: 0 });
    const own = await switchFaults(emulator, { mode: 'hang' }, { 'content-type': 'application/json', origin: emulator.url });
    expect(own.status).toBe(200);
  });

  it('refuses a dashboard option that is not a boolean', async () => {
    await expect(createPirschEmulator({ dashboard: 'yes' as unknown as boolean })).rejects.toThrow(/option "dashboard" must be a boolean/);
  });
});

describe('the dashboard under hostile requests', () => {
  it('survives a request target no URL can have (GET //): the process goes on, the page is still served', async () => {
    const emulator = await start();
    const { port } = new URL(emulator.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    // The API drops such a request (no answer, or an error status); before, the dashboard's path
    // check threw in the server's 'request' listener and ended the whole process.
    expect(answer === '' || /^HTTP\/1\.1 [45]\d\d/.test(answer)).toBe(true);
    expect((await fetch(`${emulator.url}/`)).status).toBe(200);
  });

  it('answers only its own host names: a rebound name (DNS rebinding) can neither read it nor flip its switches', async () => {
    const emulator = await start();
    const { port } = new URL(emulator.url);
    const foreign = (path: string, method = 'GET', body?: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path, method, headers: { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}`, 'content-type': 'application/json' } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end(body);
      });
    expect(await foreign('/_dashboard/stats')).toBe(403);
    expect(await foreign('/_dashboard/faults', 'POST', JSON.stringify({ mode: 'unavailable' }))).toBe(403);
    expect(emulator.available).toBe(true);
    expect((await fetch(`http://localhost:${port}/_dashboard/stats?range=today`)).status).toBe(200);
  });

  it('keeps the live feed small whatever a hit carries: long strings are cut', async () => {
    const emulator = await start({ dashboard: true });
    const client = clientOf(emulator);
    client.hit({ url: `https://shop.example/${'a'.repeat(5000)}`, ip: '203.0.113.1', user_agent: chrome, title: 't'.repeat(5000), referrer: `https://ref.example/${'r'.repeat(5000)}` });
    await client.flush();
    const events = await readFeed(`${emulator.url}/_dashboard/feed`, (seen) => seen.some((event) => event.type === 'hit'));
    const hit = events.find((event) => event.type === 'hit')?.data;
    expect(hit.title.length).toBeLessThanOrEqual(301);
    expect(hit.url.length).toBeLessThanOrEqual(301);
    expect(hit.referrer.length).toBeLessThanOrEqual(301);
  });
});
