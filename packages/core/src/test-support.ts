// Shared by the core package's tests only (no entry imports it, so it is not in the build).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import { PirschConfigError } from './errors.js';

/** Runs `make`, which must throw a `PirschConfigError`, and returns that error for more checks. */
export function configError(make: () => unknown): PirschConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(PirschConfigError);
    return error as PirschConfigError;
  }
  throw new Error('expected a PirschConfigError');
}

/** Runs `gc()` (v8 lets a running process turn it on) between turns, up to 10 times, until `ref`'s target is gone. */
export async function collectGarbageUntilGone(ref: WeakRef<object> | undefined): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 10 && ref?.deref() !== undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
}
