/** Resident memory of a process over time, sampled from /proc (the figure `ps` and the kernel report). */
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

export interface RssSample {
  atMs: number;
  bytes: number;
}

export interface RssSampler {
  /** Stops sampling; returns the peak and the first sample, in MiB. */
  stop(): { peakMiB: number; startMiB: number };
  /** Every sample so far, oldest first. */
  samples(): readonly RssSample[];
}

export const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

export function sampleRss(pid: number, everyMs = 250): RssSampler {
  const samples: RssSample[] = [];
  const take = () => samples.push({ atMs: Date.now(), bytes: rssBytes(pid) });
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakMiB: mib(samples.reduce((max, s) => Math.max(max, s.bytes), 0)), startMiB: mib(samples[0]?.bytes ?? 0) };
    },
    samples: () => samples,
  };
}
