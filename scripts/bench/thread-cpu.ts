/**
 * This process's CPU time by kind of thread, from /proc/self/task: the JavaScript thread, other
 * Node threads (workflow threads, or DuckDB's, which take the name of the thread that made them),
 * the Temporal core (Rust), libuv's pool and V8's helpers. The process total says how much CPU a
 * run took; this says whose.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSecondsOfStat } from './stack-cpu';

export type ThreadGroup = 'javascript' | 'otherNode' | 'temporalCore' | 'libuvPool' | 'v8' | 'other';

export const THREAD_GROUPS: readonly ThreadGroup[] = ['javascript', 'otherNode', 'temporalCore', 'libuvPool', 'v8', 'other'];

/** The group of a thread by its name (the `comm` of its stat file, cut at 15 characters by Linux). */
export function threadGroup(name: string, isMain: boolean): ThreadGroup {
  if (isMain) return 'javascript';
  if (name === 'node') return 'otherNode';
  if (name.startsWith('tokio-') || name.startsWith('workflow-proces')) return 'temporalCore';
  if (name.startsWith('libuv-worker')) return 'libuvPool';
  if (name.startsWith('V8 ')) return 'v8';
  return 'other';
}

/** The command name in a stat file's text: between the first '(' and the last ')'. */
function threadName(stat: string): string {
  return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
}

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
  const out = Object.fromEntries(THREAD_GROUPS.map((g) => [g, 0])) as Record<ThreadGroup, number>;
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

/** What each group took between two readings, in seconds. */
export function threadCpuSince(before: Record<ThreadGroup, number>, after: Record<ThreadGroup, number>): Record<ThreadGroup, number> {
  return Object.fromEntries(THREAD_GROUPS.map((g) => [g, Math.max(0, after[g] - before[g])])) as Record<ThreadGroup, number>;
}
