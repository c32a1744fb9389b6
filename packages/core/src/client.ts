import type { PirschApi } from './api/index.js';
import type { PirschClientOptions, PirschDelivery } from './types.js';

/** The whole client: non-blocking delivery plus the typed read and management API. */
export interface PirschClient extends PirschDelivery, PirschApi {}

/** Creates a client. (Being written; this stub only fixes the signature.) */
export function createClient(_options: PirschClientOptions): PirschClient {
  throw new Error('not implemented yet');
}
