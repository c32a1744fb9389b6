import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/**
 * Makes "no unhandled rejection and no uncaught exception" an explicit assertion of a test file:
 * both are collected while the file runs, and each test fails in `afterEach` if one occurred
 * during it (Vitest would fail the run too, but later and without naming the test).
 *
 * @example
 * failOnUnhandledErrors();
 */
export function failOnUnhandledErrors(): void {
  const seen: unknown[] = [];
  const collect = (error: unknown): void => {
    seen.push(error);
  };
  beforeAll(() => {
    process.on('unhandledRejection', collect);
    process.on('uncaughtException', collect);
  });
  afterEach(async () => {
    // Rejections are reported after the microtask queue drains: give them a macrotask to surface.
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.splice(0), 'unhandled rejections and uncaught exceptions').toEqual([]);
  });
  afterAll(() => {
    process.off('unhandledRejection', collect);
    process.off('uncaughtException', collect);
  });
}
