import fc from 'fast-check';
import { expect, it } from 'vitest';
import { failOnUnhandledErrors } from './support/guard.js';
import { expectSoundIngest } from './support/hits.js';
import { rawMessage, rawRequest } from './support/raw-http.js';
import { describeEachVariant } from './support/variants.js';

// Property-based, through each adapter over real HTTP: whatever method, path, host and header
// values a request carries, the app answers, nothing throws, and every item sent to the API has
// a parsable URL, a user agent, and no field over its cap. Requests are written on raw sockets,
// because an HTTP client would refuse most of these values before sending them.

failOnUnhandledErrors();

const RUNS = 100;

/** Nothing may end a line: the request must stay one request. */
const noLineBreaks = (s: string) => s.replace(/[\r\n]/g, '');

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ maxLength: 3000 }),
).map(noLineBreaks);

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constant('GET') },
  { weight: 1, arbitrary: fc.constantFrom('HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND', 'get') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z]{1,12}$/) },
);

const path = fc.oneof(
  fc.webPath(),
  fc.tuple(fc.webPath(), fc.webQueryParameters()).map(([p, q]) => `${p || '/'}?${q}`),
  fc.string({ maxLength: 300 }).map((s) => `/${noLineBreaks(s).replace(/ /g, '%20')}`),
  fc.string({ unit: 'grapheme', maxLength: 100 }).map((s) => `/${noLineBreaks(s)}`),
  fc.webUrl({ withQueryParameters: true, withFragments: true }), // absolute-form
  fc.constantFrom('/%zz%', '/%', '*', '//double//slash', '/a#frag', '/%00', '/app.js', '/x.css?v=1', `/${'p'.repeat(6000)}`),
);

const host = fc.option(
  fc.oneof(
    fc.domain(),
    fc.tuple(fc.domain(), fc.integer({ min: 0, max: 99_999 })).map(([d, p]) => `${d}:${p}`),
    fc.ipV4(),
    fc.ipV6().map((ip) => `[${ip}]`),
    text,
  ),
  { nil: undefined },
);

const HEADER_NAMES = [
  'accept-language', 'referer', 'dnt', 'x-forwarded-for', 'forwarded', 'x-real-ip', 'cf-connecting-ip', 'sec-ch-ua',
  'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'sec-ch-ua-platform-version', 'sec-ch-width', 'sec-ch-viewport-width',
  'purpose', 'sec-purpose', 'x-title',
];
const headers = fc.dictionary(fc.constantFrom(...HEADER_NAMES), fc.oneof(text, fc.array(text, { minLength: 2, maxLength: 3 })), { maxKeys: 8 });

const userAgent = fc.option(
  fc.oneof(
    fc.constant('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'),
    text,
  ),
  { nil: undefined },
);

const request = fc.record({ method, path, host, headers, userAgent });

interface ArbitraryRequest {
  method: string;
  path: string;
  host: string | undefined;
  headers: Record<string, string | string[]>;
  userAgent: string | undefined;
}

function bytesOf(r: ArbitraryRequest): Buffer {
  const lines: Array<[string, string]> = [];
  if (r.host !== undefined) lines.push(['Host', r.host]);
  if (r.userAgent !== undefined) lines.push(['User-Agent', r.userAgent]);
  for (const [name, value] of Object.entries(r.headers)) for (const v of [value].flat()) lines.push([name, v]);
  return rawMessage(`${r.method} ${r.path} HTTP/1.1`, lines);
}

describeEachVariant('$name with arbitrary requests', (context) => {
  it('answers every request and sends only sound items', async () => {
    const { app, client, emulator } = context();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const answer = await rawRequest(app.url, bytesOf(r));
        expect(answer.status, `no answer: ${JSON.stringify(answer.text.slice(0, 200))}`).toBeGreaterThanOrEqual(100);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      }),
      { numRuns: RUNS },
    );

    expect(await client.flush(5000)).toBe(true);
    expect(client.metrics.failed).toBe(0);
    // Every tracked hit was handed over complete: none dropped as invalid.
    expect(client.metrics.dropped).toBe(0);
    const items = expectSoundIngest(emulator);
    // Not vacuous: plenty of these requests were tracked.
    expect(items, `answers: ${JSON.stringify([...statuses])}`).toBeGreaterThan(RUNS / 10);
    expect(items).toBe(client.metrics.sent);

    const after = await rawRequest(app.url, rawMessage('GET /still-serving HTTP/1.1', [['Host', 'shop.example'], ['User-Agent', 'Mozilla/5.0']]));
    expect(after.status).toBe(200);
  });
});
