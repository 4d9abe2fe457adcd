/** What a benchmark ran on: the machine, how busy it was, and the versions of everything timed. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KAFKA_VERSION, TEMPORAL_CLI_VERSION } from '../stack/layout';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1, 5 and 15 minute load averages when the run started: a shared machine's other work. */
  loadAverage: number[];
  versions: Record<string, string>;
}

function packageVersion(name: string): string {
  try {
    const file = path.join(__dirname, '..', '..', 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    versions: {
      node: process.version,
      duckdb: packageVersion('@duckdb/node-api'),
      temporalSdk: packageVersion('@temporalio/worker'),
      temporalCli: TEMPORAL_CLI_VERSION,
      kafka: KAFKA_VERSION,
      kafkajs: packageVersion('kafkajs'),
    },
  };
}

export function machineLine(m: Machine): string {
  const v = m.versions;
  return (
    `machine: ${m.cores} x ${m.cpuModel}, ${m.memoryGiB} GiB, load ${m.loadAverage.join(' ')}\n` +
    `versions: Node ${v.node}, DuckDB ${v.duckdb}, Temporal SDK ${v.temporalSdk} (CLI dev server ${v.temporalCli}), Kafka ${v.kafka}, kafkajs ${v.kafkajs}`
  );
}
