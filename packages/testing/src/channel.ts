/**
 * The traffic channel of a visit, a simplified version of Google Analytics 4's default channel
 * groups (which Pirsch follows). The rules, first match wins, are in STATISTICS.md.
 */
export const CHANNELS = [
  'Direct', 'Email', 'Paid Search', 'Paid Social', 'Display', 'Affiliates',
  'Organic Search', 'Organic Social', 'Organic Video', 'Referral',
] as const;

const SEARCH = /(^|\.)(google|bing|duckduckgo|yahoo|ecosia|baidu|yandex|startpage|qwant|brave)\./;
const SOCIAL = /(^|\.)(facebook\.com|instagram\.com|twitter\.com|x\.com|t\.co|linkedin\.com|reddit\.com|pinterest\.com|mastodon\.social|threads\.net|news\.ycombinator\.com|tiktok\.com)$/;
const VIDEO = /(^|\.)(youtube\.com|youtu\.be|vimeo\.com|twitch\.tv)$/;

/**
 * `referrerName` is the referrer's host (without `www.`) or its name; `medium` and `source` the
 * UTM parameters of the page URL.
 */
export function channelOf(referrerName: string, medium: string, source: string): string {
  const m = medium.toLowerCase();
  const host = referrerName.toLowerCase();
  const s = source.toLowerCase();
  if (!host && !m && !s) return 'Direct';
  if (/^(e-?mail|newsletter)$/.test(m) || /newsletter|e-?mail/.test(s)) return 'Email';
  const paid = /^(cpc|ppc|paid|paidsearch|paid_search|retargeting)$/.test(m) || m.startsWith('paid');
  if (paid && (SEARCH.test(host) || SEARCH.test(`${s}.`))) return 'Paid Search';
  if (paid && (SOCIAL.test(host) || /social/.test(m))) return 'Paid Social';
  if (/^(display|banner|cpm|expandable|interstitial)$/.test(m)) return 'Display';
  if (m === 'affiliate' || m === 'affiliates') return 'Affiliates';
  if (paid) return 'Paid Search';
  if (SEARCH.test(host) || m === 'organic') return 'Organic Search';
  if (SOCIAL.test(host) || /^(social|social-network|social-media|sm)$/.test(m)) return 'Organic Social';
  if (VIDEO.test(host) || m === 'video') return 'Organic Video';
  return 'Referral';
}
