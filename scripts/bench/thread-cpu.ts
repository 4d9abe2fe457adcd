/**
 * This process's CPU time by kind of thread, from /proc/self/task: the JavaScript thread, the
 * Temporal core (Rust threads, which name themselves), and all the others. Node 20 names none of
 * its other threads (workflow threads, libuv's pool, V8's helpers, DuckDB's), so they are told
 * apart only by what else the process runs. Times are in clock ticks of 10 ms per thread:
 * divide them by many units of work, never a few.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSecondsOfStat, cpuSecondsOfStatFile } from './stack-cpu';

export type ThreadGroup = 'javascript' | 'temporalCore' | 'other';

export const THREAD_GROUPS: readonly ThreadGroup[] = ['javascript', 'temporalCore', 'other'];

/** The group of a thread by its name (the `comm` of its stat file, cut at 15 characters by Linux). */
export function threadGroup(name: string, isMain: boolean): ThreadGroup {
  if (isMain) return 'javascript';
  if (name.startsWith('tokio-') || name.startsWith('workflow-proces')) return 'temporalCore';
  return 'other';
}

/** The command name in a stat file's text: between the first '(' and the last ')'. */
function threadName(stat: string): string {
  return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
}

/** CPU seconds of this process's JavaScript thread, or null where there is no /proc. */
export const jsThreadCpuSeconds = (): number | null => cpuSecondsOfStatFile(`/proc/self/task/${process.pid}/stat`);

/**
 * CPU seconds per group of this process's live threads, or null where there is no /proc. A
 * thread that ended meanwhile is missing: measure across spans where the threads stay.
 */
export function cpuByThreadGroup(): Record<ThreadGroup, number> | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const out: Record<ThreadGroup, number> = { javascript: 0, temporalCore: 0, other: 0 };
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // ended between the listing and the read
    }
    out[threadGroup(threadName(stat), tid === String(process.pid))] += cpuSecondsOfStat(stat) ?? 0;
  }
  return out;
}

/** What each group took between two readings, in seconds (none below 0: a thread that ended takes its time with it). */
export function threadCpuSince(before: Record<ThreadGroup, number>, after: Record<ThreadGroup, number>): Record<ThreadGroup, number> {
  const since = (g: ThreadGroup) => Math.max(0, after[g] - before[g]);
  return { javascript: since('javascript'), temporalCore: since('temporalCore'), other: since('other') };
}
