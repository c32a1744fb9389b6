import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { FIELD_LIMITS, hitFromRequest, hitFromWebRequest, type Hit } from '@pirsch-node/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Property-based: whatever the request holds, extraction never throws, the URL parses, and no
// field exceeds its cap. Requests are real node:http IncomingMessage objects with arbitrary data.

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 5000 }));
const path = fc.oneof(
  fc.webPath(),
  fc.string({ maxLength: 300 }).map((s) => `/${s}`),
  fc.string({ unit: 'binary', maxLength: 3000 }),
  fc.constantFrom('/%zz%', '/%', 'http://evil.example/abs?x=1', '*', '//double//slash', '/a b#frag', '/\u0000', ''),
);
const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`), text, fc.constantFrom('', ':80', 'a:b:c', 'exa mple.com', 'localhost:99999'));
const headerNames = ['host', 'user-agent', 'accept-language', 'referer', 'dnt', 'x-forwarded-for', 'forwarded', 'x-real-ip', 'cf-connecting-ip', 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'sec-ch-ua-platform-version', 'sec-ch-width', 'sec-ch-viewport-width', 'purpose'];
const headerValue = fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 }));
const headers = fc.dictionary(fc.constantFrom(...headerNames), headerValue, { maxKeys: headerNames.length });

function request(url: string, method: string, headerMap: Record<string, string | string[]>, remote: string | undefined): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: remote });
  const req = new IncomingMessage(socket);
  req.url = url;
  req.method = method;
  req.headers = headerMap as IncomingMessage['headers'];
  return req;
}

function checkHit(hit: Hit) {
  expect(() => new URL(hit.url)).not.toThrow();
  for (const [field, value] of Object.entries(hit)) {
    if (typeof value !== 'string') continue;
    const limit = (FIELD_LIMITS as Record<string, number>)[field];
    expect(limit, `no cap for ${field}`).toBeDefined();
    expect(value.length).toBeLessThanOrEqual(limit as number);
  }
}

describe('extraction properties', () => {
  it('hitFromRequest never throws, always gives a parsable URL and capped fields', () => {
    fc.assert(
      fc.property(path, fc.string({ maxLength: 10 }), headers, host, fc.option(fc.oneof(fc.ipV4(), fc.ipV6(), text), { nil: undefined }), (url, method, headerMap, hostValue, remote) => {
        const hit = hitFromRequest(request(url, method, { host: hostValue, ...headerMap }, remote));
        checkHit(hit);
      }),
      { numRuns: 500 },
    );
  });

  it('hitFromRequest honours options whatever they hold', () => {
    fc.assert(
      fc.property(path, headers, text, text, fc.anything(), (url, headerMap, hostname, title, tags) => {
        const hit = hitFromRequest(request(url, 'GET', headerMap, '127.0.0.1'), { hostname, title, tags: tags as Record<string, string>, ip: hostname });
        checkHit(hit);
        if (hit.tags) expect(Object.keys(hit.tags).length).toBeLessThanOrEqual(FIELD_LIMITS.tagCount);
      }),
      { numRuns: 300 },
    );
  });

  it('hitFromWebRequest never throws for any Request the platform accepts', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), headers, text, (url, headerMap, ip) => {
        let request: Request;
        try {
          const init = new Headers();
          for (const [name, value] of Object.entries(headerMap)) for (const v of [value].flat()) init.append(name, v);
          request = new Request(url, { headers: init });
        } catch {
          return; // the platform refuses such a Request; nothing to extract
        }
        checkHit(hitFromWebRequest(request, { ip }));
      }),
      { numRuns: 300 },
    );
  });
});
