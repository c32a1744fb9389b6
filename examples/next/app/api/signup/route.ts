import { pirsch } from '../../../lib/pirsch';

/** POST /api/signup: the Signup event for this request, sent after the response with `after()`. */
export async function POST(request: Request): Promise<Response> {
  const { plan = 'free' } = (await request.json().catch(() => ({}))) as { plan?: string };
  await pirsch.event('Signup', { request, meta: { plan, via: 'route handler' } });
  return Response.json({ ok: true });
}
