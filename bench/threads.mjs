// CPU time per thread of this process, from /proc (bench/app-process.mjs, for the profiles' `main`).
import { readFileSync, readdirSync } from 'node:fs';

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
