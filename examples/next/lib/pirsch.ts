import { createPirsch } from '@pirsch-node/next';

// PIRSCH_ACCESS_KEY (or PIRSCH_CLIENT_ID and PIRSCH_CLIENT_SECRET) and PIRSCH_BASE_URL come from
// the environment; without a key nothing is sent, so `next dev` works as it is.
export const pirsch = createPirsch({ exclude: ['/health'] });
