// Who a running app's CPU samples belong to (bench/shares.mjs): a V8 CPU profile (the inspector's
// Profiler.stop result: nodes with callFrame and children, samples) taken under load, read with no
// I/O so the attribution can be tested on a profile built by hand (test/bench-shares.test.ts).
//
// A sample belongs to the first frame on its stack, from the top, that is neither Node's own code
// (`node:` URLs) nor V8's (no URL) nor WebAssembly (`wasm://`): the JavaScript that asked for the work. So a socket write made
// by undici for our POST is ours, and one made by Express for its response is Express's; our
// wrapper, which calls the app, owns only what it does itself. Ours is our packages (wherever they
// are built or linked: `/packages/<name>/`) and undici, which only our delivery uses in the apps,
// and the bench's least tracking and sending (bench/least.mjs: the `naive` and `least` variants).
// Left out of ours, so the share is a lower bound on what tracking costs: the garbage collector
// (its samples have no stack; our allocations make part of it), and what a framework does to call
// a middleware or hook of ours (its own frames).

/** Where our code is: our packages (source, dist or linked), undici, and the bench's least tracking. */
export function isOurs(url) {
  return /\/packages\/(core|express|koa|fastify|nest|hono|next|web)\//.test(url) || /\/node_modules\/undici\//.test(url) || /\/bench\/least\.mjs$/.test(url);
}

// WebAssembly (`wasm://`, undici's HTTP parser) is native code too: its caller owns it.
const isUserland = (url) => url !== '' && url !== undefined && !url.startsWith('node:') && !url.startsWith('wasm://');

/** Our delivery's functions (core's queue): a sample under one of these, or in undici, is delivery. */
const SERIALISE = new Set(['#bodyOf', '#serialize', 'stampedWithTime', 'serialiseBatch']);
const DELIVER = new Set(['#sendNext', '#pump', '#deliverNow', 'send', 'postBatch']);

/**
 * Attributes a profile's samples: `busy` (all but idle), `gc`, `ours` (by the rule above) and ours
 * split by phase: `serialise` (under `#bodyOf`/`#serialize`), `post` (undici, or our delivery's
 * other functions), `track` (the rest: deciding, extracting, enqueueing, our listeners). `top`:
 * our functions with the most samples (as the sample's own frame or the nearest frame of ours).
 * Samples taken before `fromUs` (µs since the profile's start) are left out. `frameworks`: for a
 * profile of bench/split-app.mjs (`scriptInstances`), the samples that are neither ours nor the GC's
 * and belong to the bare copy's scripts or to the variant's. `oursUs` and `phasesUs`: the same as
 * time, each sample counted as the time since the one before it (V8 samples less often than asked
 * under load, so a sample's count alone is no time); `busyUs` all busy samples' time.
 */
export function attribute(profile, { fromUs = 0, top = 12 } = {}) {
  const byId = new Map();
  const parent = new Map();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // bench/split-app.mjs: which copy of the framework a script belongs to ('bare' or 'variant').
  const instances = profile.scriptInstances ?? {};
  /** The copy whose script the sample's first userland frame is in, if any. */
  const instanceOf = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { url, scriptId } = byId.get(at).callFrame;
      if (isUserland(url)) return instances[scriptId];
    }
    return undefined;
  };
  const owners = new Map();
  /** For a node: { ours, phase, name } of the sample's owner, memoised per node. */
  const ownerOf = (id) => {
    const known = owners.get(id);
    if (known) return known;
    let owner;
    let phase = 'track';
    let name;
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at).callFrame;
      if (owner === undefined && isUserland(url)) {
        owner = isOurs(url);
        if (!owner) break;
        name = `${functionName || '(anonymous)'} (${url.split('/').slice(-1)[0]})`;
      }
      // Our frames only, from the sample down to the event loop: a serialising frame anywhere
      // makes it serialise, else a delivering one makes it post.
      if (owner && isUserland(url) && isOurs(url)) {
        if (SERIALISE.has(functionName)) phase = 'serialise';
        else if (phase === 'track' && (/\/node_modules\/undici\//.test(url) || DELIVER.has(functionName))) phase = 'post';
      }
    }
    const result = owner ? { ours: true, phase, name } : { ours: false, instance: instanceOf(id) };
    owners.set(id, result);
    return result;
  };
  const counts = { total: 0, busy: 0, gc: 0, ours: 0, track: 0, serialise: 0, post: 0, bare: 0, variant: 0 };
  const us = { busy: 0, ours: 0, track: 0, serialise: 0, post: 0 };
  const byName = new Map();
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas?.[index] ?? 0;
    time += delta;
    if (time - profile.startTime < fromUs) return;
    counts.total++;
    const { functionName } = byId.get(id).callFrame;
    if (functionName === '(idle)') return;
    counts.busy++;
    us.busy += delta;
    if (functionName === '(garbage collector)') {
      counts.gc++;
      return;
    }
    const owner = ownerOf(id);
    if (!owner.ours) {
      if (owner.instance) counts[owner.instance]++;
      return;
    }
    counts.ours++;
    counts[owner.phase]++;
    us.ours += delta;
    us[owner.phase] += delta;
    byName.set(owner.name, (byName.get(owner.name) ?? 0) + 1);
  });
  const share = (n) => (counts.busy === 0 ? 0 : n / counts.busy);
  return {
    samples: counts.total,
    busy: counts.busy,
    gc: share(counts.gc),
    ours: share(counts.ours),
    phases: { track: share(counts.track), serialise: share(counts.serialise), post: share(counts.post) },
    busyUs: us.busy,
    oursUs: us.ours,
    phasesUs: { track: us.track, serialise: us.serialise, post: us.post },
    frameworks: { bare: share(counts.bare), variant: share(counts.variant) },
    top: [...byName].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, n]) => ({ name, share: share(n) })),
  };
}

/**
 * Capacity (bare / variant, app CPU per request) from the shares of a profile of the variant and
 * one of bare. Of the process's CPU time, the main thread has `mainShare` (the rest: the garbage
 * collector's helpers, the JIT's compilers); of the main thread's, `ours` is ours and `gc` the
 * collector's. What is left, (1 - ours - gc) * mainShare of the process's CPU, is the framework's
 * own work, the same per request with us or without, so with B bare's CPU per request and V the
 * variant's: (1 - ours - gc) * mainShare * V = (1 - gc') * mainShare' * B (primes: bare's), and
 * B / V = (1 - ours - gc) * mainShare / ((1 - gc') * mainShare'). It counts the GC's change and
 * the other threads' (more garbage, more to compile). It takes the framework's own work per request
 * to be the same with us, and ours can only add to it (a framework's dispatch of our middleware is
 * its frames, not ours; our batches take caches and memory its next requests then miss): so it is
 * an upper bound on capacity. `mainShare` defaults to 1 (not measured).
 */
export function capacityFromShares(variant, bare) {
  const main = variant.mainShare ?? 1;
  const bareMain = bare.mainShare ?? 1;
  return ((1 - variant.ours - variant.gc) * main) / ((1 - bare.gc) * bareMain);
}

/**
 * Capacity (bare / variant, CPU per request) from one profile of bench/split-app.mjs, where the two
 * copies served `served.bare` and `served.variant` requests in turn over the same milliseconds.
 * The bare copy's framework samples per request, against the variant copy's framework samples and
 * ours per request; every other busy sample (Node's HTTP parsing before a copy is called, the GC,
 * the server that takes turns) is counted per request alike for both. So the framework's dispatch
 * of our middleware and the getters our adapter calls count against us, which capacityFromShares
 * cannot see. Still not in it: the garbage that is ours beyond an equal part, the other threads,
 * and the caches our work takes (from both copies alike, so not as a difference).
 */
export function capacityFromSplit(shares, served) {
  const { bare, variant } = shares.frameworks;
  const common = (1 - bare - variant - shares.ours) / (served.bare + served.variant);
  return (bare / served.bare + common) / ((variant + shares.ours) / served.variant + common);
}

/**
 * The common part of a split profile per request, in units of the bare copy's own samples per
 * request: how much work no copy owns (Node's HTTP parsing, the GC, event dispatch with no
 * userland frame) comes with each request.
 */
export function commonPerRequest(shares, served) {
  const { bare, variant } = shares.frameworks;
  const common = 1 - bare - variant - shares.ours;
  return common / (served.bare + served.variant) / (bare / served.bare);
}

/**
 * capacityFromSplit with the common part's excess charged to the variant: `commonBare` is the
 * common part per request of bare against bare (commonPerRequest of an A/A run, same framework).
 * capacityFromSplit counts the common part alike for both copies, so work the variant causes
 * without a frame of its own (its listener called by Node's emit, undici's socket callbacks
 * before its first frame) is half charged to bare. Here bare keeps only what bare against bare
 * has, and the variant carries the rest: a lower capacity wherever the variant adds to the common
 * part, a higher one where it takes from it. It leans on an A/A run of another process.
 */
export function capacityWithCommonExcess(shares, served, commonBare) {
  const unit = shares.frameworks.bare / served.bare;
  const variant = (shares.frameworks.variant + shares.ours) / served.variant / unit;
  const common = commonPerRequest(shares, served);
  return (1 + commonBare) / (variant + 2 * common - commonBare);
}
