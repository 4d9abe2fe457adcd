/**
 * CPU time of the local stack's services (the Temporal dev server, the Kafka broker) over a span
 * of the benchmark. On a small machine the worker shares the machine with them: what they take is not
 * the worker's, and more clients cost the server too (signals, workflow tasks, heartbeats).
 */
import { readFileSync } from 'node:fs';
import type { ResolvedConfig } from '../../config/schema';
import { stackSettings } from '../stack/settings';
import { ownedPid } from '../stack/supervise';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * User plus system CPU seconds in the text of a /proc/<pid>/stat file, or null if it is not one.
 * The command, in parentheses, may hold spaces and parentheses itself: fields are counted from
 * the last closing parenthesis (utime and stime are the 14th and 15th fields of the file).
 */
export function cpuSecondsOfStat(stat: string): number | null {
  const end = stat.lastIndexOf(') ');
  if (end < 0) return null;
  const fields = stat.slice(end + 2).split(' ');
  const [utime, stime] = [fields[11], fields[12]].map((f) => (f !== undefined && /^\d+$/.test(f) ? Number(f) : Number.NaN));
  return utime !== undefined && stime !== undefined && Number.isFinite(utime + stime) ? (utime + stime) / TICKS_PER_SECOND : null;
}

/** CPU seconds read from a stat file (`/proc/<pid>/stat`, or a thread's `/proc/<pid>/task/<tid>/stat`), or null. */
export function cpuSecondsOfStatFile(file: string): number | null {
  try {
    return cpuSecondsOfStat(readFileSync(file, 'utf8'));
  } catch {
    return null; // gone, or no /proc (not Linux)
  }
}

export interface StackCpu {
  /** CPU seconds each service took over the span; null when this stack did not start it (or not on Linux). */
  temporalSeconds: number | null;
  kafkaSeconds: number | null;
}

/** Starts counting the services' CPU; `stop` returns what they took since. */
export function measureStackCpu(config: ResolvedConfig): { stop(): StackCpu } {
  const { home } = stackSettings(config);
  const pids = { temporal: ownedPid(home, 'temporal'), kafka: ownedPid(home, 'kafka') };
  const read = (pid: number | null) => (pid === null ? null : cpuSecondsOfStatFile(`/proc/${pid}/stat`));
  const before = { temporal: read(pids.temporal), kafka: read(pids.kafka) };
  const since = (start: number | null, end: number | null) => (start === null || end === null ? null : Math.round((end - start) * 100) / 100);
  return {
    stop: () => ({
      temporalSeconds: since(before.temporal, read(pids.temporal)),
      kafkaSeconds: since(before.kafka, read(pids.kafka)),
    }),
  };
}
