/**
 * `npm run bench`: end-to-end throughput on the local stack, against the rate at which a plain
 * kafkajs consumer reads the same topic. For each number of clients: a fresh pipeline, N demo
 * messages, the kafkajs yardstick, the pipeline timed from its first offset to every client's
 * last gold, where activity time went, peak worker memory and Temporal history sizes.
 * With --rate, a steady load instead: the pipeline started first, then R msg/s for S seconds;
 * it reports produce-to-gold freshness and the worker's memory over the run.
 *   --count N (default 200000)  --clients K (default 3)  --sweep 3,100 (several K in one run)
 *   --batch M (default: batch.maxMessages's default)  --json FILE (the same figures as JSON)
 *   --workers W (default 1: worker processes sharing the task queue, the first in this process)
 *   --rate R (msg/s; steady mode)  --seconds S (default 60; with --rate)
 * With --client-runs, no stack: N messages across K clients landed in a lake of its own as one
 * raw batch (or --batches B), then each client's run alone on real DuckDB, with every batch it
 * appears in; it reports what a run costs the worker.
 * With --orchestration, Temporal only (no Kafka): the client workflows with runs that do no
 * data work, --batches B handed to each of K clients (default: at least 5, and enough for some
 * 150 client-batches); it reports what Temporal costs the server and the worker per client and
 * batch, and per client started.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_BATCH_MAX_MESSAGES } from '../config/schema';
import { backlogBatchMessages } from '../domain/batch-plan';
import { describeMachine, machineLine } from './bench/machine';
import { benchRun } from './bench/run';
import type { RunFigures } from './bench/run';
import { benchClientRuns } from './bench/client-runs';
import type { ClientRunFigures } from './bench/client-runs';
import { benchOrchestration } from './bench/orchestration';
import type { OrchestrationCost, OrchestrationFigures } from './bench/orchestration';
import { benchSteady } from './bench/steady';
import type { SteadyFigures } from './bench/steady';

function positiveInts(text: string, what: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${what} must be positive integers, got "${text}"`);
  return values;
}

function positiveInt(text: string, what: string): number {
  const [value, ...more] = positiveInts(text, what);
  if (value === undefined || more.length > 0) throw new Error(`${what} takes one number, got "${text}"`);
  return value;
}

function printRun(r: RunFigures): void {
  const p = r.pipeline;
  console.log(
    `  pipeline: ${r.messages} messages through raw, bronze, silver and gold in ${p.seconds.toFixed(1)} s = ${p.perSecond} msg/s ` +
      `(${p.ofKafkajs}x kafkajs); worker CPU ${r.workerCpuSeconds} s; worker RSS ${r.workerRss.startMiB} MiB at start, peak ${r.workerRss.peakMiB} MiB` +
      (r.otherWorkersPeakMiB.length > 0 ? ` (other workers' peaks: ${r.otherWorkersPeakMiB.join(', ')} MiB)` : ''),
  );
  const { temporalSeconds, kafkaSeconds } = r.stackCpu;
  if (temporalSeconds !== null || kafkaSeconds !== null) {
    console.log(`    meanwhile the stack took CPU: Temporal server ${temporalSeconds ?? '?'} s, Kafka broker ${kafkaSeconds ?? '?'} s`);
  }
  if (r.workers > 1) console.log(`    activity attempts per worker: ${Object.values(r.activitiesByWorker).join(' / ')}`);
  printActivity(r);
}

function printSteady(r: SteadyFigures): void {
  const f = r.freshness;
  const m = r.rssOverTime;
  console.log(`  pipeline: drained ${r.drainSeconds.toFixed(1)} s after the last message`);
  console.log(
    `  freshness, produce to gold, ${f.records} records after the first 10 %: p50 ${f.p50Ms} ms, p95 ${f.p95Ms} ms, max ${f.maxMs} ms ` +
      `(min ${f.minMs} ms${f.unmatched > 0 ? `; ${f.unmatched} records without a gold write` : ''}); ` +
      `maxWaitMs ${f.maxWaitMs} (target p95 <= ${f.maxWaitMs + 2000} ms)`,
  );
  console.log(
    `  worker RSS: ${m.startMiB} MiB at start, ${m.at20PctMiB} MiB at 20 % of the run, ${m.endMiB} MiB at its end ` +
      `(${m.growthPct >= 0 ? '+' : ''}${m.growthPct} %, target < 20 %), peak ${m.peakMiB} MiB, ${m.drainedMiB} MiB drained`,
  );
  console.log(`    RSS every 10 % of the run (MiB): ${m.everyTenthMiB.join(' ')}`);
  console.log(
    `    at the drain: JavaScript heap ${r.memoryAtDrain.heapUsedMiB} MiB, buffers outside it ${r.memoryAtDrain.externalMiB} MiB, the rest native`,
  );
  const d = r.eventLoopDelay;
  console.log(`  worker event loop delay (the producer shares it): p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms, max ${d.maxMs} ms`);
  printActivity(r);
}

function printOrchestration(r: OrchestrationFigures): void {
  const cost = (c: OrchestrationCost): string => {
    const t = c.processCpuMsByThread;
    return (
      `Temporal server ${c.serverCpuMs ?? '?'} ms, worker process ${c.processCpuMs} ms` +
      (t ? ` (JavaScript thread ${t.javascript}, Temporal core ${t.temporalCore}, other threads ${t.other})` : '')
    );
  };
  console.log(
    `orchestration: ${r.clients} clients × ${r.batchesPerClient} batches = ${r.clientBatches} client-batches in ${r.seconds} s ` +
      `(${r.clientBatchesPerSecond} per second), runs without data work; the server idle took ${r.serverIdleCpuMsPerSecond ?? '?'} ms/s`,
  );
  console.log(`  CPU per client-batch: ${cost(r.perClientBatch)}`);
  console.log(`  CPU per client workflow started: ${cost(r.perClientStart)}`);
}

/** Where activity time went and how large the histories grew: the same in both modes. */
function printActivity(r: RunFigures | SteadyFigures): void {
  for (const [type, s] of Object.entries(r.stages)) {
    console.log(
      `    ${type.padEnd(22)} ${String(s.runs).padStart(5)} runs, mean ${s.meanMs} ms, max ${s.maxMs} ms, total ${(s.totalMs / 1000).toFixed(1)} s`,
    );
  }
  for (const [kind, k] of Object.entries(r.history)) {
    console.log(
      `    history ${kind.padEnd(7)} ${k.workflows} workflows, ${k.runs} runs, ${k.events} events; ` +
        `largest workflow ${k.maxEventsPerWorkflow} events, ${Math.round(k.maxBytesPerWorkflow / 1024)} KiB; largest payload ${k.maxPayloadBytes} bytes`,
    );
  }
}

/** Each run against the yardstick, and each number of clients against the fewest. */
function ratios(runs: RunFigures[]): Record<string, number> {
  const out: Record<string, number> = {};
  const base = [...runs].sort((a, b) => a.clients - b.clients)[0];
  for (const r of runs) {
    out[`pipeline/kafkajs @${r.clients} clients`] = r.pipeline.ofKafkajs;
    if (base && r !== base)
      out[`${r.clients}-client/${base.clients}-client`] = Math.round((r.pipeline.perSecond / base.pipeline.perSecond) * 1000) / 1000;
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      clients: { type: 'string' },
      sweep: { type: 'string' },
      batch: { type: 'string' },
      json: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      workers: { type: 'string' },
      'client-runs': { type: 'boolean' },
      orchestration: { type: 'boolean' },
      batches: { type: 'string' },
    },
  });
  const clientRuns = values['client-runs'] === true;
  const orchestration = values.orchestration === true;
  if (clientRuns && orchestration) throw new Error('--client-runs and --orchestration measure different things: choose one');
  if (clientRuns && (values.rate || values.workers || values.batch)) {
    throw new Error('--client-runs takes --count, --clients or --sweep, --batches and --json only: it runs no pipeline');
  }
  if (orchestration && (values.rate || values.workers || values.batch || values.count)) {
    throw new Error('--orchestration takes --clients or --sweep, --batches and --json only: it runs no data work');
  }
  if (values.batches && !orchestration && !clientRuns) {
    throw new Error('--batches applies to --orchestration (batches handed to each client) and --client-runs (raw batches the messages land in)');
  }
  if (values.workers && values.rate) throw new Error('--workers applies to the backlog mode; the steady mode runs one worker');
  if (values.seconds && !values.rate) throw new Error('--seconds needs --rate (steady mode); the backlog mode runs until drained');
  const [count = 200_000] = positiveInts(values.count ?? '200000', '--count');
  const [batch = DEFAULT_BATCH_MAX_MESSAGES] = positiveInts(values.batch ?? String(DEFAULT_BATCH_MAX_MESSAGES), '--batch');
  const [workers = 1] = positiveInts(values.workers ?? '1', '--workers');
  const sweep = positiveInts(values.sweep ?? values.clients ?? '3', values.sweep ? '--sweep' : '--clients');
  const machine = describeMachine();
  console.log(machineLine(machine));
  const started = new Date().toISOString();
  const say = (line: string) => console.log(line);
  const runs: (RunFigures | SteadyFigures | ClientRunFigures | OrchestrationFigures)[] = [];
  let summary: Record<string, number> = {};
  if (orchestration) {
    const asked = values.batches === undefined ? undefined : positiveInt(values.batches, '--batches');
    for (const clients of sweep) {
      // By default enough batches that even a few clients give some 150 client-batches to divide by.
      const batches = asked ?? Math.max(5, Math.ceil(150 / clients));
      const r = await benchOrchestration({ clients, batches });
      printOrchestration(r);
      runs.push(r);
    }
  } else if (clientRuns) {
    const batches = values.batches === undefined ? 1 : positiveInt(values.batches, '--batches');
    for (const clients of sweep) {
      const r = await benchClientRuns({ count, clients, batches });
      console.log(
        `client runs: ${count} messages in ${batches} raw batch(es), ${clients} clients: ${r.runs} runs of ${r.recordsPerRun} records ` +
          `in ${r.batchesPerRun} batches, one at a time; per run ` +
          `wall ${r.wallMsPerRun} ms, CPU ${r.cpuMsPerRun} ms (JavaScript thread ${r.jsThreadCpuMsPerRun ?? '?'} ms)`,
      );
      runs.push(r);
    }
  } else if (values.rate) {
    const [rate = 0] = positiveInts(values.rate, '--rate');
    const [seconds = 60] = positiveInts(values.seconds ?? '60', '--seconds');
    for (const clients of sweep) {
      console.log(`run: ${rate} msg/s for ${seconds} s, ${clients} clients, batches of up to ${batch}`);
      const r = await benchSteady({ rate, seconds, clients, batch, say });
      printSteady(r);
      runs.push(r);
    }
  } else {
    const backlog: RunFigures[] = [];
    for (const clients of sweep) {
      const grown = backlogBatchMessages(batch, clients, BigInt(count));
      const upTo = grown > batch ? `${batch} (${grown} under this backlog, for ${clients} clients)` : String(batch);
      console.log(`run: ${count} messages, ${clients} clients, batches of up to ${upTo}${workers > 1 ? `, ${workers} worker processes` : ''}`);
      const r = await benchRun({ count, clients, batch, workers, say });
      printRun(r);
      backlog.push(r);
    }
    runs.push(...backlog);
    summary = ratios(backlog);
  }
  for (const [name, value] of Object.entries(summary)) console.log(`ratio ${name}: ${value}`);
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify({ started, command: process.argv.slice(2).join(' '), machine, runs, ratios: summary }, null, 2)}\n`);
    console.log(`figures written to ${values.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
