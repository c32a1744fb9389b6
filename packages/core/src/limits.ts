/**
 * The longest value, in UTF-16 code units, each string field of a `Hit` may have. Longer values
 * are cut (never dropped), so a hostile request cannot make a hit, a batch or the queue big.
 *
 * - `url` 2048: what browsers and CDNs reliably carry; the cut never splits a `%XX` escape.
 * - `referrer` 2048: a referrer is a URL too.
 * - `user_agent` 512: real user agents stay under 300.
 * - `title` 512, `accept_language` 256, the forwarding headers 512, single-valued headers 128.
 * - `tags`: at most 20 pairs, keys and values up to 50 characters (the API's own limits).
 * - `event_name` 200; `event_meta`: at most 20 pairs, keys up to 100 and values up to 2000
 *   characters (the API's own limits).
 */
export const FIELD_LIMITS = Object.freeze({
  url: 2048,
  ip: 64,
  user_agent: 512,
  referrer: 2048,
  title: 512,
  accept_language: 256,
  cf_connecting_ip: 128,
  x_forwarded_for: 512,
  forwarded: 512,
  x_real_ip: 128,
  dnt: 16,
  sec_ch_ua: 512,
  sec_ch_ua_mobile: 16,
  sec_ch_ua_platform: 128,
  sec_ch_ua_platform_version: 128,
  sec_ch_width: 16,
  sec_ch_viewport_width: 16,
  /** Longest host (with port) taken from `Host` or `options.hostname`; longer falls back to `localhost`. */
  host: 255,
  tagCount: 20,
  tagKey: 50,
  tagValue: 50,
  event_name: 200,
  metaCount: 20,
  metaKey: 100,
  metaValue: 2000,
});

/** Cuts `value` to at most `limit` code units without leaving half a surrogate pair at the end. */
export function cap(value: string, limit: number): string {
  if (value.length <= limit) return value;
  const code = value.charCodeAt(limit - 1);
  // A high surrogate at the cut would be half a character: drop it too.
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}
