// The latency the middleware adds, measured the only fair way: the same requests, alternating
// between the bare framework and the framework with our middleware (the one-page apps of the
// benchmarks, bench/apps.mjs), in this process, one request at a time.
import { Agent, request } from 'node:http';
import { percentiles } from './format.mjs';

const HEADERS = {
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'accept-language': 'en-US,en;q=0.9',
  referer: 'https://www.google.com/',
};

function timedGet(agent, url) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    request(url, { agent, headers: HEADERS }, (res) => {
      res.resume();
      res.once('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
    })
      .once('error', reject)
      .end();
  });
}

/**
 * Sends `pairs` requests to each app, alternating, after a short warm-up; resolves with latency
 * percentiles (ms) of both and how many hits the tracked app delivered to `apiUrl`.
 */
export async function measureAddedLatency({ framework, apiUrl, accessKey, pairs = 1000 }) {
  const { startApp } = await import('../../bench/apps.mjs');
  const bare = await startApp({ framework, variant: 'bare', apiUrl, accessKey });
  const ours = await startApp({ framework, variant: 'ours', apiUrl, accessKey });
  const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
  const times = { bare: [], ours: [] };
  try {
    const warmup = Math.min(100, pairs);
    for (let i = 0; i < warmup + pairs; i++) {
      // Alternate which goes first, so neither always runs on a warmer loop.
      const order = i % 2 === 0 ? ['bare', 'ours'] : ['ours', 'bare'];
      for (const name of order) {
        const ms = await timedGet(agents[name === 'bare' ? 0 : 1], name === 'bare' ? bare.url : ours.url);
        if (i >= warmup) times[name].push(ms);
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  await bare.stop();
  const tracked = await ours.stop();
  return { pairs, bare: percentiles(times.bare), ours: percentiles(times.ours), served: tracked.served, delivered: tracked.metrics?.sent ?? 0 };
}
