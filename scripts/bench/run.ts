/**
 * One benchmark run for one number of clients: a pipeline of its own (topic, workflows, lake,
 * in-process worker), N demo messages produced, the kafkajs yardstick read over the same topic,
 * then the pipeline timed from its first offset to every client's last gold.
 */
import { startPipeline } from '../../adapters/temporal/start';
import { stopPipeline } from '../../adapters/temporal/stop';
import { produceMessages } from '../../adapters/kafka/produce';
import { clientWorkflowId } from '../../contract/ids';
import { demoClientIds, generateDemo } from '../../domain/demo';
import { historyFigures } from './history';
import type { KindHistory, StageTimes } from './history';
import { kafkajsReadRate } from './kafka-read';
import type { ReadRate } from './kafka-read';
import { startBenchHarness, waitDrained } from './pipeline';
import { sampleRss } from './rss';
import { measureStackCpu } from './stack-cpu';
import type { StackCpu } from './stack-cpu';
import { startWorkerProcess } from '../sandbox';
import type { WorkerProcess } from '../sandbox';

export interface RunOptions {
  count: number;
  clients: number;
  batch: number;
  /** Worker processes on the task queue: the benchmark's own, and `workers - 1` started as `pipeline worker`. */
  workers: number;
  say: (line: string) => void;
}

export interface RunFigures {
  clients: number;
  messages: number;
  batch: number;
  produce: { seconds: number; perSecond: number };
  kafkajs: ReadRate;
  pipeline: { seconds: number; perSecond: number; ofKafkajs: number };
  workers: number;
  /** The first worker runs in the benchmark's process: its RSS when the pipeline started, and the peak until drained. */
  workerRss: { startMiB: number; peakMiB: number };
  /** CPU time of the benchmark's process (its worker, all threads: JavaScript, DuckDB, the Temporal core) until drained. */
  workerCpuSeconds: number;
  /** CPU time of the Temporal server and the Kafka broker over the same span. */
  stackCpu: StackCpu;
  /** The peak RSS of each further worker process. */
  otherWorkersPeakMiB: number[];
  /** Activity attempts per worker identity: how the workers shared the work. */
  activitiesByWorker: Record<string, number>;
  stages: Record<string, StageTimes>;
  history: { ingest: KindHistory; client: KindHistory };
}

const perSecond = (n: number, seconds: number) => Math.round(n / seconds);

export async function benchRun({ count, clients: clientCount, batch, workers, say }: RunOptions): Promise<RunFigures> {
  const clients = demoClientIds(clientCount);
  const h = await startBenchHarness(clients, batch);
  const { config } = h.t;
  const others: WorkerProcess[] = [];
  try {
    for (let i = 1; i < workers; i += 1) others.push(startWorkerProcess(h.t.env));
    await Promise.all(others.map((w) => w.ready));
    let t = Date.now();
    await produceMessages(h.kafka, config.target.topic, generateDemo({ count, clients: clientCount, seed: 7 }));
    const produce = { seconds: (Date.now() - t) / 1000, perSecond: 0 };
    produce.perSecond = perSecond(count, produce.seconds);
    say(`  produce: ${count} messages in ${produce.seconds.toFixed(1)} s (${produce.perSecond} msg/s)`);

    const kafkajs = await kafkajsReadRate(h.kafka, config.target.topic, count);
    say(`  kafkajs read + JSON.parse: ${kafkajs.seconds.toFixed(2)} s = ${kafkajs.perSecond} msg/s (group join included)`);

    const rss = sampleRss(process.pid);
    const othersRss = others.map((w) => sampleRss(w.child.pid ?? 0));
    const cpuBefore = process.cpuUsage();
    const stackCpu = measureStackCpu(config);
    t = Date.now();
    await startPipeline(config, h.temporal);
    const ingestId = await waitDrained(h, count, clients);
    const cpu = process.cpuUsage(cpuBefore);
    const stackCpuUsed = stackCpu.stop();
    const workerRss = rss.stop();
    const otherWorkersPeakMiB = othersRss.map((r) => r.stop().peakMiB);
    const prefix = config.temporal.workflowIdPrefix;
    const figures = await historyFigures(
      h.temporal,
      ingestId,
      clients.map((c) => clientWorkflowId(prefix, c)),
    );
    // Ended the way an operator ends it; whatever does not stop in time is terminated by close().
    await stopPipeline(config, h.temporal, { reason: 'benchmark finished', timeoutMs: 120_000 }).catch((e: unknown) => {
      say(`  (pipeline stop: ${(e as Error).message}; terminating instead)`);
    });
    const seconds = (figures.lastClientActivityMs - t) / 1000;
    const pipeline = { seconds, perSecond: perSecond(count, seconds), ofKafkajs: Math.round((count / seconds / kafkajs.perSecond) * 1000) / 1000 };
    const workerCpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
    return {
      clients: clientCount,
      messages: count,
      batch,
      produce,
      kafkajs,
      pipeline,
      workers,
      workerRss,
      workerCpuSeconds,
      stackCpu: stackCpuUsed,
      otherWorkersPeakMiB,
      activitiesByWorker: figures.activitiesByWorker,
      stages: figures.stages,
      history: figures.history,
    };
  } finally {
    // The workflows end first (in close), so no worker is cut off in the middle of an activity that matters.
    await h.close();
    await Promise.all(others.map((w) => w.stop()));
  }
}
