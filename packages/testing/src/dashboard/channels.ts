import { SESSION_GAP_MS } from '../statistics.js';
import type { ReceivedHit } from '../store.js';

// The statistics API of the emulator has no channel or tag endpoint yet. These two group the hits
// (a channel per session, as Pirsch assigns it from the session's first page view; a tag per hit)
// and nothing more: every figure is then counted by the statistics code itself, on the group.

/** The channels the dashboard shows, named as Pirsch (and Google Analytics 4) name them. */
export type Channel =
  | 'Direct'
  | 'Organic Search'
  | 'Organic Social'
  | 'Organic Video'
  | 'Paid Search'
  | 'Paid Social'
  | 'Paid Other'
  | 'Email'
  | 'Affiliates'
  | 'Display'
  | 'Referral';

const SEARCH = /(^|\.)(google|bing|duckduckgo|yahoo|yandex|baidu|ecosia|startpage|qwant|search\.brave|kagi)\./;
const SOCIAL = /(^|\.)(facebook|instagram|twitter|x|t|linkedin|lnkd|reddit|pinterest|tiktok|mastodon|threads|bsky|news\.ycombinator)\.(com|co|in|net|social|app|org)$/;
const VIDEO = /(^|\.)(youtube|youtu|vimeo|twitch|dailymotion)\.(com|be|tv)$/;
const NAMED_SOURCES: ReadonlyArray<readonly [RegExp, 'search' | 'social' | 'video']> = [
  [/^(google|bing|duckduckgo|yahoo|yandex|baidu|ecosia)$/, 'search'],
  [/^(facebook|fb|instagram|ig|twitter|x|linkedin|reddit|pinterest|tiktok|mastodon)$/, 'social'],
  [/^(youtube|vimeo|twitch)$/, 'video'],
];

function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The kind of site a referrer's host or a `utm_source` names, if it is a known one. */
function sourceKind(source: string): 'search' | 'social' | 'video' | undefined {
  const host = source.toLowerCase().replace(/^www\./, '');
  if (VIDEO.test(host)) return 'video';
  if (SEARCH.test(`${host}.`)) return 'search';
  if (SOCIAL.test(host)) return 'social';
  return NAMED_SOURCES.find(([pattern]) => pattern.test(host))?.[1];
}

/**
 * The channel of a page view: from `utm_medium` first, then from where the referrer (read as the
 * statistics read it: the `ref` parameters, the `referrer` field, `source`/`utm_source`; a link
 * from the page's own host is none) points; Direct without either.
 *
 * @example
 * channelOf({ url: 'https://example.com/?utm_medium=email', ip, user_agent, time }); // 'Email'
 */
export function channelOf(hit: Pick<ReceivedHit, 'url' | 'referrer'>): Channel {
  const url = parseUrl(hit.url);
  const params = url?.searchParams;
  const medium = (params?.get('utm_medium') ?? '').toLowerCase();
  const rawReferrer =
    params?.get('ref') || params?.get('referrer') || params?.get('referer') || hit.referrer || params?.get('source') || params?.get('utm_source') || '';
  const referrerUrl = parseUrl(rawReferrer);
  const internal = referrerUrl !== undefined && url !== undefined && referrerUrl.hostname === url.hostname;
  const source = internal ? '' : (referrerUrl?.hostname ?? rawReferrer);
  const kind = source ? sourceKind(source) : undefined;

  if (/^(.*cp.*|ppc|retargeting|paid.*)$/.test(medium)) {
    if (kind === 'search') return 'Paid Search';
    if (kind === 'social' || kind === 'video') return 'Paid Social';
    return 'Paid Other';
  }
  if (/^(e[-_ ]?mail|newsletter)$/.test(medium)) return 'Email';
  if (medium === 'affiliate') return 'Affiliates';
  if (/^(display|banner|cpm|interstitial)$/.test(medium)) return 'Display';
  if (/^(social|social[-_ ]network|social[-_ ]media|sm)$/.test(medium)) return kind === 'video' ? 'Organic Video' : 'Organic Social';
  if (kind === 'search') return 'Organic Search';
  if (kind === 'social') return 'Organic Social';
  if (kind === 'video') return 'Organic Video';
  return source ? 'Referral' : 'Direct';
}

/**
 * The hits grouped by the channel of their session: a visitor's hits with gaps under
 * `SESSION_GAP_MS` (the statistics' sessions) all go to the channel of the first one.
 */
export function hitsByChannel(hits: readonly ReceivedHit[]): Map<Channel, ReceivedHit[]> {
  const byVisitor = new Map<string, { hit: ReceivedHit; time: number }[]>();
  for (const hit of hits) {
    const time = Date.parse(hit.time);
    if (Number.isNaN(time)) continue;
    const visitor = `${hit.ip}\n${hit.user_agent}`;
    const list = byVisitor.get(visitor) ?? [];
    list.push({ hit, time });
    byVisitor.set(visitor, list);
  }
  const groups = new Map<Channel, ReceivedHit[]>();
  for (const visits of byVisitor.values()) {
    visits.sort((a, b) => a.time - b.time);
    let channel: Channel = 'Direct';
    let last = Number.NEGATIVE_INFINITY;
    for (const { hit, time } of visits) {
      if (time - last >= SESSION_GAP_MS) channel = channelOf(hit);
      last = time;
      const group = groups.get(channel) ?? [];
      group.push(hit);
      groups.set(channel, group);
    }
  }
  return groups;
}

/** The hits grouped by tag: one group per key and value, each with every hit that carries it. */
export function hitsByTag(hits: readonly ReceivedHit[]): Map<string, { key: string; value: string; hits: ReceivedHit[] }> {
  const groups = new Map<string, { key: string; value: string; hits: ReceivedHit[] }>();
  for (const hit of hits) {
    if (!hit.tags || typeof hit.tags !== 'object') continue;
    for (const [key, value] of Object.entries(hit.tags)) {
      const id = `${key}\n${value}`;
      const group = groups.get(id) ?? { key, value: String(value), hits: [] };
      group.hits.push(hit);
      groups.set(id, group);
    }
  }
  return groups;
}
