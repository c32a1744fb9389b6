/**
 * Where a visitor is, for the emulator: a small table of test IP ranges, so country, region and
 * city statistics have something to show. Addresses outside it have no location (empty strings).
 * The documentation ranges of RFC 5737 / RFC 3849 and the private ranges of RFC 1918 are never
 * routed, so no real visitor is placed anywhere by it.
 */
export interface Location {
  /** ISO 3166-1 alpha-2, lower case as Pirsch reports it, e.g. `jp`. */
  country_code: string;
  region: string;
  city: string;
}

/** The table (also in README.md and STATISTICS.md): first matching range wins. */
export const TEST_IP_LOCATIONS: ReadonlyArray<{ range: string } & Location> = [
  { range: '192.0.2.0/24', country_code: 'de', region: 'Berlin', city: 'Berlin' },
  { range: '198.51.100.0/25', country_code: 'us', region: 'California', city: 'San Francisco' },
  { range: '198.51.100.128/25', country_code: 'us', region: 'New York', city: 'New York' },
  { range: '203.0.113.0/24', country_code: 'jp', region: 'Tokyo', city: 'Tokyo' },
  { range: '10.0.0.0/8', country_code: 'gb', region: 'England', city: 'London' },
  { range: '172.16.0.0/12', country_code: 'fr', region: 'Île-de-France', city: 'Paris' },
  { range: '192.168.0.0/16', country_code: 'ca', region: 'Ontario', city: 'Toronto' },
  { range: '2001:db8::/32', country_code: 'nl', region: 'North Holland', city: 'Amsterdam' },
];

const NOWHERE: Location = { country_code: '', region: '', city: '' };

/** The address as a bigint and its family, or undefined when it is not an IP address. */
function parseIp(ip: string): { value: bigint; bits: 32 | 128 } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((part) => part > 255)) return undefined;
    return { value: parts.reduce((sum, part) => (sum << 8n) | BigInt(part), 0n), bits: 32 };
  }
  if (!ip.includes(':') || ip.length > 45 || !/^[0-9a-fA-F:]+$/.test(ip)) return undefined;
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (groups.some((group) => group.length === 0 || group.length > 4)) return undefined;
  return { value: groups.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n), bits: 128 };
}

const RANGES = TEST_IP_LOCATIONS.map((entry) => {
  const [address = '', prefix = '0'] = entry.range.split('/');
  const parsed = parseIp(address) as { value: bigint; bits: 32 | 128 };
  const shift = BigInt(parsed.bits - Number(prefix));
  return { ...entry, bits: parsed.bits, network: parsed.value >> shift, shift };
});

/**
 * The location of `ip` by the test table; empty strings for any other address.
 *
 * @example
 * locate('203.0.113.7'); // { country_code: 'jp', region: 'Tokyo', city: 'Tokyo' }
 */
export function locate(ip: string | undefined): Location {
  const parsed = parseIp(String(ip ?? '').trim());
  if (!parsed) return NOWHERE;
  for (const range of RANGES) {
    if (range.bits === parsed.bits && parsed.value >> range.shift === range.network) {
      return { country_code: range.country_code, region: range.region, city: range.city };
    }
  }
  return NOWHERE;
}
