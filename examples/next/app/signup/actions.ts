'use server';

import { pirsch } from '../../lib/pirsch';

/** The form's server action: the Signup event is sent after the response, with `after()`. */
export async function signup(form: FormData): Promise<void> {
  const plan = String(form.get('plan') ?? 'free');
  await pirsch.event('Signup', { meta: { plan, via: 'server action' } });
}
