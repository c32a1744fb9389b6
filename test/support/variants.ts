import { createClient, type PirschClient } from '@pirsch-node/core';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { APP_VARIANTS, type AppUnderTest, type AppVariant } from './apps.js';

/** What the tests of one app variant get, set up before them. */
export interface VariantContext {
  variant: AppVariant;
  /** Its own emulator, so what arrived is this variant's alone. */
  emulator: PirschEmulator;
  /** The client the app tracks with (flushing every 50 ms). */
  client: PirschClient;
  app: AppUnderTest;
}

/**
 * One describe block per app variant (`$name` in `title` is the variant's name), each with its
 * own emulator, client and running app, all closed after the block.
 *
 * @example
 * describeEachVariant('$name keeps serving', (context) => {
 *   it('answers', async () => expect((await rawRequest(context().app.url, bytes)).status).toBe(200));
 * });
 */
export function describeEachVariant(title: string, body: (context: () => VariantContext) => void): void {
  describe.each(APP_VARIANTS)(title, (variant) => {
    let context: VariantContext | undefined;
    beforeAll(async () => {
      const emulator = await createPirschEmulator();
      const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 50 });
      context = { variant, emulator, client, app: await variant.start(client) };
    });
    afterAll(async () => {
      await context?.app.close();
      await context?.client.close();
      await context?.emulator.close();
    });
    body(() => {
      if (context === undefined) throw new Error(`${variant.name} did not start`);
      return context;
    });
  });
}
