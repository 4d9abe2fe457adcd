/**
 * Whether the worker's memory is stable under a steady load: its RSS level once warmed up (the
 * end of the first 20 % of the run) against its level at the end of the run.
 */
import { mib } from './rss';
import type { RssSample } from './rss';

export interface RssOverTime {
  /** When the pipeline started, before any message. */
  startMiB: number;
  at20PctMiB: number;
  endMiB: number;
  /** end / at 20 %, in percent (the target: under 20). */
  growthPct: number;
  /** Over the whole run, the drain after it included. */
  peakMiB: number;
  /** Once every client had drained. */
  drainedMiB: number;
  /** The RSS level at every tenth of the run, 10 % to 100 %. */
  everyTenthMiB: number[];
}

/**
 * How long a level is taken over. Compactions lift the RSS by a few hundred MiB for up to a few
 * seconds, then hand it back: a point that lands on one says nothing about growth, so a level is
 * the median of the samples of this window (a spike shorter than half of it drops out); the
 * spikes themselves show in the peak.
 */
export const LEVEL_WINDOW_MS = 10_000;

/** The RSS level at `atMs`: the median of the samples of the window before it. */
function rssAt(samples: readonly RssSample[], atMs: number): number {
  const window = samples.filter((s) => s.atMs <= atMs && s.atMs > atMs - LEVEL_WINDOW_MS).map((s) => s.bytes);
  const before = samples.filter((s) => s.atMs <= atMs);
  if (window.length === 0) return before[before.length - 1]?.bytes ?? samples[0]?.bytes ?? 0;
  window.sort((a, b) => a - b);
  return window[Math.floor(window.length / 2)] ?? 0;
}

/** The run is the steady period, from `fromMs` (the first message) to `toMs` (the last). */
export function rssOverTime(samples: readonly RssSample[], fromMs: number, toMs: number): RssOverTime {
  const at = (share: number) => rssAt(samples, fromMs + share * (toMs - fromMs));
  const warm = at(0.2);
  const end = at(1);
  return {
    startMiB: mib(samples[0]?.bytes ?? 0),
    at20PctMiB: mib(warm),
    endMiB: mib(end),
    growthPct: warm > 0 ? Math.round(((end - warm) / warm) * 1000) / 10 : 0,
    peakMiB: mib(samples.reduce((max, s) => Math.max(max, s.bytes), 0)),
    drainedMiB: mib(samples[samples.length - 1]?.bytes ?? 0),
    everyTenthMiB: Array.from({ length: 10 }, (_, i) => mib(at((i + 1) / 10))),
  };
}
