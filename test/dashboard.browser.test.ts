import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClient, type PirschClient } from '@pirsch-node/core';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failOnUnhandledErrors } from './support/guard.js';

// The emulator's dashboard in a real browser: Debian's Chromium, headless, driven by
// playwright-core. The hits and the event come through the Express example shop and its Pirsch
// client, as they would from a developer's app. `.ci/run` installs Chromium; without it the test
// is skipped on a developer's machine and fails in CI (CI set), so it can never pass unnoticed.

// CHROMIUM_PATH, when set, is the only one tried (it is what CI exports); else the usual places.
const CANDIDATES = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const executablePath = CANDIDATES.find((path) => existsSync(path));
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));

const agents = {
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
};

// The callbacks of page.evaluate and waitForFunction run in the page; this project is compiled
// without the DOM library, so the few page globals they use are declared here, for this file only.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare function getComputedStyle(element: unknown): any;
type Element = any;

interface Shop {
  url: string;
  close(): Promise<void>;
}

failOnUnhandledErrors();

describe.skipIf(executablePath === undefined && !inCi)('the dashboard in a real browser (Chromium)', () => {
  let browser: Browser;
  let emulator: PirschEmulator;
  let client: PirschClient;
  let reader: PirschClient;
  let shop: Shop;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (executablePath === undefined) {
      throw new Error(
        `CI is set but no Chromium was found (looked for ${CANDIDATES.join(', ')}): ` +
          ".ci/run installs Debian's chromium with apt-get; install it, or point CHROMIUM_PATH at a Chromium or Chrome binary",
      );
    }
    emulator = await createPirschEmulator({ dashboard: true });
    // Short backoff so that a fault switched off shows as delivery within the test.
    client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 20, minRetryDelayMs: 50, maxRetryDelayMs: 200, maxRetries: 100, onError: () => {} });
    reader = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret });
    // The Express example shop (examples/express), given our client.
    const shopModule: string = fileURLToPath(new URL('../examples/express/server.js', import.meta.url));
    const { start } = (await import(shopModule)) as { start: (options: { port: number; pirsch: { client: PirschClient } }) => Promise<Shop> };
    shop = await start({ port: 0, pirsch: { client } });
    // Running as root (CI's containers) needs --no-sandbox.
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A reload aborts the open event stream: that is the browser's doing, not a failure.
      const reason = request.failure()?.errorText ?? '';
      if (reason !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} ${reason}`);
    });
    mkdirSync(artifacts, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await client?.close(1000);
    await reader?.close(1000);
    await emulator?.close();
  });

  /** A request to the shop as a browser would send it; redirects are not followed (no extra page view). */
  async function visit(path: string, userAgent: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
    const response = await fetch(`${shop.url}${path}`, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { 'user-agent': userAgent, 'accept-language': 'en-US,en;q=0.9', ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  const text = (selector: string) => page.locator(selector).innerText();
  /** The rows of a dashboard table as arrays of cell texts. */
  const rowsOf = (id: string, caption?: string) =>
    page.evaluate(
      ([panel, title]) => {
        const tables = [...document.querySelectorAll(`#${panel} table`)].filter((table) => (title ? table.caption?.textContent === title : !table.caption));
        return [...(tables[0]?.querySelectorAll('tbody tr') ?? [])].map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? ''));
      },
      [id, caption] as const,
    );

  it('shows the hits and the event sent through the example shop: live feed within a second, chart and tables as the statistics API counts them', async () => {
    await page.goto(`${emulator.url}/`);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 5000 });
    expect(await text('#total-visitors')).toBe('0');

    expect(await visit('/?utm_source=newsletter&utm_medium=email&utm_campaign=launch', agents.chrome)).toBe(200);
    expect(await visit('/products', agents.chrome)).toBe(200);
    expect(await visit('/signup', agents.chrome, { method: 'POST', body: 'plan=pro', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).toBe(303);
    expect(await visit('/products', agents.firefox, { headers: { referer: 'https://www.google.com/' } })).toBe(200);
    expect(await visit('/about', agents.iphone, { headers: { 'accept-language': 'de-DE' } })).toBe(200);
    expect(await visit('/assets/style.css', agents.iphone)).toBe(200); // an asset: not a page view
    expect(await client.flush(5000)).toBe(true);
    expect(emulator.hits).toHaveLength(4);
    expect(emulator.events).toHaveLength(1);

    // Delivered: on the page within a second, through the live feed.
    const feed = page.locator('#feed');
    await feed.locator('li.item-event', { hasText: 'Signup {"plan":"pro"} on /signup' }).waitFor({ timeout: 1000 });
    await feed.locator('li.item-hit', { hasText: '/about' }).waitFor({ timeout: 1000 });
    expect(await feed.locator('li.item-hit').count()).toBe(4);
    expect(await feed.locator('li.item-hit').first().innerText()).toMatch(/page view\s*\/about\s*"About"[\s\S]*Safari 17\.0 \/ iOS/);

    // The totals and the chart, once the page has read the statistics again.
    await page.waitForFunction(() => document.getElementById('total-views')?.textContent === '4', undefined, { timeout: 5000 });
    const filter = { id: 'emulator-domain', from: new Date().toISOString().slice(0, 10), to: new Date().toISOString().slice(0, 10) };
    const total = await reader.statistics.total(filter);
    expect({ visitors: total.visitors, views: total.views }).toEqual({ visitors: 3, views: 4 });
    expect(await text('#total-visitors')).toBe('3');
    expect(await text('#total-sessions')).toBe(String(total.sessions));
    const bars = await page.locator('#chart svg rect.bar-visitors').evaluateAll((rects) =>
      // Typed by hand: the tests compile without the DOM library (other packages' types declare parts of it).
      (rects as unknown as Array<{ getAttribute(name: string): string | null }>).map((rect) => ({ label: rect.getAttribute('data-label'), visitors: Number(rect.getAttribute('data-visitors')), views: Number(rect.getAttribute('data-views')), height: Number(rect.getAttribute('height')) })),
    );
    expect(bars).toHaveLength(24);
    const hour = `${String(new Date().getUTCHours()).padStart(2, '0')}:00`;
    expect(bars.find((bar) => bar.label === hour)).toMatchObject({ visitors: 3, views: 4 });
    expect(bars.find((bar) => bar.label === hour)?.height).toBeGreaterThan(0);
    expect(bars.filter((bar) => bar.label !== hour).every((bar) => bar.views === 0 && bar.height === 0)).toBe(true);

    // The tables: the same rows as the statistics API answers.
    const pages = await reader.statistics.pages(filter);
    expect(await rowsOf('pages')).toEqual(pages.map((row) => [row.path, String(row.visitors), String(row.views)]));
    expect(await rowsOf('pages')).toEqual([
      ['/products', '2', '2'],
      ['/', '1', '1'],
      ['/about', '1', '1'],
    ]);
    expect(await rowsOf('entry-pages')).toEqual([
      ['/', '1'],
      ['/about', '1'],
      ['/products', '1'],
    ]);
    expect(await rowsOf('exit-pages')).toEqual([
      ['/products', '2'],
      ['/about', '1'],
    ]);
    expect(await rowsOf('channels')).toEqual([
      ['Direct', '1'],
      ['Email', '1'],
      ['Organic Search', '1'],
    ]);
    expect(await rowsOf('referrers')).toEqual([
      ['google.com', '1'],
      ['newsletter', '1'],
    ]);
    expect(await rowsOf('utm', 'utm_campaign')).toEqual([['launch', '1']]);
    expect(await rowsOf('browsers')).toEqual([
      ['Chrome', '1'],
      ['Firefox', '1'],
      ['Safari', '1'],
    ]);
    expect(await rowsOf('platforms')).toEqual([
      ['Desktop', '2'],
      ['Mobile', '1'],
    ]);
    expect(await rowsOf('languages')).toEqual([
      ['en', '2'],
      ['de', '1'],
    ]);
    expect(await rowsOf('events')).toEqual([['Signup', '1', '1', '33.3%']]);
    expect(await rowsOf('events', 'Signup · plan')).toEqual([['pro', '1']]);

    await page.screenshot({ path: `${artifacts}dashboard-desktop.png`, fullPage: true });
  });

  it('a fault switch clicked in the page changes what the app\'s client sees; switched back, it delivers', async () => {
    const fail = page.getByRole('button', { name: 'Fail', exact: true });
    await fail.click();
    await page.waitForFunction(() => document.querySelector('.switch[data-mode="fail"]')?.getAttribute('aria-pressed') === 'true', undefined, { timeout: 5000 });
    expect(await text('#fault-state')).toBe('Failing: every API request is answered with 503.');

    const before = { ...client.metrics };
    expect(await visit('/products/1', agents.firefox)).toBe(200);
    // The client cannot deliver while the switch is on: it retries, the emulator refuses.
    expect(await client.flush(1500)).toBe(false);
    expect(client.metrics.retried).toBeGreaterThan(before.retried);
    expect(client.metrics.sent).toBe(before.sent);
    expect(emulator.hits).toHaveLength(4);
    await page.locator('#feed li.item-refused', { hasText: 'POST /api/v1/hit/batch → 503' }).first().waitFor({ timeout: 1000 });

    // Back to normal, by keyboard: the queued hit goes out.
    await fail.focus();
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Normal');
    // Focus is visible: the keyboard's focus ring is drawn.
    expect(await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)).toBe('solid');
    await page.keyboard.press('Enter');
    expect(await client.flush(5000)).toBe(true);
    expect(emulator.hits).toHaveLength(5);
    await page.locator('#feed li.item-hit', { hasText: '/products/1' }).waitFor({ timeout: 1000 });
    expect(await text('#fault-state')).toBe('The API answers normally.');

    // Unavailable: the API resets connections, the dashboard stays up.
    await page.getByRole('button', { name: 'Unavailable', exact: true }).click();
    await page.waitForFunction(() => document.getElementById('fault-state')?.textContent?.startsWith('Unavailable'), undefined, { timeout: 5000 });
    expect(emulator.available).toBe(false);
    expect(await visit('/about', agents.chrome)).toBe(200);
    expect(await client.flush(1000)).toBe(false);
    await page.getByRole('button', { name: 'Normal', exact: true }).click();
    expect(await client.flush(5000)).toBe(true);
    expect(emulator.hits).toHaveLength(6);
    await page.waitForFunction(() => document.getElementById('total-views')?.textContent === '6', undefined, { timeout: 5000 });
  });

  it('is readable: text contrast of at least 4.5:1 and, at phone width, nothing wider than the screen', async () => {
    const lowContrast = await page.evaluate(() => {
      const rgb = (value: string) => (value.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = ([r = 0, g = 0, b = 0]: number[]) =>
        [r, g, b].map((c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4)).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i]!, 0);
      const background = (element: Element | null): number[] => {
        for (let node = element; node; node = node.parentElement) {
          const color = rgb(getComputedStyle(node).backgroundColor);
          if (color.length === 3 || (color[3] ?? 0) > 0) return color;
        }
        return [255, 255, 255];
      };
      const found: string[] = [];
      for (const element of document.querySelectorAll('h1, h2, p, th, td, button, label, select, .label, .value, time, .what, .who, .kind')) {
        if (!element.textContent?.trim()) continue;
        const fore = luminance(rgb(getComputedStyle(element).color));
        const back = luminance(background(element));
        const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
        if (ratio < 4.5) found.push(`${element.tagName}.${element.className}: ${ratio.toFixed(2)}`);
      }
      return found;
    });
    expect(lowContrast).toEqual([]);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.waitForFunction(() => document.getElementById('total-views')?.textContent === '6', undefined, { timeout: 5000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${artifacts}dashboard-phone.png`, fullPage: true });
  });

  it('logged nothing to the console: no error, no warning, no refused script or style (CSP)', () => {
    expect(problems).toEqual([]);
  });
});
