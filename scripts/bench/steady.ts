/**
 * One steady-rate run for one number of clients: a pipeline of its own started first, then demo
 * messages at R msg/s for S seconds, then the drain. What it measures is not throughput but
 * what a steady load leaves: how long records take from produce to gold, and whether the
 * worker's memory stays flat.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startPipeline } from '../../adapters/temporal/start';
import { stopPipeline } from '../../adapters/temporal/stop';
import { clientWorkflowId } from '../../contract/ids';
import { demoClientIds } from '../../domain/demo';
import { measureFreshness } from './freshness';
import type { Freshness } from './freshness';
import { historyFigures } from './history';
import type { KindHistory, StageTimes } from './history';
import { producePaced } from './paced-produce';
import type { PacedProduce } from './paced-produce';
import { startBenchHarness, waitDrained } from './pipeline';
import { mib, sampleRss } from './rss';
import { rssOverTime } from './rss-over-time';
import type { RssOverTime } from './rss-over-time';

export interface SteadyOptions {
  rate: number;
  seconds: number;
  clients: number;
  batch: number;
  say: (line: string) => void;
}

/** How often the event loop's delay is sampled. */
const LOOP_SAMPLE_MS = 10;

/** Records produced in this first share of the run are left out of freshness: the pipeline is still warming up. */
export const WARM_UP_SHARE = 0.1;

export interface SteadyFigures {
  mode: 'steady';
  clients: number;
  rate: number;
  seconds: number;
  batch: number;
  produce: Omit<PacedProduce, 'startMs' | 'endMs'>;
  /** From the last message produced to the last client activity: 0 when the pipeline kept up. */
  drainSeconds: number;
  freshness: Freshness;
  rssOverTime: RssOverTime;
  /**
   * How late the worker's event loop ran its callbacks, from the pipeline's start to the drain
   * (the producer shares the loop): the Kafka client, the heartbeats and the activities' steps
   * all wait behind whatever holds the loop, such as the lake's synchronous file calls.
   */
  eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
  /** Where the memory was once drained: the JavaScript heap and the buffers outside it; the rest of the RSS is native (DuckDB, the Temporal core, code). */
  memoryAtDrain: { heapUsedMiB: number; externalMiB: number };
  stages: Record<string, StageTimes>;
  history: { ingest: KindHistory; client: KindHistory };
}

export async function benchSteady({ rate, seconds, clients: clientCount, batch, say }: SteadyOptions): Promise<SteadyFigures> {
  const clients = demoClientIds(clientCount);
  const h = await startBenchHarness(clients, batch);
  const { config } = h.t;
  try {
    const rss = sampleRss(process.pid);
    const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    loop.enable();
    await startPipeline(config, h.temporal);
    const { startMs, endMs, ...produce } = await producePaced(h.kafka, config.target.topic, { rate, seconds, clients: clientCount, say });
    say(
      `  produce: ${produce.messages} messages in ${produce.seconds.toFixed(1)} s = ${produce.perSecond} msg/s ` +
        `(${produce.sends} sends, mean ${produce.meanSendMs} ms, max ${produce.maxSendMs} ms; at most ${produce.maxBehindMs} ms behind schedule)`,
    );
    const ingestId = await waitDrained(h, produce.messages, clients);
    rss.stop();
    loop.disable();
    // The histogram holds the time between its timer's runs: the interval itself is no delay.
    const loopMs = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_SAMPLE_MS) * 10) / 10);
    const memory = process.memoryUsage();
    const prefix = config.temporal.workflowIdPrefix;
    const figures = await historyFigures(
      h.temporal,
      ingestId,
      clients.map((c) => clientWorkflowId(prefix, c)),
    );
    // Read before the pipeline stops and the harness removes the lake.
    const freshness = await measureFreshness(config, figures.goldWrites, {
      clients,
      fromMs: startMs + WARM_UP_SHARE * (endMs - startMs),
      maxWaitMs: config.batch.maxWaitMs,
    });
    await stopPipeline(config, h.temporal, { reason: 'benchmark finished', timeoutMs: 120_000 }).catch((e: unknown) => {
      say(`  (pipeline stop: ${(e as Error).message}; terminating instead)`);
    });
    return {
      mode: 'steady',
      clients: clientCount,
      rate,
      seconds,
      batch,
      produce,
      drainSeconds: Math.max(0, figures.lastClientActivityMs - endMs) / 1000,
      freshness,
      rssOverTime: rssOverTime(rss.samples(), startMs, endMs),
      eventLoopDelay: { p50Ms: loopMs(loop.percentile(50)), p99Ms: loopMs(loop.percentile(99)), maxMs: loopMs(loop.max) },
      memoryAtDrain: { heapUsedMiB: mib(memory.heapUsed), externalMiB: mib(memory.external) },
      stages: figures.stages,
      history: figures.history,
    };
  } finally {
    await h.close();
  }
}
