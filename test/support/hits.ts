import { FIELD_LIMITS } from '@pirsch-node/core';
import type { PirschEmulator } from '@pirsch-node/testing';
import { expect } from 'vitest';

const INGEST_PATH = /^\/api\/v1\/(hit|event|session)(\/batch)?$/;

/**
 * Checks every item the emulator was sent (from the request bodies, so an item the emulator
 * refused would be seen too): every URL parses as http(s), no string field is longer than its
 * `FIELD_LIMITS` entry, tags stay within their caps, and nothing went out without an IP and a
 * user agent. Every ingest request must also have been accepted (200), unless the test faulted
 * some on purpose (`faulted: true`: those are left out). Returns the number of items checked.
 */
export function expectSoundIngest(emulator: PirschEmulator, { faulted = false } = {}): number {
  let items = 0;
  for (const request of emulator.requests) {
    if (!INGEST_PATH.test(request.path)) continue;
    if (faulted && request.status !== 200) continue;
    expect(request.status, `${request.method} ${request.path} answered ${request.status}: ${JSON.stringify(request.body).slice(0, 300)}`).toBe(200);
    for (const item of [request.body].flat() as Array<Record<string, unknown>>) {
      items++;
      expectSoundItem(item);
    }
  }
  return items;
}

/** One hit, event or session as sent. */
export function expectSoundItem(item: Record<string, unknown>): void {
  const where = JSON.stringify(item).slice(0, 300);
  expect(typeof item.user_agent === 'string' && item.user_agent !== '', `no user agent: ${where}`).toBe(true);
  expect(typeof item.ip === 'string' && item.ip !== '', `no ip: ${where}`).toBe(true);
  if (item.url !== undefined || !('event_name' in item)) {
    expect(typeof item.url, where).toBe('string');
    const url = new URL(item.url as string); // throws if it does not parse
    expect(['http:', 'https:'], where).toContain(url.protocol);
  }
  for (const [field, value] of Object.entries(item)) {
    if (typeof value !== 'string') continue;
    if (field === 'time' || field === 'event_name') continue;
    const limit = (FIELD_LIMITS as Record<string, number>)[field];
    expect(limit, `no cap for ${field}`).toBeDefined();
    expect(value.length, `${field} is ${value.length} long: ${where}`).toBeLessThanOrEqual(limit as number);
  }
  const tags = item.tags as Record<string, string> | undefined;
  if (tags !== undefined) {
    expect(Object.keys(tags).length).toBeLessThanOrEqual(FIELD_LIMITS.tagCount);
    for (const [key, value] of Object.entries(tags)) {
      expect(key.length).toBeLessThanOrEqual(FIELD_LIMITS.tagKey);
      expect(value.length).toBeLessThanOrEqual(FIELD_LIMITS.tagValue);
    }
  }
}
