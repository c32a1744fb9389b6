import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { PirschNetworkError, type PirschError } from './errors.js';

/** A loopback port nothing listens on: bound, read, and closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('an API that cannot be reached', () => {
  it('a wrong port in baseUrl is reported at the first failed attempt, not when the retries run out', async () => {
    const port = await closedPort();
    let retriedAtReport: number | undefined;
    const reported = new Promise<PirschError>((resolve) => {
      const client = createClient({
        baseUrl: `http://127.0.0.1:${port}`,
        accessKey: 'pa_unreachable',
        flushIntervalMs: 0,
        onError: (error) => {
          retriedAtReport ??= client.metrics.retried;
          resolve(error);
          void client.close(0);
        },
      });
      client.hit({ url: 'https://site.example/', ip: '198.51.100.1', user_agent: 'Mozilla/5.0' });
    });
    const error = await reported;
    expect(error).toBeInstanceOf(PirschNetworkError);
    expect((error as PirschNetworkError).code).toBe('ECONNREFUSED');
    // Said before the first retry was even scheduled (the retries would take about 15 s).
    expect(retriedAtReport).toBe(0);
    expect(error.message).not.toContain('pa_unreachable');
  });
});
