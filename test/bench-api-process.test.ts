import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { ipcCaller } from '../bench/processes.mjs';

// bench/api-process.mjs, the API the HTTP benchmarks deliver to: the hanging key lets one app of
// bench/toggled.mjs meet an API that never answers while the others, at the same time, meet one that does.
let child: ChildProcess;
let ready: { url: string; accessKey: string; hangingKey: string };
let call: (cmd: string) => Promise<Record<string, number>>;

const hit = { url: 'https://example.com/', ip: '203.0.113.7', user_agent: 'Mozilla/5.0', time: '2026-12-02T10:00:00.000Z' };
const post = (key: string, signal?: AbortSignal) =>
  fetch(`${ready.url}/api/v1/hit/batch`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify([hit]), signal });

beforeAll(async () => {
  child = fork(fileURLToPath(new URL('../bench/api-process.mjs', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  ready = await new Promise((resolve) => child.once('message', resolve));
  call = ipcCaller(child);
});
afterAll(() => {
  child.kill();
});

describe('bench API process', () => {
  it('answers the bench key, never answers the hanging key, and counts both requests', async () => {
    expect(ready.hangingKey).toMatch(/^pa_.{45}$/);
    expect(ready.hangingKey).not.toBe(ready.accessKey);
    await call('reset');
    const answered = await post(ready.accessKey);
    expect(answered.status).toBe(200);
    // The hanging request is read and held: still unanswered when the client gives up on it.
    const hanging = post(ready.hangingKey, AbortSignal.timeout(300));
    await expect(hanging).rejects.toThrow(/aborted|timeout/i);
    // Meanwhile the bench key is still answered.
    expect((await post(ready.accessKey)).status).toBe(200);
    const counts = await call('counts');
    expect(counts).toMatchObject({ hits: 2, ingestPosts: 3, refused: 0 });
  });

  it('still refuses a wrong key at once', async () => {
    await call('reset');
    expect((await post(`pa_${'x'.repeat(45)}`)).status).toBe(401);
    expect(await call('counts')).toMatchObject({ hits: 0, ingestPosts: 1, refused: 1 });
  });
});
