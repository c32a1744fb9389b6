// Shared by the core package's tests only (no entry imports it, so it is not in the build).
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
