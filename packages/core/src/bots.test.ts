import { isbot } from 'isbot';
import { describe, expect, it } from 'vitest';
import { isBotUserAgent } from './bots.js';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

describe('isBotUserAgent', () => {
  it('knows crawlers, uptime checkers, link previewers and HTTP libraries, and not browsers', () => {
    for (const ua of ['Googlebot/2.1 (+http://www.google.com/bot.html)', 'UptimeRobot/2.0', 'Slackbot 1.0', 'facebookexternalhit/1.1', 'curl/8.5.0']) {
      expect(isBotUserAgent(ua), ua).toBe(true);
    }
    expect(isBotUserAgent(CHROME)).toBe(false);
    expect(isBotUserAgent(undefined as unknown as string)).toBe(false);
  });

  it('answers as isbot does for thousands of distinct user agents, also once they left the cache', () => {
    const agents = Array.from({ length: 2500 }, (_, i) => (i % 3 === 0 ? `CrawlerNumber${i}bot/1.0` : CHROME.replace('126.0.0.0', `126.0.${i}.0`)));
    for (const ua of agents) expect(isBotUserAgent(ua)).toBe(isbot(ua));
    for (const ua of agents) expect(isBotUserAgent(ua)).toBe(isbot(ua));
  });

  it('judges the user agent as Pirsch receives it, cut to 512 characters', () => {
    const long = `${CHROME} ${'x'.repeat(600)} Googlebot/2.1`;
    expect(isBotUserAgent(long)).toBe(false);
    expect(isBotUserAgent(`Googlebot/2.1 ${'x'.repeat(600)}`)).toBe(true);
  });

  it('answers each request on its own when user agents come in runs, alternate, or differ only in their last characters', () => {
    // Same length, one a bot: the answer in front of the maps must be the last user agent's, not the last length's.
    const bot = `${CHROME} Googlebot`;
    const browser = `${CHROME} Edg/126.0`;
    expect(browser.length).toBe(bot.length);
    const fresh = (text: string) => [...text].join(''); // an equal string, another object, as each request's header is
    const sequence = [browser, bot, fresh(bot), browser, fresh(browser), bot, CHROME, fresh(CHROME), 'curl/8.5.0', bot];
    expect(sequence.map((ua) => isBotUserAgent(ua))).toEqual(sequence.map((ua) => isbot(ua)));
    expect(sequence.map((ua) => isBotUserAgent(ua))).toEqual([false, true, true, false, false, true, false, false, true, true]);
  });
});
