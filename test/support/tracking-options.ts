import { expect, vi } from 'vitest';

/** The client hints a Chromium browser on Windows 11 sends once a site asked for them (`Accept-CH`). */
export const CLIENT_HINT_REQUEST_HEADERS = Object.freeze({
  'Sec-CH-UA': '"Chromium";v="126", "Google Chrome";v="126"',
  'Sec-CH-UA-Mobile': '?0',
  'Sec-CH-UA-Platform': '"Windows"',
  'Sec-CH-UA-Platform-Version': '"15.0.0"',
  'Sec-CH-Width': '1920',
  'Sec-CH-Viewport-Width': '1280',
});

/** The hit fields `CLIENT_HINT_REQUEST_HEADERS` must arrive as. */
export const CLIENT_HINT_HIT_FIELDS = Object.freeze({
  sec_ch_ua: '"Chromium";v="126", "Google Chrome";v="126"',
  sec_ch_ua_mobile: '?0',
  sec_ch_ua_platform: '"Windows"',
  sec_ch_ua_platform_version: '"15.0.0"',
  sec_ch_width: '1920',
  sec_ch_viewport_width: '1280',
});

/** What a middleware or tracker counts: responses tracked, and skipped per reason. */
export interface DecisionCounters {
  readonly tracked: number;
  readonly skipped: Readonly<Record<string, number>>;
}

/**
 * Waits (on the counters, not a clock) until `count` responses were decided: tracking happens
 * when a response finishes, which may be just after the client has read it.
 *
 * @example
 * await request(app).get('/').set('User-Agent', BROWSER_UA);
 * await decided(middleware, 1);
 * await middleware.client.flush();
 */
export async function decided(counters: DecisionCounters, count: number): Promise<void> {
  const total = (): number => counters.tracked + Object.values(counters.skipped).reduce((sum, n) => sum + n, 0);
  await vi.waitFor(() => expect(total()).toBeGreaterThanOrEqual(count), { timeout: 5000, interval: 5 });
}

/**
 * After an app with `enabled: false` has shut down: its client is closed, nothing reached the
 * emulator, and the one info line said why.
 */
export function expectSentNothing(client: { readonly closed: boolean }, emulator: { readonly requests: readonly unknown[] }, info: readonly string[]): void {
  expect(client.closed).toBe(true);
  expect(emulator.requests).toEqual([]);
  expect(info).toHaveLength(1);
  expect(info[0]).toContain('[pirsch] disabled (enabled: false)');
}
