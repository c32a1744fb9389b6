import { IncomingMessage } from 'node:http';
import { hitFromRequest } from '@pirsch-node/core';
import { Pool } from 'undici';
import { BROWSER_HEADERS } from './http.mjs';
import { LOAD_CORE, APP_CORE, pinProcess, exited, startChild } from './processes.mjs';
pinProcess(APP_CORE);
function pageRequest(i, path = `/products/${i % 100}?utm_source=newsletter`) {
  const req = new IncomingMessage({ remoteAddress: `203.0.113.${i % 250}`, encrypted: false });
  req.method = 'GET'; req.url = path;
  req.headers = { host: 'shop.example.com', ...BROWSER_HEADERS, connection: 'keep-alive' };
  return req;
}
const batch = Number(process.argv[2] ?? 500);
const hits = Array.from({ length: batch * 4 }, (_, i) => ({ ...hitFromRequest(pageRequest(i), { ip: `203.0.113.${i % 250}` }), time: new Date().toISOString() }));
const batches = Array.from({ length: 4 }, (_, b) => hits.slice(b * batch, (b + 1) * batch));
const { child: sink, ready } = await startChild('sink-process.mjs', [], { core: LOAD_CORE });
const pool = new Pool(ready.url, { connections: 4 });
const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer x` };
async function run(n, mk) {
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < n) { const body = mk(batches[next++ % 4]); const r = await pool.request({ method: 'POST', path: '/api/v1/hit/batch', headers, body }); await r.body.text(); }
  }));
}
const variants = { buffer: (b) => Buffer.from(JSON.stringify(b)), string: (b) => JSON.stringify(b), stringOnly: null };
const n = Math.round(200000 / batch);
const pre = batches.map((b) => Buffer.from(JSON.stringify(b))); const preS = batches.map((b) => JSON.stringify(b));
const ser = (mk) => { const c = process.cpuUsage(); for (let i = 0; i < n; i++) mk(batches[i % 4]); const u = process.cpuUsage(c); return (((u.user + u.system) * 1000) / (n * batch)).toFixed(0); };
for (const round of [1, 2, 3]) console.log(round, batch, 'serialise only: string', ser(variants.string), 'buffer', ser(variants.buffer));
let k = 0;
for (const round of [1, 2, 3]) for (const [name, mk] of Object.entries({ preBuffer: () => pre[k++ % 4], preString: () => preS[k++ % 4] })) {
  await run(Math.round(n / 5), mk);
  const c = process.cpuUsage(); await run(n, mk); const u = process.cpuUsage(c);
  console.log(round, batch, name, (((u.user + u.system) * 1000) / (n * batch)).toFixed(0), 'ns/hit (serialise + POST)');
}
await pool.close(); sink.disconnect(); await exited(sink);
