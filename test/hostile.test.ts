import { expect, it } from 'vitest';
import { failOnUnhandledErrors } from './support/guard.js';
import { expectSoundIngest } from './support/hits.js';
import { rawMessage, rawRequest } from './support/raw-http.js';
import { describeEachVariant } from './support/variants.js';

// Requests no browser sends, written byte for byte on a raw socket to each adapter's app. Every
// one gets an answer (from the app or from Node's parser), the app keeps serving afterwards, and
// whatever is tracked from them is a sound hit. Tracked cases send a browser's user agent (with
// their hostile bytes appended): anything else is a bot, skipped before it is built.

failOnUnhandledErrors();

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

interface HostileCase {
  name: string;
  bytes: Buffer;
  /** The page is tracked (GET, 2xx expected, user agent): a hit titled with the case's id must arrive once. */
  tracked?: boolean;
}

const big = (n: number, unit = 'a') => unit.repeat(n);

function hostileCases(host: string): HostileCase[] {
  const ua: [string, string] = ['User-Agent', UA];
  const title = (id: string): [string, string] => ['X-Title', id];
  const cases: HostileCase[] = [
    { name: 'absolute-form request line', bytes: rawMessage('GET http://evil.example/abs/page?x=1 HTTP/1.1', [['Host', host], ua, title('absolute')]), tracked: true },
    { name: 'absolute-form with another scheme and port', bytes: rawMessage('GET https://other.example:8443/p?q HTTP/1.1', [['Host', host], ua, title('absolute-https')]), tracked: true },
    { name: 'absolute-form without a path', bytes: rawMessage('GET http://evil.example HTTP/1.1', [['Host', host], ua, title('absolute-nopath')]) },
    { name: 'asterisk-form', bytes: rawMessage('OPTIONS * HTTP/1.1', [['Host', host], ua]) },
    { name: 'no Host, HTTP/1.0', bytes: rawMessage('GET /no-host HTTP/1.0', [ua, title('no-host-1.0')]), tracked: true },
    { name: 'no Host, HTTP/1.1', bytes: rawMessage('GET /no-host HTTP/1.1', [ua, title('no-host-1.1')]) },
    { name: 'empty Host', bytes: rawMessage('GET /empty-host HTTP/1.1', [['Host', ''], ua, title('empty-host')]) },
    { name: 'broken Host values', bytes: rawMessage('GET /host HTTP/1.1', [['Host', 'exa mple.com:99999'], ua, title('broken-host')]) },
    { name: 'an IPv6 Host without the closing bracket', bytes: rawMessage('GET /v6 HTTP/1.1', [['Host', '[::1'], ua, title('v6-host')]) },
    { name: 'a 300-character Host', bytes: rawMessage('GET /long-host HTTP/1.1', [['Host', `${big(300, 'h')}.example`], ua, title('long-host')]) },
    { name: 'invalid percent-encoding in the path', bytes: rawMessage('GET /%zz/%E0%A4%A/% HTTP/1.1', [['Host', host], ua, title('bad-percent-path')]) },
    { name: 'invalid percent-encoding in the query', bytes: rawMessage('GET /q?x=%ZZ&y=%&ref=%E0%A4%A HTTP/1.1', [['Host', host], ua, title('bad-percent-query')]), tracked: true },
    { name: 'a percent-encoded NUL and a slash', bytes: rawMessage('GET /a%00b/%2F%2e%2e/ HTTP/1.1', [['Host', host], ua, title('nul-slash')]) },
    { name: 'dot segments', bytes: rawMessage('GET /../../etc/passwd HTTP/1.1', [['Host', host], ua, title('dot-segments')]) },
    {
      name: 'duplicate headers',
      bytes: rawMessage('GET /duplicates HTTP/1.1', [
        ['Host', host],
        ua,
        ['User-Agent', 'Second/1.0'],
        ['Accept-Language', 'de'],
        ['Accept-Language', 'en'],
        ['Referer', 'https://one.example/'],
        ['Referer', 'https://two.example/'],
        ['X-Forwarded-For', '203.0.113.1'],
        ['X-Forwarded-For', '198.51.100.2'],
        ['DNT', '0'],
        ['DNT', '0'],
        ['Sec-CH-UA-Mobile', '?0'],
        ['Sec-CH-UA-Mobile', '?1'],
        title('duplicates'),
      ]),
      tracked: true,
    },
    { name: 'duplicate Host', bytes: rawMessage('GET /two-hosts HTTP/1.1', [['Host', host], ['Host', 'evil.example'], ua, title('two-hosts')]) },
    {
      name: 'non-ASCII header values (UTF-8)',
      bytes: rawMessage('GET /utf8 HTTP/1.1', [
        ['Host', host],
        ['User-Agent', `${UA} Ünïcødé 🚀 браузер`],
        ['Referer', 'https://例え.jp/パス?q=ü'],
        ['Accept-Language', 'zh-CN,中文;q=0.9'],
        ['X-Forwarded-For', 'ünïcødé, 🚀'],
        title('utf8-headers'),
      ]),
      tracked: true,
    },
    {
      name: 'non-ASCII header values (Latin-1 bytes)',
      bytes: rawMessage(
        'GET /latin1 HTTP/1.1',
        [
          ['Host', host],
          ['User-Agent', `${UA} \xff\xfe\xe9`],
          ['Referer', 'http://\xe9xample.com/'],
          title('latin1-headers'),
        ],
        'latin1',
      ),
      tracked: true,
    },
    { name: 'non-ASCII bytes in the path', bytes: rawMessage('GET /ünï/🚀 HTTP/1.1', [['Host', host], ua, title('utf8-path')]) },
    { name: 'a control character in a header', bytes: rawMessage('GET /ctl HTTP/1.1', [['Host', host], ['User-Agent', 'a\x01b'], title('ctl')]) },
    { name: 'an unknown method', bytes: rawMessage('FOO / HTTP/1.1', [['Host', host], ua]) },
    { name: 'a lower-case method', bytes: rawMessage('get / HTTP/1.1', [['Host', host], ua]) },
    { name: 'HEAD', bytes: rawMessage('HEAD /head HTTP/1.1', [['Host', host], ua, title('head')]) },
    { name: 'an HTTP/0.9-style request line', bytes: Buffer.from('GET /\r\n\r\n') },
    { name: 'a request line with extra spaces', bytes: rawMessage('GET  /spaces  HTTP/1.1', [['Host', host], ua]) },
    { name: 'a header without a colon', bytes: rawMessage('GET /nocolon HTTP/1.1', [['Host', host], ua, ['X-Broken\r\nNoColonHere', 'x']]) },
    { name: 'an obsolete folded header', bytes: Buffer.from(`GET /folded HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Mozilla/5.0\r\n  folded\r\nConnection: close\r\n\r\n`) },
    {
      name: 'Content-Length and Transfer-Encoding together',
      bytes: Buffer.from(`GET /smuggle HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`),
    },
    { name: 'a header just under the size limit', bytes: rawMessage('GET /big-header HTTP/1.1', [['Host', host], ['User-Agent', `${UA} ${big(14_000)}`], title('big-header')]), tracked: true },
    { name: 'headers over the size limit', bytes: rawMessage('GET /huge-header HTTP/1.1', [['Host', host], ua, ['X-Huge', big(40_000)]]) },
    { name: 'a long URL', bytes: rawMessage(`GET /${big(8000, 'p')}?${big(4000, 'q')} HTTP/1.1`, [['Host', host], ua, title('long-url')]), tracked: true },
    { name: 'a URL over the size limit', bytes: rawMessage(`GET /${big(70_000, 'p')} HTTP/1.1`, [['Host', host], ua]) },
    { name: '500 headers', bytes: rawMessage('GET /many HTTP/1.1', [['Host', host], ua, ...Array.from({ length: 500 }, (_, i): [string, string] => [`X-H${i}`, `${i}`])]) },
    {
      name: 'hostile forwarding headers and client hints',
      bytes: rawMessage('GET /forwarded HTTP/1.1', [
        ['Host', host],
        ua,
        ['X-Forwarded-For', `not-an-ip, , ,,, ${big(2000, '9')}`],
        ['Forwarded', `for="[::1"; proto=gopher; host=${big(1000, 'f')}`],
        ['X-Real-IP', big(600, 'r')],
        ['CF-Connecting-IP', '<script>'],
        ['X-Forwarded-Proto', 'javascript'],
        ['X-Forwarded-Host', 'evil.example:0'],
        ['Sec-CH-UA', big(1000, '"')],
        ['Sec-CH-Width', '-1e309'],
        ['Sec-CH-Viewport-Width', 'NaN'],
        ['Accept-Language', big(1500, 'x')],
        ['Referer', `javascript:${big(3000, 'r')}`],
        title('forwarded'),
      ]),
      tracked: true,
    },
    { name: 'a 5000-character title', bytes: rawMessage('GET /long-title HTTP/1.1', [['Host', host], ua, ['X-Title', big(5000, 't')]]) },
  ];
  return cases;
}

describeEachVariant('$name answers hostile raw requests and keeps serving', (context) => {
  it('answers every one, then a normal request, and sends only sound hits', async () => {
    const { app, client, emulator } = context();
    const host = new URL(app.url).host;
    const normal = rawMessage('GET /normal HTTP/1.1', [['Host', host], ['User-Agent', UA]]);
    const answers: Array<{ name: string; status: number }> = [];
    for (const hostile of hostileCases(host)) {
      const answer = await rawRequest(app.url, hostile.bytes);
      answers.push({ name: hostile.name, status: answer.status });
      expect(answer.status, `no answer to ${hostile.name}: ${JSON.stringify(answer.text.slice(0, 200))}`).toBeGreaterThanOrEqual(100);
      const after = await rawRequest(app.url, normal);
      expect(after.status, `after ${hostile.name}`).toBe(200);
    }

    expect(await client.flush(5000)).toBe(true);
    expect(client.metrics.failed).toBe(0);
    expect(client.metrics.dropped).toBe(0);
    expectSoundIngest(emulator);

    const expected = hostileCases(host).filter((c) => c.tracked);
    for (const c of expected) {
      const status = answers.find((a) => a.name === c.name)?.status;
      if (status !== 200) continue; // the framework refused it: nothing to track
      const title = /X-Title: ([^\r]*)/.exec(c.bytes.toString('latin1'))?.[1];
      expect(emulator.hits.filter((hit) => hit.title === title), `hit of "${c.name}"`).toHaveLength(1);
    }
    // The normal requests in between are tracked too, every one of them.
    expect(emulator.hits.filter((hit) => new URL(hit.url).pathname === '/normal')).toHaveLength(answers.length);
    // The absolute-form request is tracked under its path, not as a URL inside the path.
    const absolute = emulator.hits.find((hit) => hit.title === 'absolute');
    if (absolute) expect(new URL(absolute.url).pathname).toBe('/abs/page');
  });
});
