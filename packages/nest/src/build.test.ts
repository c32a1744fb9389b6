import { fileURLToPath } from 'node:url';
import { createPirschEmulator } from '@pirsch-node/testing';
import { expect, it } from 'vitest';
import { runCjsConsumer } from '../test/cjs-consumer.js';

// test/nest11 runs this file too, with PIRSCH_NEST_ROOT pointing at its Nest 11 install.
const nestRoot = process.env.PIRSCH_NEST_ROOT ?? fileURLToPath(new URL('../', import.meta.url));
const nestMajor = process.env.PIRSCH_NEST_MAJOR ?? '12';

it('the CJS build works in a Nest app compiled by tsc, on Express and on Fastify', { timeout: 60_000 }, async () => {
  const emulator = await createPirschEmulator();
  try {
    const result = await runCjsConsumer({ nestRoot, baseUrl: emulator.url, accessKey: emulator.accessKey });
    expect(result.moduleSystem).toBe('cjs');
    expect(result.resolved).toMatch(/[\\/]node_modules[\\/]@pirsch-node[\\/]nest[\\/]dist[\\/]index\.cjs$/);
    expect(result.nestVersion.split('.')[0]).toBe(nestMajor);
    expect(result.statuses).toEqual([200, 201, 200, 201]);
    // Delivered by app.close() (the module's own client, 60 s flush interval).
    const platform = (userAgent: string) => userAgent.slice(userAgent.lastIndexOf(' ') + 1);
    expect(emulator.hits.map((hit) => [platform(hit.user_agent), new URL(hit.url).pathname])).toEqual([
      ['cjs-consumer/express', '/api'],
      ['cjs-consumer/fastify', '/api'],
    ]);
    expect(emulator.events.map((event) => [event.event_name, platform(event.user_agent), event.event_meta])).toEqual([
      ['Signup', 'cjs-consumer/express', { plan: 'pro' }],
      ['Signup', 'cjs-consumer/fastify', { plan: 'pro' }],
    ]);
  } finally {
    await emulator.close();
  }
});
