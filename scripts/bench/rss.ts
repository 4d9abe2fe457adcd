/** Peak resident memory of a process, sampled from /proc (the figure `ps` and the kernel report). */
import { readFileSync } from 'node:fs';

function rssBytes(pid: number): number {
  try {
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // No /proc (not Linux): fall through.
  }
  return pid === process.pid ? process.memoryUsage().rss : 0;
}

export interface RssSampler {
  /** Stops sampling; returns the peak and the first sample, in MiB. */
  stop(): { peakMiB: number; startMiB: number };
}

export function sampleRss(pid: number, everyMs = 250): RssSampler {
  const first = rssBytes(pid);
  let peak = first;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, everyMs);
  const mib = (b: number) => Math.round(b / 2 ** 20);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssBytes(pid));
      return { peakMiB: mib(peak), startMiB: mib(first) };
    },
  };
}
