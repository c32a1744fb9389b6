// V8's CPU profiler run inside an app's process (bench/app-process.mjs, bench/split-app.mjs), and
// the CPU time per thread of the process from /proc, for the profiles' `main`.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** The thread of V8's CPU profiler that takes the samples: not the app's work, left out of `all`. */
const PROFILER_THREAD = 'v8:ProfEvntProc';

/**
 * CPU time (ns, from schedstat; clock ticks from stat where there is none) of this process's main
 * thread and of all its threads but the profiler's, from /proc (Linux); undefined elsewhere. The
 * garbage collector's helpers and the JIT's compilers run on other threads, which a profile of the
 * main thread does not see.
 */
export function threadTimes(taskDir = '/proc/self/task', mainTid = process.pid) {
  try {
    let all = 0;
    let main = 0;
    for (const tid of readdirSync(taskDir)) {
      if (readFileSync(`${taskDir}/${tid}/comm`, 'utf8').trim() === PROFILER_THREAD) continue;
      const time = threadTime(`${taskDir}/${tid}`);
      all += time;
      if (Number(tid) === mainTid) main = time;
    }
    return { main, all };
  } catch {
    return undefined;
  }
}

/** One thread's CPU time: schedstat's first field (ns on the CPU), else stat's utime + stime (ticks) in ns. */
function threadTime(dir) {
  try {
    return Number(readFileSync(`${dir}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    const stat = readFileSync(`${dir}/stat`, 'utf8');
    // after the command name in parentheses: state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 1e7;
  }
}

/**
 * The profiler of this process: `start(intervalUs)`, then `stop(file, extra)` writes the profile
 * (with `extra`'s fields added) to `file` and resolves with `mainShare`, the main thread's part of
 * the process's CPU time meanwhile (1 where unknown).
 */
export function inAppProfiler() {
  let session;
  let threadsAtStart;
  return {
    async start(intervalUs) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
      await session.post('Profiler.start');
      threadsAtStart = threadTimes();
    },
    async stop(file, extra = {}) {
      const threadsAtStop = threadTimes();
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      writeFileSync(file, JSON.stringify({ ...profile, ...extra }));
      const all = threadsAtStart && threadsAtStop ? threadsAtStop.all - threadsAtStart.all : 0;
      return all > 0 ? (threadsAtStop.main - threadsAtStart.main) / all : 1;
    },
  };
}
