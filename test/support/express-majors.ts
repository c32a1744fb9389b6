import express5 from 'express';
import express4 from 'express4';

/** Both Express majors, for `describe.each`; Express 4 is driven through Express 5's type. */
export const EXPRESS_MAJORS = [
  { name: 'Express 5', express: express5 },
  { name: 'Express 4', express: express4 as unknown as typeof express5 },
] as const;
