// The Pirsch API emulator in its own process, so its work does not count against the app under
// test. Controlled over the IPC channel: { id, cmd: 'reset' | 'hang' | 'counts' } -> { id, ...counts }.
import { createPirschEmulator } from '@pirsch-node/testing';

/** The official SDK checks that an access key is `pa_` plus 45 characters. */
export const BENCH_ACCESS_KEY = `pa_${'b'.repeat(45)}`;

const emulator = await createPirschEmulator({ accessKey: BENCH_ACCESS_KEY, maxRecorded: 100 });

// The recorded lists are capped; these counters are not.
const counts = { hits: 0, events: 0, ingestPosts: 0, refused: 0 };
emulator.on('hit', () => counts.hits++);
emulator.on('event', () => counts.events++);
emulator.on('request', (request) => {
  if (request.method === 'POST' && request.path !== '/api/v1/token') {
    counts.ingestPosts++;
    if (request.status !== 200) counts.refused++;
  }
});

process.on('message', (message) => {
  const { id, cmd } = message;
  if (cmd === 'reset') {
    emulator.reset();
    for (const key of Object.keys(counts)) counts[key] = 0;
  } else if (cmd === 'hang') {
    // Every ingest request from now on is read and never answered, until the next reset.
    emulator.hangNext(1_000_000_000);
  }
  process.send({ id, ...counts });
});

process.on('disconnect', () => {
  void emulator.close().then(() => process.exit(0));
});

process.send({ type: 'ready', url: emulator.url, accessKey: emulator.accessKey });
