/** What the emulator reads from a user agent. Names are the ones Pirsch reports. */
export interface ParsedUserAgent {
  /** `Chrome`, `Firefox`, `Safari`, `Edge`, `Opera`, `IE`, or `''` when unknown. */
  browser: string;
  /** Major and minor version, e.g. `91.0`; `''` when unknown. */
  browserVersion: string;
  /** `Windows`, `Mac`, `Linux`, `Android`, `iOS`, `Chrome OS`, or `''` when unknown. */
  os: string;
  /** e.g. `10.0` (Windows NT), `10.15` (Mac), `14.6` (iOS), `11` (Android); `''` when unknown. */
  osVersion: string;
  platform: 'desktop' | 'mobile' | 'unknown';
  /** Crawlers, headless browsers and HTTP libraries; the emulator leaves them out of statistics. */
  bot: boolean;
}

/** How much of a user agent is read. */
const MAX_USER_AGENT_LENGTH = 1024;

const BOT =
  /bot\b|bot\/|crawl|spider|slurp|archiver|facebookexternalhit|headlesschrome|phantomjs|lighthouse|pingdom|curl\/|wget\/|python-requests|python-urllib|go-http-client|java\/|okhttp|libwww|httpclient/i;

// Order matters: Edge and Opera carry "Chrome/", Chrome carries "Safari/".
const BROWSERS: [name: string, pattern: RegExp][] = [
  ['Edge', /\bEdg(?:e|A|iOS)?\/([\d.]+)/],
  ['Opera', /\b(?:OPR|OPiOS)\/([\d.]+)|\bOpera[/ ](?:.*Version\/)?([\d.]+)/],
  ['Firefox', /\b(?:Firefox|FxiOS)\/([\d.]+)/],
  ['Chrome', /\b(?:Chrome|CriOS)\/([\d.]+)/],
  ['Safari', /\bVersion\/([\d.]+).*Safari\//],
  ['IE', /\bMSIE ([\d.]+)|Trident\/.*rv:([\d.]+)/],
];

// Order matters: iOS says "like Mac OS X", Android says "Linux".
const SYSTEMS: [name: string, pattern: RegExp][] = [
  ['iOS', /\b(?:iPhone|iPad|iPod)\b.*? OS ([\d_]+)/],
  ['Android', /\bAndroid(?: ([\d.]+))?/],
  ['Windows', /\bWindows NT ([\d.]+)|\bWindows\b()/],
  ['Chrome OS', /\bCrOS\b()/],
  ['Mac', /^.*?\bMac OS X ([\d_.]+)|\bMac(?:intosh| OS X)\b()/],
  ['Linux', /\bLinux\b()/],
];

const MOBILE = /\bMobile\b|\bAndroid\b|\biPhone\b|\biPad\b|\biPod\b|Windows Phone/;

function majorMinor(version: string): string {
  const parts = version.replace(/_/g, '.').split('.').filter(Boolean);
  return parts.slice(0, 2).join('.');
}

function match(value: string, table: [string, RegExp][]): [name: string, version: string] {
  for (const [name, pattern] of table) {
    const found = pattern.exec(value);
    if (found) return [name, majorMinor(found.slice(1).find((group) => group !== undefined) ?? '')];
  }
  return ['', ''];
}

/**
 * A small user agent parser, enough for the emulator's browser, OS and platform statistics.
 *
 * @example
 * parseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) ... Chrome/91.0.4472.124 Safari/537.36');
 * // { browser: 'Chrome', browserVersion: '91.0', os: 'Windows', osVersion: '10.0', platform: 'desktop', bot: false }
 */
export function parseUserAgent(userAgent: string): ParsedUserAgent {
  // Real user agents are a few hundred characters; a 10 MB one must not make `.*` patterns quadratic.
  const ua = (userAgent ?? '').slice(0, MAX_USER_AGENT_LENGTH);
  const [browser, browserVersion] = match(ua, BROWSERS);
  const [os, osVersion] = match(ua, SYSTEMS);
  const platform = MOBILE.test(ua) ? 'mobile' : ['Windows', 'Mac', 'Linux', 'Chrome OS'].includes(os) ? 'desktop' : 'unknown';
  return { browser, browserVersion, os, osVersion, platform, bot: BOT.test(ua) };
}

/**
 * Real user agents of common browsers, systems and bots, for hits in tests and demos.
 *
 * @example
 * emulatorClient.hit({ url: 'https://example.com/', ip: '10.0.0.1', user_agent: sampleUserAgents.safariIphone });
 */
export const sampleUserAgents = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:89.0) Gecko/20100101 Firefox/89.0',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Safari/605.1.15',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Mobile/15E148 Safari/604.1',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.120 Mobile Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36 Edg/91.0.864.59',
  operaWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36 OPR/77.0.4054.203',
  firefoxIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/34.0 Mobile/15E148 Safari/605.1.15',
  chromeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.114 Safari/537.36',
  ie11: 'Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  headless:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/91.0.4472.124 Safari/537.36',
  curl: 'curl/7.68.0',
} as const;
