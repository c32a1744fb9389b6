import { describe, expect, it } from 'vitest';
import { parseUserAgent, sampleUserAgents as USER_AGENTS } from './user-agent.js';

describe('parseUserAgent', () => {
  it.each([
    ['chromeWindows', 'Chrome', '91.0', 'Windows', '10.0', 'desktop'],
    ['firefoxLinux', 'Firefox', '89.0', 'Linux', '', 'desktop'],
    ['safariMac', 'Safari', '14.1', 'Mac', '10.15', 'desktop'],
    ['safariIphone', 'Safari', '14.1', 'iOS', '14.6', 'mobile'],
    ['chromeAndroid', 'Chrome', '91.0', 'Android', '11', 'mobile'],
    ['edgeWindows', 'Edge', '91.0', 'Windows', '10.0', 'desktop'],
    ['operaWindows', 'Opera', '77.0', 'Windows', '10.0', 'desktop'],
    ['firefoxIphone', 'Firefox', '34.0', 'iOS', '14.6', 'mobile'],
    ['chromeMac', 'Chrome', '91.0', 'Mac', '10.15', 'desktop'],
    ['ie11', 'IE', '11.0', 'Windows', '6.1', 'desktop'],
  ] as const)('%s: %s %s on %s %s (%s)', (key, browser, browserVersion, os, osVersion, platform) => {
    expect(parseUserAgent(USER_AGENTS[key])).toEqual({ browser, browserVersion, os, osVersion, platform, bot: false });
  });

  it('reads the old Presto Opera', () => {
    const parsed = parseUserAgent('Opera/9.80 (X11; Linux i686; Ubuntu/14.10) Presto/2.12.388 Version/12.16');
    expect(parsed).toMatchObject({ browser: 'Opera', browserVersion: '12.16', os: 'Linux' });
  });

  it.each(['googlebot', 'headless', 'curl'] as const)('flags %s as a bot', (key) => {
    expect(parseUserAgent(USER_AGENTS[key]).bot).toBe(true);
  });

  it('leaves what it does not know empty, with an unknown platform', () => {
    expect(parseUserAgent('something')).toEqual({
      browser: '',
      browserVersion: '',
      os: '',
      osVersion: '',
      platform: 'unknown',
      bot: false,
    });
    expect(parseUserAgent('')).toMatchObject({ browser: '', platform: 'unknown', bot: false });
  });

  it('reads only the start of a huge user agent, so patterns with .* cannot turn quadratic on it', () => {
    // 20,000 "Version/" each followed by a scan to the end for "Safari/": minutes of backtracking on the whole string.
    const hostile = `Mozilla/5.0 (X11; Linux x86_64) ${'Version/1 '.repeat(20_000)}`;
    const started = performance.now();
    expect(parseUserAgent(hostile)).toMatchObject({ os: 'Linux', platform: 'desktop' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
