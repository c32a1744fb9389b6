import { createClient, type PirschClient, type PirschClientOptions } from '@pirsch-node/core';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** What `useEmulator` gives a test file: the emulator (live from `beforeAll`) and the cleanups run after each test. */
export interface EmulatorSuite {
  /** The file's emulator on loopback, reset after every test. */
  readonly emulator: PirschEmulator;
  /** Runs `cleanup` after the current test, before the emulator is reset (the last added first). */
  after(cleanup: () => Promise<unknown>): void;
  /** A client of the emulator (errors ignored unless `options` say otherwise), closed after the test. */
  newClient(options?: Partial<PirschClientOptions>): PirschClient;
}

/**
 * One emulator for a test file: started before its tests, reset after each (once the test's
 * cleanups, such as closing its clients and servers, have run), closed after the file.
 */
export function useEmulator(): EmulatorSuite {
  let emulator: PirschEmulator | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    emulator = await createPirschEmulator();
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
    emulator?.reset();
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return {
    get emulator(): PirschEmulator {
      if (emulator === undefined) throw new Error('the emulator starts in beforeAll: use it inside a test or hook');
      return emulator;
    },
    after(cleanup) {
      cleanups.push(cleanup);
    },
    newClient(options) {
      const client = createClient({ baseUrl: this.emulator.url, accessKey: this.emulator.accessKey, onError: () => {}, ...options });
      cleanups.push(() => client.close(1000));
      return client;
    },
  };
}
